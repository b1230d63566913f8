import { detectLevel, levelOfSeverity } from './level-names.js';
import { isoTimestamp } from './leading-timestamp.js';
import type { FieldValue, LineParser, ParseContext, ParsedLine } from './parsed-line.js';
import { fractionMs, isoOrUndefined, monthNumber, zonedTimeMs } from './zoned-time.js';

// RFC 5424: <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, then structured data and the message.
const RFC5424 = /^<(\d{1,3})>(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) /;
// RFC 3164 and what syslog daemons write to files: optional <PRI>, "Nov 26 10:00:00" or an RFC 3339 time
// (rsyslog's high-precision format), a hostname, then "tag[pid]: message".
const RFC3164 =
  /^(?:<(\d{1,3})>)?(?:([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?|(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})))(?: (\S+))?(?: ([^\s:[\]]{1,64})(?:\[([^\]]{1,32})\])?:)? ?/;

const DAY_MS = 86_400_000;

/** A date without a year (RFC 3164) lies in the year that puts it before the read time, give or take a day. */
function yearlessTime(
  month: number,
  day: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
  ctx: ParseContext,
): string | undefined {
  let year = new Date(ctx.nowMs).getUTCFullYear();
  let t = zonedTimeMs(year, month, day, h, mi, s, ms, ctx.tz);
  // A December line read in January belongs to last year.
  if (t > ctx.nowMs + DAY_MS) t = zonedTimeMs(--year, month, day, h, mi, s, ms, ctx.tz);
  return isoOrUndefined(t);
}

function addPriority(fields: Record<string, FieldValue>, pri: number): number {
  fields['log.syslog.priority'] = pri;
  fields['log.syslog.facility.code'] = pri >> 3;
  fields['log.syslog.severity.code'] = pri & 7;
  return pri & 7;
}

function addProcess(fields: Record<string, FieldValue>, procid: string): void {
  if (procid === '-' || procid === '') return;
  fields['log.syslog.procid'] = procid;
  const pid = Number(procid);
  if (Number.isSafeInteger(pid) && pid >= 0) fields['process.pid'] = pid;
}

/** Skips RFC 5424 structured data (`-` or `[id k="v"]…`, with `\]` escapes) and returns where the message starts. */
function skipStructuredData(line: string, start: number): number {
  if (line.charCodeAt(start) === 0x2d) return start + 1;
  let i = start;
  while (line.charCodeAt(i) === 0x5b) {
    let inQuotes = false;
    for (i++; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuotes = !inQuotes;
      else if (c === 0x5d && !inQuotes) break;
    }
    i++;
  }
  return i;
}

function parse5424(m: RegExpExecArray, line: string, ctx: ParseContext): ParsedLine | undefined {
  const pri = Number(m[1]);
  if (pri > 191) return undefined;
  const fields: Record<string, FieldValue> = {};
  const severity = addPriority(fields, pri);
  const [, , , time, host, app, procid, msgid] = m;
  if (host !== '-') fields['log.syslog.hostname'] = host!;
  if (app !== '-') {
    fields['log.syslog.appname'] = app!;
    fields['process.name'] = app!;
  }
  addProcess(fields, procid!);
  if (msgid !== '-') fields['log.syslog.msgid'] = msgid!;
  const sdStart = m[0].length;
  const sdEnd = skipStructuredData(line, sdStart);
  if (sdEnd > sdStart + 1) fields['log.syslog.structured_data'] = line.slice(sdStart, sdEnd);
  let message = line.slice(sdEnd + 1);
  // A UTF-8 byte order mark may precede the message (RFC 5424 §6.4).
  if (message.charCodeAt(0) === 0xfeff) message = message.slice(1);
  const timestamp = time === '-' ? undefined : isoTimestamp(time!, ctx.tz);
  return { dataset: 'syslog', timestamp, level: levelOfSeverity(severity), message, fields };
}

/** RFC 5424, RFC 3164 and syslog-daemon file lines. */
export const parseSyslog: LineParser = (line, ctx) => {
  const m5424 = RFC5424.exec(line);
  if (m5424) return parse5424(m5424, line, ctx);
  const m = RFC3164.exec(line);
  if (!m) return undefined;
  const fields: Record<string, FieldValue> = {};
  let level;
  if (m[1] !== undefined) {
    const pri = Number(m[1]);
    if (pri > 191) return undefined;
    level = levelOfSeverity(addPriority(fields, pri));
  }
  let timestamp: string | undefined;
  if (m[2]) {
    const month = monthNumber(m[2]);
    if (!month) return undefined;
    timestamp = yearlessTime(month, +m[3]!, +m[4]!, +m[5]!, +m[6]!, fractionMs(m[7]), ctx);
  } else {
    timestamp = isoTimestamp(m[8]!, ctx.tz);
  }
  if (!timestamp) return undefined;
  const host = m[9];
  const tag = m[10];
  if (host) fields['log.syslog.hostname'] = host;
  if (tag) {
    fields['log.syslog.appname'] = tag;
    fields['process.name'] = tag;
    if (m[11]) addProcess(fields, m[11]);
  }
  const message = line.slice(m[0].length);
  return { dataset: 'syslog', timestamp, level: level ?? detectLevel(message), message, fields };
};
