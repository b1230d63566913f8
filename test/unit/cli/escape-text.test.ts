import { escapeForTerminal, escapeJsonForTerminal } from '../../../cli/escape-text.js';
import { relativeTime } from '../../../cli/search-command.js';

describe('terminal output of log text', () => {
  it('escapes terminal control sequences and bidi overrides but keeps tabs and newlines', () => {
    expect(escapeForTerminal('\x1b[31mred\x1b[0m\tok\nnext')).toBe('\\x1b[31mred\\x1b[0m\tok\nnext');
    expect(escapeForTerminal('abc\u202edef\x07')).toBe('abc\\u{202e}def\\x07');
  });
  it('escapes C1 controls and bidi marks in --json output, which JSON.stringify leaves raw, and keeps the value', () => {
    const hit = { message: 'pay \u202eevil\u202c ok \u009b31m \u2066x\u2069 \u200f', n: 1 };
    const out = escapeJsonForTerminal(JSON.stringify(hit));
    expect(out).toBe('{"message":"pay \\u202eevil\\u202c ok \\u009b31m \\u2066x\\u2069 \\u200f","n":1}');
    expect(/[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(out)).toBe(false);
    expect(JSON.parse(out)).toEqual(hit);
  });
  it('reads --from shorthands', () => {
    expect(relativeTime('15m')).toBe('now-15m');
    expect(relativeTime('now-2h')).toBe('now-2h');
    expect(relativeTime('2026-11-26T03:00:00Z')).toBe('2026-11-26T03:00:00Z');
  });
});
