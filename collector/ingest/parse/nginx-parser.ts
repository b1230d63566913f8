import { parseAccessLine } from './access-log.js';
import { addRequestLine, addSource } from './http-fields.js';
import { normalizeLevel } from './level-names.js';
import type { FieldValue, LineParser } from './parsed-line.js';
import { timeWithZone } from './zoned-time.js';

// `2026/11/26 10:00:00 [error] 1234#1234: *5678 message, client: 1.2.3.4, server: x, request: "GET / HTTP/1.1"`
const ERROR_LINE = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2}) \[([a-z]+)\] (\d+)#(\d+): (?:\*(\d+) )?/;
// The context nginx appends to error messages; values are quoted when they may hold spaces.
const CONTEXT = /, (client|server|request|upstream|host|referrer): (?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/g;

/** nginx error log lines; times are local to the server (the shipper's zone). */
export function parseNginxError(line: string, tz: string | undefined): ReturnType<LineParser> {
  const m = ERROR_LINE.exec(line);
  if (!m) return undefined;
  const timestamp = timeWithZone(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!, 0, undefined, tz);
  if (!timestamp) return undefined;
  const fields: Record<string, FieldValue> = {
    'log.original_level': m[7]!,
    'process.pid': Number(m[8]),
    'process.thread.id': Number(m[9]),
  };
  if (m[10]) fields['nginx.error.connection_id'] = Number(m[10]);
  const message = line.slice(m[0].length);
  const contextStart = message.indexOf(', client: ');
  if (contextStart >= 0) {
    CONTEXT.lastIndex = contextStart;
    for (let c = CONTEXT.exec(message); c; c = CONTEXT.exec(message)) {
      const value = c[2] ?? c[3] ?? '';
      switch (c[1]) {
        case 'client':
          addSource(fields, value);
          break;
        case 'server':
          fields['server.address'] = value;
          break;
        case 'request':
          addRequestLine(fields, value);
          break;
        case 'upstream':
          fields['nginx.error.upstream'] = value;
          break;
        case 'host': {
          // The Host header may name a port (`shop.example.com:8443`, `[::1]:8080`): the domain goes without it,
          // the port to destination.port, as for apache's vhost.
          const hostPort = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value);
          fields['url.domain'] = hostPort ? hostPort[1]!.replace(/^\[|\]$/g, '') : value;
          if (hostPort) fields['destination.port'] = Number(hostPort[2]);
          break;
        }
        case 'referrer':
          fields['http.request.referrer'] = value;
          break;
      }
    }
  }
  return { dataset: 'nginx', timestamp, level: normalizeLevel(m[7]!), message, fields };
}

/** nginx access (combined/common, extra trailing fields allowed) and error log lines. */
export const parseNginx: LineParser = (line, ctx) => {
  const c = line.charCodeAt(0);
  // Error lines start with "YYYY/"; access lines with an address.
  if (c >= 0x30 && c <= 0x39 && line.charCodeAt(4) === 0x2f) {
    const error = parseNginxError(line, ctx.tz);
    if (error) return error;
  }
  return parseAccessLine(line, ctx, 'nginx');
};
