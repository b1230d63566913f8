import { addSource } from './http-fields.js';
import { normalizeLevel } from './level-names.js';
import { isoTimestamp } from './leading-timestamp.js';
import type { FieldValue, LineParser, ParseContext, ParsedLine } from './parsed-line.js';
import { fractionMs, isoOrUndefined, timeWithZone } from './zoned-time.js';

// MySQL 8: `2026-11-26T10:00:00.123456Z 0 [System] [MY-010116] [Server] msg`; MySQL 5.7:
// `2026-11-26T10:00:00.123456Z 0 [Note] InnoDB: msg`; MariaDB: `2026-11-26 10:00:00 0 [Note] msg`, with the hour
// space-padded before 10:00 (`2026-12-05  7:06:06`); MySQL 5.5 and old MariaDB: `261126 10:00:00 [Note] msg`
// (yymmdd, the hour space-padded the same way).
const ERROR_LINE =
  /^(?:(\d{4})-(\d{2})-(\d{2})(?:T| {1,2})|(\d{2})(\d{2})(\d{2}) {1,2})(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})?(?: (\d+))? \[(System|Warning|Note|ERROR|Error|Info)\](?: \[(MY-\d{6})\])?(?: \[(\w+)\])? /;
const SUBSYSTEM = /^(InnoDB|Plugin|Slave SQL|Slave I\/O|Replica SQL|Replica I\/O|mysqld|mariadbd|WSREP|Aria)[:\s]/;

// Slow query log headers. The shipper's multiline setting (start: '^# Time:') joins an entry into one event;
// without it each header line arrives alone and is still parsed.
const SLOW_TIME = /^# Time: (?:(\d{4}-\d{2}-\d{2}T\S+)|(\d{2})(\d{2})(\d{2}) {1,2}(\d{1,2}):(\d{2}):(\d{2}))/;
const SLOW_USER = /^# User@Host: ([^[\s]*)\[[^\]]*\] @ ([^[\s]*) ?\[([^\]]*)\](?:\s+Id:\s+(\d+))?/;
// MariaDB puts the thread and schema on a line of their own, and adds lines of counters and plan flags.
const SLOW_THREAD = /^# Thread_id: (\d+)\s+Schema: (\S*)/;
const SLOW_OTHER = /^# [A-Z][A-Za-z_]+: \S/;
const SLOW_STATS =
  /^# Query_time: (\d+(?:\.\d+)?)\s+Lock_time: (\d+(?:\.\d+)?)\s+Rows_sent: (\d+)\s+Rows_examined: (\d+)/;
const SET_TIMESTAMP = /^SET timestamp=(\d+);$/;

function parseErrorLine(line: string, ctx: ParseContext): ParsedLine | undefined {
  const m = ERROR_LINE.exec(line);
  if (!m) return undefined;
  const year = m[1] ? +m[1] : 2000 + +m[4]!;
  const timestamp = timeWithZone(
    year,
    +(m[2] ?? m[5]!),
    +(m[3] ?? m[6]!),
    +m[7]!,
    +m[8]!,
    +m[9]!,
    fractionMs(m[10]),
    m[11],
    ctx.tz,
  );
  if (!timestamp) return undefined;
  const fields: Record<string, FieldValue> = { 'log.original_level': m[13]! };
  if (m[12]) fields['process.thread.id'] = Number(m[12]);
  if (m[14]) fields['error.code'] = m[14];
  const message = line.slice(m[0].length);
  if (m[15]) fields['log.logger'] = m[15];
  else {
    const sub = SUBSYSTEM.exec(message);
    if (sub) fields['log.logger'] = sub[1]!;
  }
  return { dataset: 'mysql', timestamp, level: normalizeLevel(m[13]!), message, fields };
}

function parseSlowEntry(text: string, ctx: ParseContext): ParsedLine | undefined {
  const fields: Record<string, FieldValue> = {};
  let timestamp: string | undefined;
  const statement: string[] = [];
  let recognised = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('# ')) {
      let m = SLOW_TIME.exec(line);
      if (m) {
        recognised = true;
        // The first time of the event wins: MariaDB writes `# Time:` only when the second changed, so an entry
        // grouped from `# User@Host:` may end with the next entry's `# Time:` line.
        timestamp ??= m[1]
          ? isoTimestamp(m[1], ctx.tz)
          : timeWithZone(2000 + +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!, 0, undefined, ctx.tz);
        continue;
      }
      m = SLOW_USER.exec(line);
      if (m) {
        recognised = true;
        if (m[1]) fields['user.name'] = m[1];
        if (m[3]) addSource(fields, m[3]);
        else if (m[2]) fields['source.address'] = m[2];
        if (m[4]) fields['process.thread.id'] = Number(m[4]);
        continue;
      }
      m = SLOW_STATS.exec(line);
      if (m) {
        recognised = true;
        fields['event.duration'] = Math.round(Number(m[1]) * 1e9);
        fields['mysql.slowlog.lock_time.sec'] = Number(m[2]);
        fields['mysql.slowlog.rows_sent'] = Number(m[3]);
        fields['mysql.slowlog.rows_examined'] = Number(m[4]);
        continue;
      }
      m = SLOW_THREAD.exec(line);
      if (m) {
        recognised = true;
        fields['process.thread.id'] = Number(m[1]);
        if (m[2]) fields['mysql.slowlog.schema'] = m[2];
        continue;
      }
      if (SLOW_OTHER.test(line)) recognised = true;
      continue;
    }
    const set = SET_TIMESTAMP.exec(line);
    if (set) {
      // The statement's own start time, in epoch seconds: exact, whatever the server's zone.
      timestamp ??= isoOrUndefined(Number(set[1]) * 1000);
      continue;
    }
    if (line.startsWith('use ') && line.endsWith(';')) {
      fields['mysql.slowlog.schema'] = line.slice(4, -1).replace(/`/g, '');
      continue;
    }
    if (line) statement.push(line);
  }
  if (!recognised) return undefined;
  const message = statement.length ? statement.join('\n') : text;
  return { dataset: 'mysql', timestamp, message, fields };
}

/** MySQL and MariaDB error log lines and slow query log entries (whole or line by line). */
export const parseMysql: LineParser = (line, ctx) => {
  if (line.startsWith('# ')) return parseSlowEntry(line, ctx);
  return parseErrorLine(line, ctx);
};
