import type Database from 'better-sqlite3';
import { QUERY_LIMITS } from '../../query/query-limits.js';
import { QueryError } from '../../query/query-error.js';
import { KEYWORD_MAX_LENGTH } from '../field-catalogue.js';

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

/**
 * Turns a Lucene regex (flags NONE, implicitly anchored) into a JavaScript one. Forms JavaScript would read
 * differently (lookarounds, back-references) are refused; nested quantifiers such as `(a+)+`, which backtrack
 * exponentially in JavaScript but not in Lucene's automata, are refused as too complex.
 */
export function luceneRegex(pattern: string, caseInsensitive: boolean): RegExp {
  if (pattern.length > QUERY_LIMITS.maxRegexLength) {
    throw new QueryError('QUERY_TOO_COMPLEX', `A regex may have at most ${QUERY_LIMITS.maxRegexLength} characters.`);
  }
  if (/\(\?|\\[1-9kbB]/.test(pattern)) {
    throw new QueryError('QUERY_UNSUPPORTED', 'Regexes support no lookarounds, back-references or word boundaries.');
  }
  if (/\([^()]*[*+}?][^()]*\)\s*[*+{]/.test(pattern) || /[*+]\)*[*+{]/.test(pattern.replace(/\\./g, ''))) {
    throw new QueryError('QUERY_TOO_COMPLEX', 'A regex may not repeat a group that itself repeats, e.g. (a+)+.');
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
  try {
    return new RegExp(`^(?:${source})$`, caseInsensitive ? 'iu' : 'u');
  } catch (err) {
    throw new QueryError('QUERY_SYNTAX', `The regex is not valid: ${(err as Error).message}`);
  }
}

/** A `*`/`?` wildcard (backslash escapes a character) as an anchored, case-insensitive JavaScript regex. */
export function wildcardRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) source += escapeRegex(pattern[++i]!);
    else if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else source += escapeRegex(c);
  }
  return new RegExp(`^${source}$`, 'isu');
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

function escapeRegex(c: string): string {
  return /[.*+?^${}()|[\]\\/-]/.test(c) ? `\\${c}` : c;
}

/**
 * Registers the functions compiled queries call: regexes, token wildcards and phrases. They run only on rows the other
 * filters (time range, FTS, indexed fields) already narrowed down, and they stop the statement once the query's
 * deadline has passed, so a costly pattern cannot hold the reader past the search timeout.
 */
export class QueryFunctions {
  private deadline = Infinity;
  private calls = 0;
  private readonly cache = new Map<string, RegExp>();

  register(db: Database.Database): void {
    db.function('ls_regex_tokens', { deterministic: true }, (text: unknown, pattern: unknown) => {
      this.tick();
      if (typeof text !== 'string') return 0;
      const re = this.compiled('r', String(pattern), () => luceneRegex(String(pattern), true));
      return messageTokens(text).some((t) => re.test(t)) ? 1 : 0;
    });
    db.function('ls_regex', { deterministic: true }, (value: unknown, pattern: unknown) => {
      this.tick();
      if (value === null || value === undefined) return 0;
      const text = String(value);
      if (text.length > KEYWORD_MAX_LENGTH) return 0;
      return this.compiled('k', String(pattern), () => luceneRegex(String(pattern), false)).test(text) ? 1 : 0;
    });
    // A phrase (its words joined by spaces, messageTokens() of the query) in a text field other than the message.
    db.function('ls_phrase_tokens', { deterministic: true }, (text: unknown, phrase: unknown) => {
      this.tick();
      if (typeof text !== 'string') return 0;
      return hasPhrase(messageTokens(text), String(phrase).split(' ')) ? 1 : 0;
    });
    db.function('ls_wildcard_tokens', { deterministic: true }, (text: unknown, pattern: unknown) => {
      this.tick();
      if (typeof text !== 'string') return 0;
      const re = this.compiled('w', String(pattern), () => wildcardRegex(String(pattern)));
      return messageTokens(text).some((t) => re.test(t)) ? 1 : 0;
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

  private tick(): void {
    if (++this.calls % DEADLINE_EVERY === 0 && Date.now() > this.deadline) {
      throw new QueryError('QUERY_TIMEOUT', 'The query did not finish within the search timeout.');
    }
  }

  private compiled(kind: string, pattern: string, make: () => RegExp): RegExp {
    const key = kind + pattern;
    let re = this.cache.get(key);
    if (!re) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      re = make();
      this.cache.set(key, re);
    }
    return re;
  }
}
