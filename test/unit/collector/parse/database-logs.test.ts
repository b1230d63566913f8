import { readFileSync } from 'node:fs';
import { splitCsv } from '../../../../collector/ingest/parse/csv-fields.js';
import { parseMysql } from '../../../../collector/ingest/parse/mysql-parser.js';
import { parsePostgres } from '../../../../collector/ingest/parse/postgres-parser.js';

const ctx = { tz: 'Europe/Berlin', nowMs: Date.parse('2026-11-26T12:00:00Z') };
const fixtureLines = (file: string) =>
  readFileSync(new URL(`../../../fixtures/${file}`, import.meta.url), 'utf8').split('\n');

describe('postgres parser', () => {
  it('reads the key=value prefix, the duration in nanoseconds and a zone name', () => {
    expect(parsePostgres(fixtureLines('postgres/postgresql.log')[66]!, ctx)).toEqual({
      dataset: 'postgres',
      timestamp: '2026-12-05T17:35:11.000Z',
      level: 'info',
      message: 'duration: 104.061 ms  statement: SELECT pg_sleep(0.1);',
      fields: {
        'process.pid': 20330,
        'log.original_level': 'LOG',
        'postgresql.session_line': 7,
        'user.name': 'postgres',
        'postgresql.database': 'shop',
        'postgresql.application_name': 'api-server',
        'source.address': '[local]',
        'event.duration': 104061000,
      },
    });
  });

  it("reads Debian's prefix, with [unknown] user and database before authentication; DETAIL has no level", () => {
    const lines = fixtureLines('postgres/postgresql.log');
    expect(parsePostgres(lines[4]!, ctx)).toEqual({
      dataset: 'postgres',
      timestamp: '2026-12-05T17:35:09.851Z',
      level: 'info',
      message: 'connection received: host=[local]',
      fields: { 'process.pid': 20317, 'log.original_level': 'LOG' },
    });
    expect(parsePostgres(lines[17]!, ctx)).toEqual({
      dataset: 'postgres',
      timestamp: '2026-12-05T17:35:10.296Z',
      level: undefined,
      message: 'Key (id)=(4711) already exists.',
      fields: {
        'process.pid': 20323,
        'log.original_level': 'DETAIL',
        'user.name': 'postgres',
        'postgresql.database': 'shop',
      },
    });
  });

  it('maps FATAL and PANIC to fatal and reads the default prefix with a numeric zone', () => {
    const p = parsePostgres(
      '2026-11-26 07:00:00.5 +01 [811] FATAL:  terminating connection due to administrator command',
      ctx,
    )!;
    expect([p.timestamp, p.level, p.fields]).toEqual([
      '2026-11-26T06:00:00.500Z',
      'fatal',
      { 'process.pid': 811, 'log.original_level': 'FATAL' },
    ]);
  });

  it('reads csvlog records with quoted commas and doubled quotes', () => {
    expect(parsePostgres(fixtureLines('postgres/postgresql.csv')[53]!, ctx)).toEqual({
      dataset: 'postgres',
      timestamp: '2026-12-05T17:35:11.834Z',
      level: 'error',
      message: 'duplicate key value violates unique constraint "orders_pkey"',
      fields: {
        'log.original_level': 'ERROR',
        'user.name': 'postgres',
        'postgresql.database': 'shop',
        'process.pid': 20330,
        'postgresql.session_id': '6b144b4f.4f6a',
        'error.code': '23505',
        'postgresql.detail': 'Key (id)=(4711) already exists.',
        'postgresql.query': "INSERT INTO orders VALUES (4711, 'erin', 5.00);",
        'postgresql.application_name': 'api-server',
        'postgresql.backend_type': 'client backend',
      },
    });
  });

  it('splits CSV with newlines inside quotes and refuses an unclosed quote', () => {
    expect(splitCsv('a,"b\nc",,"d""e"')).toEqual(['a', 'b\nc', '', 'd"e']);
    expect(splitCsv('a,"b')).toBeUndefined();
  });
});

describe('mysql parser', () => {
  it('reads MySQL 8 error lines with code and subsystem', () => {
    expect(
      parseMysql(
        '2026-11-26T06:25:26.970123Z 0 [Warning] [MY-010068] [Server] CA certificate ca.pem is self signed.',
        ctx,
      ),
    ).toEqual({
      dataset: 'mysql',
      timestamp: '2026-11-26T06:25:26.970Z',
      level: 'warn',
      message: 'CA certificate ca.pem is self signed.',
      fields: {
        'log.original_level': 'Warning',
        'process.thread.id': 0,
        'error.code': 'MY-010068',
        'log.logger': 'Server',
      },
    });
  });

  it("reads MariaDB's error lines, whose hour is space-padded before 10:00, in the shipper's zone", () => {
    const lines = fixtureLines('mysql/error.log');
    expect(parseMysql(lines[22]!, ctx)).toEqual({
      dataset: 'mysql',
      timestamp: '2026-12-05T06:06:07.000Z',
      level: 'warn',
      message: "Access denied for user 'app'@'localhost' (using password: YES)",
      fields: { 'log.original_level': 'Warning', 'process.thread.id': 8 },
    });
    expect(parseMysql(lines[30]!, ctx)).toEqual({
      dataset: 'mysql',
      timestamp: '2026-12-05T06:06:08.000Z',
      level: 'info',
      message: 'InnoDB: Buffer pool(s) dump completed at 261205  7:06:08',
      fields: { 'log.original_level': 'Note', 'process.thread.id': 0, 'log.logger': 'InnoDB' },
    });
    // After the restart ten days later, past noon: two-digit day and hour.
    expect(parseMysql(lines[56]!, ctx)).toMatchObject({ timestamp: '2026-12-15T11:34:57.000Z', level: 'warn' });
  });

  it("reads MariaDB's slow-query entries (as multiline joins them) and each entry of the fixture", () => {
    const lines = fixtureLines('mysql/slow.log');
    // `# Time: 261205  7:06:06` (yymmdd, the hour space-padded) starts the first entry.
    expect(parseMysql(lines.slice(3, 10).join('\n'), ctx)).toEqual({
      dataset: 'mysql',
      timestamp: '2026-12-05T06:06:06.000Z',
      message: 'CREATE DATABASE IF NOT EXISTS shop;',
      fields: {
        'user.name': 'root',
        'source.address': 'localhost',
        'process.thread.id': 3,
        'event.duration': 458000,
        'mysql.slowlog.lock_time.sec': 0,
        'mysql.slowlog.rows_sent': 0,
        'mysql.slowlog.rows_examined': 0,
      },
    });
    // MariaDB writes `# Time:` only when the second changes: an entry without it takes its time from
    // `SET timestamp`, and one grouped from `# User@Host:` that ends with the next entry's `# Time:` keeps its own.
    expect(parseMysql(lines.slice(68, 74).join('\n'), ctx)).toEqual({
      dataset: 'mysql',
      timestamp: '2026-12-05T06:06:06.000Z',
      message: 'SELECT SLEEP(0.11);',
      fields: {
        'user.name': 'app',
        'source.address': 'localhost',
        'process.thread.id': 4,
        'mysql.slowlog.schema': 'shop',
        'event.duration': 111375000,
        'mysql.slowlog.lock_time.sec': 0,
        'mysql.slowlog.rows_sent': 1,
        'mysql.slowlog.rows_examined': 0,
      },
    });
    // Group the file as the shipper's multiline `start: '^# User@Host:'` would: 40 entries, each with its time.
    const entries = lines
      .join('\n')
      .split(/\n(?=# User@Host:)/)
      .slice(1);
    const parsed = entries.map((e) => parseMysql(e, ctx)!);
    expect(parsed).toHaveLength(40);
    expect(parsed.filter((p) => p.timestamp && typeof p.fields['event.duration'] === 'number')).toHaveLength(40);
    expect(parsed.filter((p) => p.timestamp!.startsWith('2026-12-05T06:06:'))).toHaveLength(20);
    expect(parsed.filter((p) => p.timestamp!.startsWith('2026-12-15T11:34:'))).toHaveLength(20);
  });
});
