import { escapeForTerminal } from '../../../cli/escape-text.js';
import { relativeTime } from '../../../cli/search-command.js';

describe('terminal output of log text', () => {
  it('escapes terminal control sequences and bidi overrides but keeps tabs and newlines', () => {
    expect(escapeForTerminal('\x1b[31mred\x1b[0m\tok\nnext')).toBe('\\x1b[31mred\\x1b[0m\tok\nnext');
    expect(escapeForTerminal('abc\u202edef\x07')).toBe('abc\\u{202e}def\\x07');
  });
  it('reads --from shorthands', () => {
    expect(relativeTime('15m')).toBe('now-15m');
    expect(relativeTime('now-2h')).toBe('now-2h');
    expect(relativeTime('2026-11-26T03:00:00Z')).toBe('2026-11-26T03:00:00Z');
  });
});
