import { DrainTree } from './drain-tree.js';
import { PLACEHOLDER, maskVariables } from './mask-variables.js';

/** A pattern found in a set of messages: its tokens (`<*>` for variable parts) and its messages' positions. */
export interface MinedPattern {
  tokens: string[];
  /** Positions (in the input) of the messages that belong to it, ascending. */
  members: number[];
  /** One message position per distinct masked form among the members (at most MAX_REPRESENTATIVES). */
  representatives: number[];
}

/** What mining answered: the patterns, and how many messages it got to before the deadline. */
export interface MiningResult {
  patterns: MinedPattern[];
  /** Messages mined; those after it (cut off by the deadline) belong to no pattern. */
  processed: number;
}

const MAX_REPRESENTATIVES = 32;
/** Only the start of a huge message (a stack trace, a dumped body) is mined: its kind shows there, its cost not. */
const MAX_MESSAGE_CHARS = 2048;
/** The deadline is checked every this many messages: reading the clock per message would cost more than masking. */
const DEADLINE_EVERY = 256;

/** Distinct words a position may take and still be read as a choice of constants, not a variable. */
const MAX_CONSTANT_CHOICES = 4;

/** A word after which comes a value rather than a constant: "session closed for user <name>". */
const NAMES_A_VALUE = /^(?:user|username|login)[:=]?$/i;

/** A distinct masked message: its tokens and the positions of the messages that read so. */
interface Shape {
  tokens: string[];
  members: number[];
}

/**
 * Groups messages into patterns: mask the variable parts, group the distinct masked messages with Drain, then mend
 * Drain's two typical errors without per-data-set tuning: a group that merged a few different constant words at
 * one position ("initialization"/"finalization") is split by those words, and groups whose templates differ only in
 * how many tokens a variable spans ("0 bytes" vs "1,024 bytes (1.00 KB)") are joined.
 */
export function minePatterns(messages: readonly string[], deadline = Infinity): MiningResult {
  const shapes = new Map<string, Shape>();
  let processed = 0;
  for (; processed < messages.length; processed++) {
    if (processed % DEADLINE_EVERY === 0 && processed > 0 && performance.now() > deadline) break;
    const message = messages[processed]!;
    const tokens = maskVariables(message.length > MAX_MESSAGE_CHARS ? message.slice(0, MAX_MESSAGE_CHARS) : message);
    const key = tokens.join(' ');
    const shape = shapes.get(key);
    if (shape) shape.members.push(processed);
    else shapes.set(key, { tokens, members: [processed] });
  }

  const tree = new DrainTree();
  const byGroup = new Map<number, Shape[]>();
  for (const shape of shapes.values()) {
    const group = tree.add(shape.tokens);
    const list = byGroup.get(group.id) ?? [];
    list.push(shape);
    byGroup.set(group.id, list);
  }

  const split: Shape[][] = [];
  for (const list of byGroup.values()) split.push(...splitByConstantChoices(list));

  // Groups whose messages differ only in how many tokens a variable spans become one pattern, as do groups that
  // Drain left apart with the same template.
  const joined = new Map<string, Shape[]>();
  for (const list of split) {
    const key = joinKey(list);
    const into = joined.get(key);
    if (into) into.push(...list);
    else joined.set(key, [...list]);
  }

  const patterns = [...joined.values()].map((list) => ({
    tokens: generalisedAcrossLengths(list),
    members: list.flatMap((s) => s.members).sort((a, b) => a - b),
    representatives: list.slice(0, MAX_REPRESENTATIVES).map((s) => s.members[0]!),
  }));
  return { patterns, processed };
}

/** Splits a Drain group where a position holds only a few distinct plain words (no variable part among them). */
function splitByConstantChoices(shapes: Shape[]): Shape[][] {
  if (shapes.length < 2) return [shapes];
  const length = shapes[0]!.tokens.length;
  const choicePositions: number[] = [];
  for (let p = 0; p < length; p++) {
    const values = new Set<string>();
    let variable = false;
    for (const s of shapes) {
      const t = s.tokens[p]!;
      if (t.includes(PLACEHOLDER)) {
        variable = true;
        break;
      }
      values.add(numberless(t));
      if (values.size > MAX_CONSTANT_CHOICES) break;
    }
    const before = p > 0 ? shapes[0]!.tokens[p - 1]! : '';
    if (!variable && NAMES_A_VALUE.test(before) && shapes.every((s) => s.tokens[p - 1] === before)) variable = true;
    if (!variable && values.size > 1 && values.size <= MAX_CONSTANT_CHOICES) choicePositions.push(p);
  }
  if (choicePositions.length === 0) return [shapes];
  const parts = new Map<string, Shape[]>();
  for (const s of shapes) {
    const key = choicePositions.map((p) => numberless(s.tokens[p]!)).join('\u0000');
    const part = parts.get(key) ?? [];
    part.push(s);
    parts.set(key, part);
  }
  return [...parts.values()];
}

/** A word with its digits dropped: IRQ0 and IRQ9 are one numbered name, HTTPS and SOCKS5 two words. */
function numberless(token: string): string {
  return token.replace(/\d+/g, '');
}

/**
 * The template of token lists of one length: tokens they all share; where they differ, the placeholder keeps the
 * punctuation-ended start and punctuation end they share, so `user=root` and `user=guest` make `user=<*>`, not `<*>`.
 */
function generalised(lists: readonly (readonly string[])[]): string[] {
  const template = [...lists[0]!];
  for (const tokens of lists)
    for (let i = 0; i < template.length; i++) {
      if (template[i] !== tokens[i]) template[i] = generaliseToken(template[i]!, tokens[i]!);
    }
  return template;
}

/** Two different tokens as one: their shared start up to its last punctuation, `<*>`, their shared punctuation end. */
function generaliseToken(a: string, b: string): string {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  // A shared start that ends in a word is part of the value ("init" of initialization/initiate); so is half a placeholder.
  while (start > 0 && /[\p{L}\p{N}_<*]/u.test(a[start - 1]!)) start--;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  while (end > 0 && /[\p{L}\p{N}_*>]/u.test(a[a.length - end]!)) end--;
  return `${a.slice(0, start)}${PLACEHOLDER}${a.slice(a.length - end)}`.replace(/(?:<\*>)+/g, PLACEHOLDER);
}

/**
 * What groups must share to be one pattern: their template without the positions where every message has only a
 * placeholder, so "0 bytes sent" and "1190 bytes (1.16 KB) sent" (masked: `<*> sent`, `<*> (<*>) sent`) meet.
 */
function joinKey(list: readonly Shape[]): string {
  const tokens = generalised(list.map((s) => s.tokens));
  return tokens.filter((_, p) => !list.every((s) => isPlaceholderOnly(s.tokens[p]!))).join(' ');
}

/** The template of shapes that may differ in length: the longest one's template stands for them all. */
function generalisedAcrossLengths(shapes: readonly Shape[]): string[] {
  const byLength = new Map<number, Shape[]>();
  for (const s of shapes) {
    const list = byLength.get(s.tokens.length) ?? [];
    list.push(s);
    byLength.set(s.tokens.length, list);
  }
  let best: Shape[] = [];
  for (const list of byLength.values()) {
    const count = list.reduce((n, s) => n + s.members.length, 0);
    const bestCount = best.reduce((n, s) => n + s.members.length, 0);
    if (count > bestCount) best = list;
  }
  return generalised(best.map((s) => s.tokens));
}

/** A token that is a placeholder with at most some punctuation around it, e.g. `(<*>)` or `<*>,`. */
function isPlaceholderOnly(token: string): boolean {
  return token.includes(PLACEHOLDER) && !/[\p{L}\p{N}]/u.test(token.replaceAll(PLACEHOLDER, ''));
}
