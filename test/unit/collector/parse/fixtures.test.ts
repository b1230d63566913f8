import { readFileSync } from 'node:fs';
import { parseLine } from '../../../../collector/ingest/parse/parse-line.js';
import type { Format } from '../../../../protocol/event.js';

/** Every fixture line, parsed with its declared format and with `auto`: how many parse, with a time, at which level. */
const ctx = { tz: 'Europe/Berlin', nowMs: Date.parse('2026-11-26T12:00:00Z') };

function summarise(file: string, format: Format) {
  const lines = readFileSync(new URL(`../../../fixtures/${file}`, import.meta.url), 'utf8').split('\n');
  lines.pop(); // the final newline
  const levels: Record<string, number> = {};
  const datasets: Record<string, number> = {};
  let failed = 0;
  let timed = 0;
  for (const line of lines) {
    const p = parseLine(line, format, ctx);
    const level = p.level ?? 'none';
    levels[level] = (levels[level] ?? 0) + 1;
    datasets[p.dataset] = (datasets[p.dataset] ?? 0) + 1;
    if (p.failed) failed++;
    if (p.timestamp) timed++;
  }
  return { lines: lines.length, failed, timed, levels, datasets };
}

// Expected numbers come from the fixture generator's own tally (status codes, severities it wrote), not from the parser.
const cases: [string, Format, ReturnType<typeof summarise>][] = [
  // nginx 1.22 (scripts/fixtures/nginx.sh): by status, 14 × 200, 3 × 301 and 3 × 304 (info); 3 × 403, 3 × 404, 3 × 413
  // and a 400 for a TLS handshake on the plain port (warn); 3 × 502 and a 504 (error).
  [
    'nginx/access.log',
    'nginx',
    { lines: 34, failed: 0, timed: 34, levels: { info: 20, warn: 10, error: 4 }, datasets: { nginx: 34 } },
  ],
  [
    'nginx/access.log',
    'auto',
    { lines: 34, failed: 0, timed: 34, levels: { info: 20, warn: 10, error: 4 }, datasets: { apache: 34 } },
  ],
  // 32 [info] and 13 [notice] lines (info), 13 [error] lines.
  [
    'nginx/error.log',
    'auto',
    { lines: 58, failed: 0, timed: 58, levels: { info: 45, error: 13 }, datasets: { nginx: 58 } },
  ],
  // Apache 2.4 (scripts/fixtures/apache.sh), one request set in three formats: by status 11 × 200, 3 × 301, 3 × 304
  // (info); 3 × 403, 3 × 404 (warn); 3 × 503 (error).
  ...['apache/access.log', 'apache/other_vhosts_access.log', 'apache/access_common.log'].map(
    (file): [string, Format, ReturnType<typeof summarise>] => [
      file,
      'auto',
      { lines: 26, failed: 0, timed: 26, levels: { info: 17, warn: 6, error: 3 }, datasets: { apache: 26 } },
    ],
  ),
  // 5 info and 3 notice lines (info), 34 trace1 and 40 trace2 lines from mod_rewrite, 9 error lines.
  [
    'apache/error.log',
    'auto',
    { lines: 91, failed: 0, timed: 91, levels: { info: 8, trace: 74, error: 9 }, datasets: { apache: 91 } },
  ],
  // rsyslog 8 (scripts/fixtures/rsyslog.sh): 16 messages from logger in three templates. The traditional and RFC 3339
  // file formats carry no severity; the RFC 5424 one has the PRI: 6 info/notice, 3 warning, 3 err, 1 debug, and
  // crit/alert/emerg (fatal) once each.
  [
    'syslog/messages.log',
    'syslog',
    { lines: 16, failed: 0, timed: 16, levels: { none: 16 }, datasets: { syslog: 16 } },
  ],
  ['syslog/messages.log', 'auto', { lines: 16, failed: 0, timed: 16, levels: { none: 16 }, datasets: { syslog: 16 } }],
  [
    'syslog/rfc5424.log',
    'auto',
    {
      lines: 16,
      failed: 0,
      timed: 16,
      levels: { info: 6, warn: 3, error: 3, debug: 1, fatal: 3 },
      datasets: { syslog: 16 },
    },
  ],
  // The four messages logger sent as RFC 5424 have a tag without a colon there (`api[3880] order 4711 paid`), which
  // auto detection leaves to plain text (with their time); the syslog format reads them.
  [
    'syslog/rfc3339.log',
    'auto',
    { lines: 16, failed: 0, timed: 16, levels: { none: 16 }, datasets: { syslog: 12, plain: 4 } },
  ],
  ['syslog/rfc3339.log', 'syslog', { lines: 16, failed: 0, timed: 16, levels: { none: 16 }, datasets: { syslog: 16 } }],
  [
    'postgres/postgresql.log',
    'auto',
    {
      lines: 94,
      failed: 0,
      timed: 83,
      levels: { info: 61, error: 7, warn: 1, fatal: 2, none: 23 },
      datasets: { postgres: 83, plain: 11 },
    },
  ],
  // 71 csvlog records on 82 lines: three records hold a multi-line statement (14 lines), which line by line cannot
  // be read as CSV; their first lines keep their time (and the ERROR one its level) as plain text.
  [
    'postgres/postgresql.csv',
    'postgres',
    {
      lines: 82,
      failed: 14,
      timed: 71,
      levels: { info: 59, error: 7, warn: 1, fatal: 2, none: 13 },
      datasets: { postgres: 82 },
    },
  ],
  // MariaDB 10.11 (scripts/fixtures/mariadb.sh): `grep -c` finds 56 [Note], 8 [Warning], 2 [ERROR] lines and two
  // `Version: …` lines without a time (plain text); 34 lines are before 10:00, with a space-padded hour.
  [
    'mysql/error.log',
    'auto',
    {
      lines: 68,
      failed: 0,
      timed: 66,
      levels: { info: 56, warn: 8, error: 2, none: 2 },
      datasets: { mysql: 66, plain: 2 },
    },
  ],
  // Line by line (no multiline on the shipper): the 188 `# …` header lines are read (10 of them `# Time:`); the
  // statements, `SET timestamp`, `use` and the two 3-line file headers (88) are not.
  ['mysql/slow.log', 'mysql', { lines: 276, failed: 88, timed: 10, levels: { none: 276 }, datasets: { mysql: 276 } }],
  // pino (scripts/fixtures/pino.mjs), by its numeric levels: 4 × 30, 1 × 20, 2 × 40, 1 × 50, 1 × 10, 1 × 60.
  [
    'json/pino.log',
    'json',
    {
      lines: 10,
      failed: 0,
      timed: 10,
      levels: { info: 4, debug: 1, warn: 2, error: 1, trace: 1, fatal: 1 },
      datasets: { json: 10 },
    },
  ],
  // bunyan 1 (scripts/fixtures/json-loggers.sh), by its numeric levels: 3 × 30, 1 × 10, 1 × 20, 1 × 40, 1 × 50, 1 × 60.
  [
    'json/bunyan.log',
    'auto',
    {
      lines: 8,
      failed: 0,
      timed: 8,
      levels: { info: 3, trace: 1, debug: 1, warn: 1, error: 1, fatal: 1 },
      datasets: { json: 8 },
    },
  ],
  // winston 3: 2 × http, 1 × verbose and 1 × debug (debug), 1 × silly (trace), 1 × info, 1 × warn, 2 × error.
  [
    'json/winston.log',
    'auto',
    {
      lines: 9,
      failed: 0,
      timed: 9,
      levels: { info: 1, debug: 4, trace: 1, warn: 1, error: 2 },
      datasets: { json: 9 },
    },
  ],
  // logrus (scripts/fixtures/go-loggers.sh): 2 info, 1 each of trace, debug, warning, error and fatal.
  [
    'json/logrus.log',
    'auto',
    {
      lines: 7,
      failed: 0,
      timed: 7,
      levels: { info: 2, trace: 1, debug: 1, warn: 1, error: 1, fatal: 1 },
      datasets: { json: 7 },
    },
  ],
  // zap's production logger: 3 info, 1 each of debug, warn and error, and a dpanic (fatal).
  [
    'json/zap.log',
    'auto',
    {
      lines: 7,
      failed: 0,
      timed: 7,
      levels: { info: 3, debug: 1, warn: 1, error: 1, fatal: 1 },
      datasets: { json: 7 },
    },
  ],
  // Python logging with python-json-logger: 2 INFO, 3 DEBUG, 1 WARNING, 2 ERROR, 1 CRITICAL.
  [
    'json/python.log',
    'auto',
    {
      lines: 9,
      failed: 0,
      timed: 9,
      levels: { info: 2, debug: 3, warn: 1, error: 2, fatal: 1 },
      datasets: { json: 9 },
    },
  ],
  // log4j2's JsonLayout (scripts/fixtures/log4j.sh): 2 INFO, 1 each of TRACE, DEBUG, WARN, ERROR and FATAL.
  [
    'json/log4j.log',
    'auto',
    {
      lines: 7,
      failed: 0,
      timed: 7,
      levels: { info: 2, trace: 1, debug: 1, warn: 1, error: 1, fatal: 1 },
      datasets: { json: 7 },
    },
  ],
  // ecs-logging (Python): 2 info, 1 warning, 1 debug, 2 error.
  [
    'json/ecs.log',
    'auto',
    {
      lines: 6,
      failed: 0,
      timed: 6,
      levels: { info: 2, warn: 1, debug: 1, error: 2 },
      datasets: { json: 6 },
    },
  ],
  // gunicorn, its app's Python logging, logback with the JVM and Perl in one file (scripts/fixtures/plain-apps.sh):
  // 12 info (7 gunicorn [INFO], 2 Python, 2 logback, 1 Perl), 3 debug, 3 warn, 2 error, 1 fatal; 12 lines without a
  // time or level (a Python traceback, two Java stack traces, Perl's own die message).
  [
    'plain/app.log',
    'auto',
    {
      lines: 33,
      failed: 0,
      timed: 21,
      levels: { info: 12, debug: 3, warn: 3, error: 2, fatal: 1, none: 12 },
      datasets: { plain: 33 },
    },
  ],
];

describe('fixture files', () => {
  it.each(cases)('parses %s as %s with the expected levels and times', (file, format, expected) => {
    expect(summarise(file, format)).toEqual(expected);
  });

  it('stores a line its declared parser cannot read as plain text, flagged, with its time and level kept', () => {
    const p = parseLine('2026-11-26 10:00:00 ERROR something unrelated', 'nginx', ctx);
    expect(p).toEqual({
      dataset: 'nginx',
      failed: true,
      timestamp: '2026-11-26T09:00:00.000Z',
      level: 'error',
      message: '2026-11-26 10:00:00 ERROR something unrelated',
      fields: {},
    });
  });
});
