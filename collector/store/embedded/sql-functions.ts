import type Database from 'better-sqlite3';
import { RE2JS } from 're2js';
import { QUERY_LIMITS } from '../../query/query-limits.js';
import { QueryError } from '../../query/query-error.js';
import { KEYWORD_MAX_LENGTH } from '../field-catalogue.js';
import { registerIdFunctions } from './event-ids.js';
import { BlockCache } from './message-blocks.js';

/** Elasticsearch's standard tokenizer cuts words at 255 characters; regexes on text see at most that much. */
const MAX_TOKEN_LENGTH = 255;
/** The deadline is checked every this many calls: Date.now() per row would cost more than the match. */
const DEADLINE_EVERY = 256;
const CACHE_LIMIT = 256;

/** Words of a message as the FTS5 tokenizer sees them: lower-case runs of letters, digits and `_`. */
export function messageTokens(text: string): string[] {
  const out: string[] = [];
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}\p{Co}_]+/u)) {
    if (!word) continue;
    for (let i = 0; i < word.length; i += MAX_TOKEN_LENGTH) out.push(word.slice(i, i + MAX_TOKEN_LENGTH));
  }
  return out;
}

/** A compiled pattern: RE2's automata match in time linear in the text, whatever the pattern (no backtracking). */
export type Pattern = RE2JS;

/**
 * Turns a Lucene regex (flags NONE, implicitly anchored) into an RE2 pattern. RE2 runs on automata like Lucene, so a
 * pattern such as `(a|a)*b` costs linear time instead of the exponential backtracking a JavaScript RegExp would
 * spend on it (it once froze the collector for 40 s). Forms RE2 does not have (lookarounds, back-references) are
 * refused.
 */
export function luceneRegex(pattern: string, caseInsensitive: boolean): Pattern {
  if (pattern.length > QUERY_LIMITS.maxRegexLength) {
    throw new QueryError('QUERY_TOO_COMPLEX', `A regex may have at most ${QUERY_LIMITS.maxRegexLength} characters.`);
  }
  if (/\(\?|\\[1-9kbB]/.test(pattern)) {
    throw new QueryError('QUERY_UNSUPPORTED', 'Regexes support no lookarounds, back-references or word boundaries.');
  }
  let source = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      source += c + (pattern[i + 1] ?? '\\');
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      source += c;
    } else if (c === '[') {
      inClass = true;
      source += c;
    } else if (c === '^' || c === '$' || c === '/') {
      // Lucene has no anchors (every regex matches the whole term), so these are plain characters there.
      source += `\\${c}`;
    } else source += c;
  }
  return compilePattern(source, caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0, 'regex');
}

/** A `*`/`?` wildcard (backslash escapes a character) as a whole-text, case-insensitive RE2 pattern. */
export function wildcardRegex(pattern: string): Pattern {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) source += RE2JS.quote(pattern[++i]!);
    else if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else source += RE2JS.quote(c);
  }
  return compilePattern(source, RE2JS.CASE_INSENSITIVE | RE2JS.DOTALL, 'wildcard');
}

function compilePattern(source: string, flags: number, what: string): Pattern {
  try {
    return RE2JS.compile(source, flags);
  } catch (err) {
    // RE2 refuses repetitions whose expansion would be huge (`(a{1,100}){1,100}`) as well as plain syntax errors.
    const message = (err as Error).message;
    if (/repeat|too large|too complex/i.test(message)) {
      throw new QueryError('QUERY_TOO_COMPLEX', `The ${what} is too complex: ${message}`);
    }
    throw new QueryError('QUERY_SYNTAX', `The ${what} is not valid: ${message}`);
  }
}

/** Whether the words of `phrase` occur in `words` one after another, as match_phrase finds them. */
export function hasPhrase(words: readonly string[], phrase: readonly string[]): boolean {
  for (let i = 0; i + phrase.length <= words.length; i++) {
    let j = 0;
    while (j < phrase.length && words[i + j] === phrase[j]) j++;
    if (j === phrase.length) return true;
  }
  return false;
}

/**
 * Registers the functions compiled queries call: regexes, token wildcards, phrases, the message blocks' decoding
 * (message-blocks.ts) and `ls_live()`, which every
 * compiled WHERE starts with. Each of them stops the statement once the read was cancelled (the thread that waits
 * for the answer sets `cancel` at the query's deadline) or its own deadline passed, so no statement outlives its
 * timeout by more than one row's work: better-sqlite3 has no progress handler, and a statement that never calls back
 * into JavaScript could not be stopped.
 */
export class QueryFunctions {
  private deadline = Infinity;
  private calls = 0;
  /** The last text tokenized: the regexes and wildcards of one query each ask for the same row's tokens. */
  private lastText = '';
  private lastTokens: string[] = [];
  private readonly cache = new Map<string, MemoMatcher>();
  /** The message blocks every read of a message decodes (messageTextSql). */
  private readonly blocks = new BlockCache();

  /** `cancel[0]` set to non-zero stops the running statement with QUERY_TIMEOUT at its next row. */
  constructor(private readonly cancel: Int32Array = new Int32Array(1)) {}

  register(db: Database.Database): void {
    this.blocks.register(db);
    registerIdFunctions(db);
    // Not deterministic: SQLite must call it for every row, never once for the statement.
    db.function('ls_live', { deterministic: false }, () => {
      this.tick();
      return 1;
    });
    db.function('ls_regex_tokens', { deterministic: true }, (value: unknown, pattern: unknown) => {
      this.tick();
      const text = this.blocks.textOf(value);
      if (text === null) return 0;
      const re = this.compiled('r', String(pattern), () => luceneRegex(String(pattern), true));
      return this.tokens(text).some((t) => re.test(t)) ? 1 : 0;
    });
    db.function('ls_regex', { deterministic: true }, (value: unknown, pattern: unknown) => {
      this.tick();
      if (value === null || value === undefined) return 0;
      const text = String(value);
      if (text.length > KEYWORD_MAX_LENGTH) return 0;
      return this.compiled('k', String(pattern), () => luceneRegex(String(pattern), false)).test(text) ? 1 : 0;
    });
    // A phrase (its words joined by spaces, messageTokens() of the query) in a text field other than the message.
    db.function('ls_phrase_tokens', { deterministic: true }, (value: unknown, phrase: unknown) => {
      this.tick();
      const text = this.blocks.textOf(value);
      if (text === null) return 0;
      return hasPhrase(this.tokens(text), String(phrase).split(' ')) ? 1 : 0;
    });
    db.function('ls_wildcard_tokens', { deterministic: true }, (value: unknown, pattern: unknown) => {
      this.tick();
      const text = this.blocks.textOf(value);
      if (text === null) return 0;
      const re = this.compiled('w', String(pattern), () => wildcardRegex(String(pattern)));
      return this.tokens(text).some((t) => re.test(t)) ? 1 : 0;
    });
    db.function('ls_wildcard', { deterministic: true }, (value: unknown, pattern: unknown) => {
      this.tick();
      if (value === null || value === undefined) return 0;
      const text = String(value);
      if (text.length > KEYWORD_MAX_LENGTH) return 0;
      return this.compiled('w', String(pattern), () => wildcardRegex(String(pattern))).test(text) ? 1 : 0;
    });
  }

  /** Runs `read` with a deadline; the functions above abort it with QUERY_TIMEOUT once it passes. */
  withDeadline<T>(timeoutMs: number, read: () => T): T {
    this.deadline = Date.now() + timeoutMs;
    this.calls = 0;
    try {
      return read();
    } finally {
      this.deadline = Infinity;
    }
  }

  private tokens(text: string): string[] {
    if (text !== this.lastText) {
      this.lastTokens = messageTokens(text);
      this.lastText = text;
    }
    return this.lastTokens;
  }

  /** Stops the read with QUERY_TIMEOUT when it was cancelled or its deadline passed, between statements. */
  check(): void {
    this.calls = DEADLINE_EVERY - 1;
    this.tick();
  }

  private tick(): void {
    if (Atomics.load(this.cancel, 0) !== 0 || (++this.calls % DEADLINE_EVERY === 0 && Date.now() > this.deadline)) {
      throw new QueryError('QUERY_TIMEOUT', 'The query did not finish within the search timeout.');
    }
  }

  private compiled(kind: string, pattern: string, make: () => Pattern): MemoMatcher {
    const key = kind + pattern;
    let matcher = this.cache.get(key);
    if (!matcher) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      matcher = new MemoMatcher(make());
      this.cache.set(key, matcher);
    }
    return matcher;
  }
}

/** Distinct texts whose answer a matcher remembers; then it starts over. */
const MEMO_LIMIT = 65_536;

/**
 * A pattern with the answers it gave: log messages repeat the same words endlessly, so most tokens of a scan were
 * matched before, and a map lookup is far cheaper than running the automaton again.
 */
class MemoMatcher {
  private readonly memo = new Map<string, boolean>();

  constructor(private readonly pattern: Pattern) {}

  /** Whether the whole of `text` matches. */
  test(text: string): boolean {
    let hit = this.memo.get(text);
    if (hit === undefined) {
      hit = this.pattern.testExact(text);
      if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
      this.memo.set(text, hit);
    }
    return hit;
  }
}
