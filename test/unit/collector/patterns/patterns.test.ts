import { maskVariables } from '../../../../collector/patterns/mask-variables.js';
import { minePatterns } from '../../../../collector/patterns/pattern-miner.js';
import { patternQuery } from '../../../../collector/patterns/pattern-query.js';
import { csvCell, csvRecord } from '../../../../protocol/export-format.js';

const mine = (messages: string[]) =>
  minePatterns(messages)
    .patterns.map((p) => [p.tokens.join(' '), p.members])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));

describe('masking variable parts', () => {
  it.each([
    [
      'Accepted password for root from 203.0.113.7 port 40022 ssh2',
      'Accepted password for root from <*> port <*> ssh2',
    ],
    ['GET /api/v1/orders/7731 took 12.5 ms', 'GET <*> took <*>'],
    ['job 0b7c5a8e-1f0e-4c1b-9d0e-3f1a2b3c4d5e done at 2026-11-26T10:00:00.123Z', 'job <*> done at <*>'],
    ['mask=0xffff0000 hash 9f86d081884c7d65 v2', 'mask=<*> hash <*> v2'],
    ['database "shop" user "app" said "no more"', 'database "<*>" user "<*>" said "no more"'],
    [
      'connection from 24.54.76.216 (24-54-76-216.bflony.adelphia.net) at Fri Jun 17 07:07:00 2005',
      'connection from <*> (<*>) at <*>',
    ],
    ['client fe80::1ff:fe23:4567:890a on eth0, mac 00:1a:2b:3c:4d:5e', 'client <*> on eth0, mac <*>'],
    ['see https://example.com/a?b=1 for blk_-1608999687919862906', 'see <*> for blk_<*>'],
  ])('%s', (message, masked) => {
    expect(maskVariables(message).join(' ')).toBe(masked);
  });
});

describe('grouping into patterns', () => {
  it('groups lines that differ in variable parts and keeps other kinds apart', () => {
    expect(
      mine([
        'session opened for user cyrus by (uid=0)',
        'session opened for user news by (uid=0)',
        'session closed for user cyrus',
        'session opened for user test by (uid=0)',
        'session closed for user news',
      ]),
    ).toEqual([
      ['session closed for user <*>', [2, 4]],
      ['session opened for user <*> by (uid=<*>)', [0, 1, 3]],
    ]);
  });

  it('splits a group that merged a few constant words (Drain would merge these 2 of 3 tokens)', () => {
    expect(
      mine([
        'Starting TrustedInstaller initialization.',
        'Starting TrustedInstaller finalization.',
        'Starting TrustedInstaller initialization.',
        'Ending TrustedInstaller initialization.',
      ]),
    ).toEqual([
      ['Ending TrustedInstaller initialization.', [3]],
      ['Starting TrustedInstaller finalization.', [1]],
      ['Starting TrustedInstaller initialization.', [0, 2]],
    ]);
  });

  it('joins lines where a variable spans a different number of tokens', () => {
    expect(
      mine([
        'proxy.example.net:5070 close, 0 bytes sent, 0 bytes received, lifetime 00:01',
        'proxy.example.net:5070 close, 1190 bytes (1.16 KB) sent, 2444 bytes (2.38 KB) received, lifetime 00:02',
        'proxy.example.net:5070 close, 7 bytes sent, 9 bytes received, lifetime 00:03',
      ]),
    ).toEqual([['proxy.example.net:<*> close, <*> sent, <*> received, lifetime <*>', [0, 1, 2]]]);
  });

  it('stops at the deadline and says how far it got', () => {
    const messages = Array.from({ length: 2000 }, (_, i) => `line ${i}`);
    const result = minePatterns(messages, performance.now() - 1);
    expect(result.processed).toBe(256);
    expect(result.patterns.flatMap((p) => p.members)).toHaveLength(256);
  });
});

describe('the query of a pattern', () => {
  it('asks for the constant text as phrases, leaving out words a placeholder continues', () => {
    expect(patternQuery('user <*> logged in from <*> after <*>ms'.split(' '), [])).toBe(
      '"user" "logged in from" "after"',
    );
    expect(patternQuery('session opened for user <*> by (uid=<*>)'.split(' '), [])).toBe(
      '"session opened for user" "by"',
    );
  });

  it('asks word by word when an example does not hold a phrase word for word', () => {
    expect(
      patternQuery('<*> close, <*> bytes sent, <*> bytes received'.split(' '), [
        'a:1 close, 0 bytes sent, 0 bytes received',
        'a:1 close, 9 bytes (9 KB) sent, 9 bytes (9 KB) received',
      ]),
    ).toBe('"close," "bytes" "sent," "bytes" "received"');
  });

  it('escapes quotes and backslashes, and has no query for a pattern without words', () => {
    expect(patternQuery(['say', '"hi"', 'C:\\dir', '<*>'], [])).toBe('"say \\"hi\\" C:\\\\dir"');
    expect(patternQuery(['<*>', '-', '<*>'], [])).toBe('');
  });
});

describe('CSV export cells', () => {
  it('neutralises cells a spreadsheet would run as formulas and quotes what needs quoting', () => {
    expect(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', 'a,b', 'say "hi"', 'ok', 42, null].map(csvCell)).toEqual([
      "'=1+1",
      "'+1",
      "'-1",
      "'@SUM(A1)",
      "'\tx",
      '"\'\rx"',
      '"a,b"',
      '"say ""hi"""',
      'ok',
      '42',
      '',
    ]);
    expect(
      csvRecord({
        id: 'e1',
        timestamp: '2026-11-26T10:00:00.000Z',
        host: 'web-1',
        service: null,
        level: 'error',
        source: '/var/log/app.log',
        offset: 12,
        message: '=cmd|"/c calc"!A1\nline two',
        fields: { env: 'prod' },
      }),
    ).toBe(
      '2026-11-26T10:00:00.000Z,web-1,,error,/var/log/app.log,12,"\'=cmd|""/c calc""!A1\nline two",e1,"{""env"":""prod""}"\r\n',
    );
  });
});
