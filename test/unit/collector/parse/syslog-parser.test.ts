import { readFileSync } from 'node:fs';
import { parseSyslog } from '../../../../collector/ingest/parse/syslog-parser.js';

const ctx = { tz: 'Europe/Berlin', nowMs: Date.parse('2026-11-26T12:00:00Z') };

describe('syslog parser', () => {
  it('reads RFC 5424 with structured data holding escaped brackets and quotes', () => {
    const line =
      '<187>1 2026-11-26T01:25:03.961-05:00 web-1.example.com api 4123 - [meta sequenceId="29"][origin ip="10.0.4.17" software="api \\"v2\\" \\]beta"] user ÅSA logged in';
    expect(parseSyslog(line, ctx)).toEqual({
      dataset: 'syslog',
      timestamp: '2026-11-26T06:25:03.961Z',
      level: 'error',
      message: 'user ÅSA logged in',
      fields: {
        'log.syslog.priority': 187,
        'log.syslog.facility.code': 23,
        'log.syslog.severity.code': 3,
        'log.syslog.hostname': 'web-1.example.com',
        'log.syslog.appname': 'api',
        'process.name': 'api',
        'log.syslog.procid': '4123',
        'process.pid': 4123,
        'log.syslog.structured_data': '[meta sequenceId="29"][origin ip="10.0.4.17" software="api \\"v2\\" \\]beta"]',
      },
    });
  });

  it('keeps RFC 5424 nil values out and drops the BOM before the message', () => {
    const p = parseSyslog('<135>1 - - nginx worker-2 ID47 - \ufeffpayment gateway answered 502', ctx)!;
    expect(p).toEqual({
      dataset: 'syslog',
      timestamp: undefined,
      level: 'debug',
      message: 'payment gateway answered 502',
      fields: {
        'log.syslog.priority': 135,
        'log.syslog.facility.code': 16,
        'log.syslog.severity.code': 7,
        'log.syslog.appname': 'nginx',
        'process.name': 'nginx',
        'log.syslog.procid': 'worker-2',
        'log.syslog.msgid': 'ID47',
      },
    });
  });

  it('reads file lines without a year in the shipper zone, with a padded day', () => {
    expect(parseSyslog('Nov  5 23:59:51 db-1 sshd[9154]: Invalid user admin from 203.0.113.7 port 40022', ctx)).toEqual(
      {
        dataset: 'syslog',
        timestamp: '2026-11-05T22:59:51.000Z',
        level: undefined,
        message: 'Invalid user admin from 203.0.113.7 port 40022',
        fields: {
          'log.syslog.hostname': 'db-1',
          'log.syslog.appname': 'sshd',
          'process.name': 'sshd',
          'log.syslog.procid': '9154',
          'process.pid': 9154,
        },
      },
    );
  });

  it('puts a December line read in January into the previous year', () => {
    const january = { tz: undefined, nowMs: Date.parse('2027-01-01T00:10:00Z') };
    expect(parseSyslog('Dec 31 23:59:59 web-1 CRON[1]: (root) CMD (true)', january)!.timestamp).toBe(
      '2026-12-31T23:59:59.000Z',
    );
    // A line up to a day ahead of the read time (clock skew) stays in the current year.
    expect(parseSyslog('Jan  1 00:30:00 web-1 CRON[1]: x', january)!.timestamp).toBe('2027-01-01T00:30:00.000Z');
  });

  it('reads RFC 3164 with a priority, rsyslog RFC 3339 times, tags without pid and -- MARK --', () => {
    const p = parseSyslog("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", ctx)!;
    expect([p.level, p.timestamp, p.fields['process.name'], p.message]).toEqual([
      'fatal',
      '2026-10-11T20:14:15.000Z',
      'su',
      "'su root' failed for lonvick on /dev/pts/8",
    ]);
    const precise = parseSyslog('2026-11-26T07:25:03.123456+01:00 web-2 kernel: [1209832.112233] TCP: SYN flood', ctx)!;
    expect([precise.timestamp, precise.fields['process.name'], precise.fields['process.pid']]).toEqual([
      '2026-11-26T06:25:03.123Z',
      'kernel',
      undefined,
    ]);
    expect(parseSyslog('Nov  5 23:59:51 db-1 -- MARK --', ctx)).toMatchObject({
      message: '-- MARK --',
      fields: { 'log.syslog.hostname': 'db-1' },
    });
  });

  it('refuses what is not syslog, so the line is stored as plain text', () => {
    expect(parseSyslog('<999>1 2026-11-26T00:00:00Z h a p m - x', ctx)).toBeUndefined();
    expect(parseSyslog('hello world', ctx)).toBeUndefined();
  });

  it("reads rsyslog's real file formats, with the day space-padded before the 10th and the hour before 10:00", () => {
    const real = (file: string) =>
      readFileSync(new URL(`../../../fixtures/syslog/${file}`, import.meta.url), 'utf8').split('\n');
    const ctxDec = { tz: 'Europe/Berlin', nowMs: Date.parse('2026-12-20T12:00:00Z') };
    const traditional = real('messages.log')[0]!;
    expect(traditional.startsWith('Dec  5 07:06:06 ')).toBe(true);
    expect(parseSyslog(traditional, ctxDec)).toMatchObject({
      timestamp: '2026-12-05T06:06:06.000Z',
      message: 'Invalid user admin from 203.0.113.7 port 40022',
      fields: { 'log.syslog.hostname': 'vm', 'process.name': 'sshd' },
    });
    expect(parseSyslog(real('rfc3339.log')[0]!, ctxDec)).toMatchObject({
      timestamp: expect.stringMatching(/^2026-12-05T06:06:06\.\d{3}Z$/),
      message: 'Invalid user admin from 203.0.113.7 port 40022',
    });
    expect(parseSyslog(real('rfc5424.log')[13]!, ctxDec)).toMatchObject({
      level: 'error',
      message: 'ünïcödé user ÅSA logged in',
      fields: { 'log.syslog.appname': 'api', 'log.syslog.facility.code': 16, 'log.syslog.severity.code': 3 },
    });
  });
});
