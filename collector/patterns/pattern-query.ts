import { messageTokens } from '../store/embedded/sql-functions.js';
import { PLACEHOLDER } from './mask-variables.js';

/** A pattern query names at most this many phrases: enough to tell patterns apart, far below the query limits. */
const MAX_PHRASES = 12;

/**
 * The query that finds a pattern's events: its constant text as phrases, ANDed, in the query language every store
 * compiles (`"Connection from" "closed after" "ms"`). Phrases match words in order on both stores, so a phrase
 * must not end inside a word that a placeholder continues ("took<*>ms" keeps neither word), and each phrase is
 * checked against the pattern's example messages: one that some example does not hold word for word (a variable
 * that spans a different number of tokens there) is asked for word by word instead.
 */
export function patternQuery(tokens: readonly string[], examples: readonly string[]): string {
  const pieces = tokens.join(' ').split(PLACEHOLDER);
  const phrases: string[] = [];
  pieces.forEach((piece, i) => {
    let text = piece;
    // A piece glued to a placeholder ends (or starts) inside a word whose rest varies: that word is not constant.
    if (i > 0 && !/^\s/.test(text)) text = text.replace(/^\S*/, '');
    if (i < pieces.length - 1 && !/\s$/.test(text)) text = text.replace(/\S*$/, '');
    text = text.trim();
    if (messageTokens(text).length > 0) phrases.push(text);
  });
  const exampleWords = examples.map((m) => messageTokens(m));
  const holds = (text: string): boolean => {
    const run = messageTokens(text);
    return run.length > 0 && exampleWords.every((words) => containsRun(words, run));
  };
  // The original text, not its words: each store then splits the phrase into words as it split the message.
  const checked: string[] = [];
  for (const phrase of phrases) {
    if (holds(phrase)) checked.push(phrase);
    else checked.push(...phrase.split(/\s+/).filter(holds));
  }
  // The longest phrases say the most; they keep their order in the message for readability.
  const kept = new Set([...checked].sort((a, b) => b.length - a.length).slice(0, MAX_PHRASES));
  return checked
    .filter((p) => kept.has(p))
    .map((p) => `"${p.replace(/["\\]/g, '\\$&')}"`)
    .join(' ');
}

/** Whether `run` occurs in `words` as consecutive words. */
function containsRun(words: readonly string[], run: readonly string[]): boolean {
  outer: for (let i = 0; i + run.length <= words.length; i++) {
    for (let j = 0; j < run.length; j++) if (words[i + j] !== run[j]) continue outer;
    return true;
  }
  return false;
}
