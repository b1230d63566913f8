import { addRequestLine, addSource, levelOfStatus, unescapeQuoted } from './http-fields.js';
import type { FieldValue, ParseContext, ParsedLine } from './parsed-line.js';
import { fractionMs, monthNumber, timeWithZone } from './zoned-time.js';

// Common and combined log format, shared by nginx and apache: an optional apache vhost ("example.com:443 "), then
// `remote ident user [time] "request" status bytes` and, for combined, `"referer" "user-agent"`; whatever follows
// (nginx's "$http_x_forwarded_for", request times) is kept in the message only.
const ACCESS =
  /^(?:([^\s:]+:\d+) )?(\S+) \S+ (\S+) \[(\d{2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? ([+-]\d{4})\] "((?:[^"\\]|\\.)*)" (\d{3}|-) (\d+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?/;

/** Parses one access-log line into `http.*`, `url.*`, `source.ip`, `user_agent.original`; level from the status. */
export function parseAccessLine(line: string, ctx: ParseContext, dataset: 'nginx' | 'apache'): ParsedLine | undefined {
  const m = ACCESS.exec(line);
  if (!m) return undefined;
  const month = monthNumber(m[5]!);
  if (!month) return undefined;
  const timestamp = timeWithZone(+m[6]!, month, +m[4]!, +m[7]!, +m[8]!, +m[9]!, fractionMs(m[10]), m[11], ctx.tz);
  if (!timestamp) return undefined;
  const fields: Record<string, FieldValue> = {};
  if (m[1]) {
    const colon = m[1].lastIndexOf(':');
    fields['url.domain'] = m[1].slice(0, colon);
    fields['destination.port'] = Number(m[1].slice(colon + 1));
  }
  addSource(fields, m[2]!);
  if (m[3] !== '-') fields['user.name'] = m[3]!;
  addRequestLine(fields, unescapeQuoted(m[12]!));
  let level;
  if (m[13] !== '-') {
    const status = Number(m[13]);
    fields['http.response.status_code'] = status;
    level = levelOfStatus(status);
  }
  if (m[14] !== '-') fields['http.response.body.bytes'] = Number(m[14]);
  if (m[15] !== undefined && m[15] !== '-' && m[15] !== '') fields['http.request.referrer'] = unescapeQuoted(m[15]);
  if (m[16] !== undefined && m[16] !== '-' && m[16] !== '') fields['user_agent.original'] = unescapeQuoted(m[16]);
  return { dataset, timestamp, level, message: line, fields };
}
