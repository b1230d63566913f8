import { readFileSync } from 'node:fs';
import { parseLine } from '../../../../collector/ingest/parse/parse-line.js';
import { detectFormat } from '../../../../collector/ingest/parse/detect-format.js';
import { isoTimestamp, leadingTimestamp } from '../../../../collector/ingest/parse/leading-timestamp.js';
import { parsePlain } from '../../../../collector/ingest/parse/plain-parser.js';
import { isoFromMs, isValidZone } from '../../../../collector/ingest/parse/zoned-time.js';

describe('times without a zone', () => {
  it('are read in the shipper zone, across a DST change', () => {
    expect(leadingTimestamp('2026-07-01 12:00:00 x', 'Europe/Berlin')).toBe('2026-07-01T10:00:00.000Z');
    expect(leadingTimestamp('2026-11-26 12:00:00 x', 'Europe/Berlin')).toBe('2026-11-26T11:00:00.000Z');
    expect(leadingTimestamp('2026-03-08 01:30:00 x', 'America/New_York')).toBe('2026-03-08T06:30:00.000Z');
    expect(leadingTimestamp('2026-03-08 03:30:00 x', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z');
    expect(leadingTimestamp('2026-11-26 12:00:00 x', '+05:30')).toBe('2026-11-26T06:30:00.000Z');
    expect(leadingTimestamp('2026-11-26 12:00:00 x', undefined)).toBe('2026-11-26T12:00:00.000Z');
  });

  it('keep their own zone when they carry one, whatever the shipper zone', () => {
    expect(leadingTimestamp('2026-11-26T12:00:00.123456789-0330 x', 'Europe/Berlin')).toBe('2026-11-26T15:30:00.123Z');
    expect(leadingTimestamp('[26-Nov-2026 10:00:00 UTC] PHP Warning', 'Europe/Berlin')).toBe(
      '2026-11-26T10:00:00.000Z',
    );
    expect(leadingTimestamp('[26-Nov-2026 10:00:00] PHP Warning', 'Europe/Berlin')).toBe('2026-11-26T09:00:00.000Z');
    expect(isoTimestamp('2026-11-26T10:00Z')).toBe('2026-11-26T10:00:00.000Z');
  });

  it('refuse impossible dates and unknown zones', () => {
    expect(leadingTimestamp('2026-13-01 00:00:00 x')).toBeUndefined();
    expect(leadingTimestamp('no time')).toBeUndefined();
    expect(isValidZone('Europe/Berlin')).toBe(true);
    expect(isValidZone('-07:00')).toBe(true);
    expect(isValidZone('Mars/Olympus')).toBe(false);
  });
});

describe('ISO text from epoch milliseconds', () => {
  it('equals Date#toISOString across years 0000-9999, leap days and fractions', () => {
    // Date.UTC reads years 0-99 as 1900-1999: 0000-01-01 needs setUTCFullYear.
    const first = new Date(0).setUTCFullYear(0, 0, 1);
    const last = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    const special = [
      first,
      last,
      0,
      -1,
      951_782_400_000 /* 2000-02-29 */,
      4_107_456_000_000 /* 2100-02-28 */,
      1.9,
      -0.5,
    ];
    // MINSTD, so a failure reproduces (its products stay exact in a double).
    let seed = 12_345;
    const random = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    const samples = [
      ...special,
      ...Array.from({ length: 200_000 }, () => first + Math.floor(random() * (last - first))),
    ];
    const wrong = samples.filter((ms) => isoFromMs(ms) !== new Date(ms).toISOString());
    expect(wrong).toEqual([]);
    expect(samples).toHaveLength(200_008);
  });
});

describe('plain lines and format detection', () => {
  it('finds the time and the level of a plain line', () => {
    expect(parsePlain('2026/11/26 10:00:00 WARN [main] pool almost full', { tz: 'UTC', nowMs: 0 })).toEqual({
      dataset: 'plain',
      timestamp: '2026-11-26T10:00:00.000Z',
      level: 'warn',
      message: '2026/11/26 10:00:00 WARN [main] pool almost full',
      fields: {},
    });
  });

  it('tells the formats apart by shape', () => {
    expect(
      [
        '{"msg":"x"}',
        '<34>Oct 11 22:14:15 mymachine su: x',
        'Nov 26 10:00:00 web-1 sshd[1]: x',
        '2026-11-26T10:00:00.123+01:00 web-1 app[2]: x',
        '10.0.0.1 - - [26/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1',
        '2026/11/26 10:00:00 [error] 1#1: *2 x',
        '[Thu Nov 26 10:00:00.1 2026] [core:error] [pid 1] x',
        '2026-11-26 10:00:00.123 UTC [811] LOG:  x',
        '2026-11-26 10:00:00.123 UTC,"app","shop",811,"10.0.0.1:1",a.b,1,"",2026-11-26 10:00:00 UTC,3/1,0,LOG,00000,"x"',
        '2026-11-26T10:00:00.123456Z 0 [Note] [MY-000000] [Server] x',
        '# Query_time: 1.0  Lock_time: 0.0 Rows_sent: 1  Rows_examined: 1',
        '2026-11-26 10:00:00,123 INFO x',
        'java.lang.IllegalStateException: x',
      ].map(detectFormat),
    ).toEqual([
      'json',
      'syslog',
      'syslog',
      'syslog',
      'apache',
      'nginx',
      'apache',
      'postgres',
      'postgres',
      'mysql',
      'mysql',
      'plain',
      'plain',
    ]);
  });

  it("reads C's ctime with a space-padded day, as Perl's localtime prefixes a line", () => {
    const lines = readFileSync(new URL('../../../fixtures/plain/app.log', import.meta.url), 'utf8').split('\n');
    const perl = lines.find((l) => l.startsWith('Sat Dec  5 '))!;
    expect(perl).toBe('Sat Dec  5 07:06:06 2026 INFO report started');
    expect(parseLine(perl, 'auto', { tz: 'Europe/Berlin', nowMs: 0 })).toMatchObject({
      dataset: 'plain',
      timestamp: '2026-12-05T06:06:06.000Z',
      level: 'info',
    });
    expect(parsePlain('[Thu Nov 26 10:00:00.123 2026] x', { tz: 'UTC', nowMs: 0 }).timestamp).toBe(
      '2026-11-26T10:00:00.123Z',
    );
    expect(parsePlain('Thu Nov 26 10:00:00 x', { tz: 'UTC', nowMs: 0 }).timestamp).toBeUndefined();
  });

  it('reads a leading time whose hour is space-padded, as in a real MariaDB line stored as plain text', () => {
    const line = readFileSync(new URL('../../../fixtures/mysql/error.log', import.meta.url), 'utf8').split('\n')[0]!;
    expect(line.startsWith('2026-12-05  7:06:06 ')).toBe(true);
    expect(parseLine(line, 'plain', { tz: 'Europe/Berlin', nowMs: Date.parse('2026-12-20T12:00:00Z') })).toMatchObject({
      dataset: 'plain',
      timestamp: '2026-12-05T06:06:06.000Z',
    });
  });
});
