import type { Level } from '../../../protocol/event.js';
import { splitCsv } from './csv-fields.js';
import { addSourceWithPort } from './http-fields.js';
import { normalizeLevel } from './level-names.js';
import type { FieldValue, LineParser, ParseContext, ParsedLine } from './parsed-line.js';
import { abbreviationOffset, fractionMs, timeWithZone } from './zoned-time.js';

// `%m [%p] ` (the default log_line_prefix since PostgreSQL 10) and its common variants: `%t`, Debian's
// `%m [%p] %q%u@%d `, `%m [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h `. The time zone is log_timezone's name.
const STDERR =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?: ([A-Z]{2,5}|[+-]\d{2}(?::?\d{2})?))? \[(\d+)\]:? (?:\[(\d+)-\d+\] )?(.*?)(DEBUG[1-5]|LOG|INFO|NOTICE|WARNING|ERROR|FATAL|PANIC|DETAIL|HINT|QUERY|CONTEXT|LOCATION|STATEMENT): {2}/;
const USER_AT_DB = /^(\[unknown\]|[^\s@]+)@(\[unknown\]|\S+) $/;
const KEY_VALUES = /(user|db|app|client)=([^,\s]*)/g;
const DURATION = /^duration: (\d+(?:\.\d+)?) ms/;
// csvlog: the time, then a comma (the stderr prefix has a space and a bracket there).
const CSV_START =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?: ([A-Z]{2,5}|[+-]\d{2}(?::?\d{2})?))?,/;

/** PostgreSQL's severities: LOG is informational, FATAL and PANIC end a session or the server. */
function levelOf(severity: string): Level | undefined {
  switch (severity) {
    case 'LOG':
    case 'INFO':
    case 'NOTICE':
      return 'info';
    case 'WARNING':
      return 'warn';
    case 'ERROR':
      return 'error';
    case 'FATAL':
    case 'PANIC':
      return 'fatal';
  }
  // Continuation lines (DETAIL, HINT, STATEMENT…) belong to the line before; they carry no level of their own.
  return severity.startsWith('DEBUG') ? normalizeLevel(severity) : undefined;
}

function time(m: RegExpExecArray, ctx: ParseContext): string | undefined {
  const zone = m[8];
  return timeWithZone(
    +m[1]!,
    +m[2]!,
    +m[3]!,
    +m[4]!,
    +m[5]!,
    +m[6]!,
    fractionMs(m[7]),
    zone && /^[A-Z]/.test(zone) ? (abbreviationOffset(zone) ?? '') : zone,
    ctx.tz,
  );
}

function addDuration(fields: Record<string, FieldValue>, message: string): void {
  const d = DURATION.exec(message);
  // event.duration is in nanoseconds (ECS).
  if (d) fields['event.duration'] = Math.round(Number(d[1]) * 1_000_000);
}

function parseStderr(line: string, ctx: ParseContext): ParsedLine | undefined {
  const m = STDERR.exec(line);
  if (!m) return undefined;
  const timestamp = time(m, ctx);
  if (!timestamp) return undefined;
  const fields: Record<string, FieldValue> = { 'process.pid': Number(m[9]), 'log.original_level': m[12]! };
  if (m[10]) fields['postgresql.session_line'] = Number(m[10]);
  const prefix = m[11]!;
  if (prefix) {
    const ud = USER_AT_DB.exec(prefix);
    if (ud) {
      if (ud[1] !== '[unknown]') fields['user.name'] = ud[1]!;
      if (ud[2] !== '[unknown]') fields['postgresql.database'] = ud[2]!;
    } else {
      KEY_VALUES.lastIndex = 0;
      for (let kv = KEY_VALUES.exec(prefix); kv; kv = KEY_VALUES.exec(prefix)) {
        const value = kv[2]!;
        if (!value || value === '[unknown]') continue;
        if (kv[1] === 'user') fields['user.name'] = value;
        else if (kv[1] === 'db') fields['postgresql.database'] = value;
        else if (kv[1] === 'app') fields['postgresql.application_name'] = value;
        else addSourceWithPort(fields, value);
      }
    }
  }
  const message = line.slice(m[0].length);
  addDuration(fields, message);
  return { dataset: 'postgres', timestamp, level: levelOf(m[12]!), message, fields };
}

// csvlog columns (PostgreSQL 13–17): the ones we keep, by position.
const C_USER = 1;
const C_DB = 2;
const C_PID = 3;
const C_CLIENT = 4;
const C_SESSION = 5;
const C_SEVERITY = 11;
const C_SQLSTATE = 12;
const C_MESSAGE = 13;
const C_DETAIL = 14;
const C_HINT = 15;
const C_QUERY = 19;
const C_APP = 22;
const C_BACKEND = 23;

function parseCsv(line: string, ctx: ParseContext): ParsedLine | undefined {
  const m = CSV_START.exec(line);
  if (!m) return undefined;
  const cols = splitCsv(line);
  if (!cols || cols.length < 22) return undefined;
  const timestamp = time(m, ctx);
  const severity = cols[C_SEVERITY]!;
  const message = cols[C_MESSAGE]!;
  if (!timestamp || !/^[A-Z][A-Z0-9]+$/.test(severity)) return undefined;
  const fields: Record<string, FieldValue> = { 'log.original_level': severity };
  const set = (key: string, col: number) => {
    const v = cols[col];
    if (v) fields[key] = v;
  };
  set('user.name', C_USER);
  set('postgresql.database', C_DB);
  if (cols[C_PID]) fields['process.pid'] = Number(cols[C_PID]);
  if (cols[C_CLIENT] && cols[C_CLIENT] !== '[local]') addSourceWithPort(fields, cols[C_CLIENT]);
  set('postgresql.session_id', C_SESSION);
  if (cols[C_SQLSTATE] && cols[C_SQLSTATE] !== '00000') fields['error.code'] = cols[C_SQLSTATE];
  set('postgresql.detail', C_DETAIL);
  set('postgresql.hint', C_HINT);
  set('postgresql.query', C_QUERY);
  set('postgresql.application_name', C_APP);
  set('postgresql.backend_type', C_BACKEND);
  addDuration(fields, message);
  return { dataset: 'postgres', timestamp, level: levelOf(severity), message, fields };
}

/** PostgreSQL stderr logs with the default (or a common) log_line_prefix, and csvlog records. */
export const parsePostgres: LineParser = (line, ctx) => {
  // csvlog has a comma right after the time where the stderr prefix has " [pid]".
  return CSV_START.test(line) ? parseCsv(line, ctx) : parseStderr(line, ctx);
};
