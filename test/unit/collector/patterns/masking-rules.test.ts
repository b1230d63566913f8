import { maskVariables } from '../../../../collector/patterns/mask-variables.js';
import { minePatterns } from '../../../../collector/patterns/pattern-miner.js';

// Messages as the collector stores them from real fixture lines (test/fixtures/postgres/postgresql.log and
// test/fixtures/apache/error.log: the prefix before the message is parsed into fields).

const mine = (messages: string[]) =>
  minePatterns(messages)
    .patterns.map((p) => [p.tokens.join(' '), p.members])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));

const REWRITE = 'mod_rewrite.c(5016): [client 127.0.0.1:43778] 127.0.0.1 - - [127.0.0.1/sid#7f241338b4a0]';
const REWRITE_TEMPLATE = 'mod_rewrite.c(<*>): [client <*>] <*> - - [<*>/sid#<*>]';

describe('masking rules for database and web server logs', () => {
  it.each([
    // The text after "statement:" is SQL another program wrote: one variable, whatever its length.
    ['duration: 178.934 ms  statement: CREATE DATABASE shop', 'duration: <*> statement: <*>'],
    [
      "duration: 2.193 ms  statement: INSERT INTO orders VALUES (4711, 'alice', 99.50) ON CONFLICT DO NOTHING;",
      'duration: <*> statement: <*>',
    ],
    // A marker with nothing after it stays as it is.
    ['statement:', 'statement:'],
    // Quoted literals given as operands or arguments are values.
    ["INSERT INTO orders VALUES (4711, 'dave', 1.00);", "INSERT INTO orders VALUES (<*>, '<*>', <*>);"],
    ["\t WHERE customer = 'alice'", "WHERE customer = '<*>'"],
    ["SELECT reserve_stock('sku-1');", "SELECT reserve_stock('<*>');"],
    // A quoted word in prose is not (Loghub's Mac set: 'Active' and 'Inactive' are two messages).
    ["Location icon should now be in state 'Active'", "Location icon should now be in state 'Active'"],
    // Paths of one segment and the root are paths too.
    [
      `${REWRITE}[rid#7f24101b60a0/initial] init rewrite engine with requested uri /`,
      `${REWRITE_TEMPLATE}[rid#<*>/initial] init rewrite engine with requested uri <*>`,
    ],
    [
      `${REWRITE}[rid#7f241018f0a0/subreq] pass through /index.html, referer: https://shop.example.com/`,
      `${REWRITE_TEMPLATE}[rid#<*>/subreq] pass through <*>, referer: <*>`,
    ],
  ])('%s', (message, masked) => {
    expect(maskVariables(message).join(' ')).toBe(masked);
  });
});

describe('grouping database and web server logs', () => {
  it('joins events a server gave a trailing ", referer: <url>" with those it did not', () => {
    expect(
      mine([
        `${REWRITE}[rid#7f24101b60a0/initial] init rewrite engine with requested uri /`,
        `${REWRITE}[rid#7f24101910a0/subreq] init rewrite engine with requested uri /index.html`,
        `${REWRITE}[rid#7f24101b60a0/initial] init rewrite engine with requested uri /, referer: https://shop.example.com/`,
        `${REWRITE}[rid#7f241018f0a0/subreq] init rewrite engine with requested uri /index.html, referer: https://shop.example.com/`,
        `${REWRITE}[rid#7f24101b60a0/initial] pass through /`,
        `${REWRITE}[rid#7f24101b60a0/initial] pass through /, referer: https://shop.example.com/`,
      ]),
    ).toEqual([
      [`${REWRITE_TEMPLATE}[rid#<*>/<*>] init rewrite engine with requested uri <*>`, [0, 1, 2, 3]],
      [`${REWRITE_TEMPLATE}[rid#<*>/initial] pass through <*>`, [4, 5]],
    ]);
  });

  it('reads key=word settings that combine freely as values, not as a few constant wordings', () => {
    expect(
      mine([
        'connection authorized: user=postgres database=postgres application_name=pg_isready',
        'connection authorized: user=postgres database=postgres application_name=psql',
        'connection authorized: user=postgres database=shop application_name=psql',
        'connection authorized: user=postgres database=shop application_name=api-server',
        'connection authorized: user=postgres database=nosuchdb application_name=psql',
        'connection authorized: user=nobody database=shop application_name=psql',
        'connection received: host=[local]',
      ]),
    ).toEqual([
      ['connection authorized: user=<*> database=<*> application_name=<*>', [0, 1, 2, 3, 4, 5]],
      ['connection received: host=[local]', [6]],
    ]);
  });

  it('keeps a single varying key=word apart, as Loghub labels user=root and user=guest apart', () => {
    expect(
      mine([
        'disconnection: session time: 0:00:00.018 user=postgres database=postgres host=[local]',
        'disconnection: session time: 0:00:00.251 user=postgres database=shop host=[local]',
        'disconnection: session time: 0:00:00.055 user=postgres database=postgres host=[local]',
      ]),
    ).toEqual([
      ['disconnection: session time: <*> user=postgres database=postgres host=[local]', [0, 2]],
      ['disconnection: session time: <*> user=postgres database=shop host=[local]', [1]],
    ]);
  });
});
