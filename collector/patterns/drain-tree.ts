import { PLACEHOLDER } from './mask-variables.js';

/**
 * Drain (He et al., "Drain: An Online Log Parsing Approach with Fixed Depth Tree", ICWS 2017): messages of one kind
 * have as many tokens and start alike, so a fixed-depth tree (token count, then the first tokens) leads each message
 * to a few candidate groups, and the most similar one takes it when similar enough; the group's template keeps
 * the tokens all its messages share and turns the others into placeholders.
 */

/** Tuning of the tree; the defaults are used everywhere (no per-data-set tuning). */
export interface DrainOptions {
  /** Tree levels below the token-count level that route by a leading token. */
  prefixDepth: number;
  /** Share of tokens a message must share with a group's template to join it. */
  similarity: number;
  /** Children per tree node; past it, further tokens share the placeholder child. */
  maxChildren: number;
}

export const DEFAULT_DRAIN_OPTIONS: DrainOptions = { prefixDepth: 2, similarity: 0.5, maxChildren: 100 };

/** One group of messages: its template and how many messages joined it. */
export interface DrainGroup {
  id: number;
  template: string[];
  count: number;
}

interface TreeNode {
  children: Map<string, TreeNode>;
  groups: DrainGroup[];
}

function node(): TreeNode {
  return { children: new Map(), groups: [] };
}

/** A token routes by itself unless it is (or holds) a variable part, or looks like one (it has a digit). */
function routeToken(token: string): string {
  if (token.includes(PLACEHOLDER)) return PLACEHOLDER;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 48 && c <= 57) return PLACEHOLDER;
  }
  return token;
}

/** Groups token lists online; `add` answers the group a message joined. */
export class DrainTree {
  private readonly roots = new Map<number, TreeNode>();
  private readonly all: DrainGroup[] = [];

  constructor(private readonly options: DrainOptions = DEFAULT_DRAIN_OPTIONS) {}

  /** Every group, in the order they were made. */
  get groups(): readonly DrainGroup[] {
    return this.all;
  }

  add(tokens: readonly string[]): DrainGroup {
    const leaf = this.leaf(tokens);
    let best: DrainGroup | undefined;
    let bestScore = -1;
    let bestPlaceholders = -1;
    for (const group of leaf.groups) {
      const [same, placeholders] = compare(group.template, tokens);
      const score = tokens.length === 0 ? 1 : same / tokens.length;
      if (score > bestScore || (score === bestScore && placeholders > bestPlaceholders)) {
        best = group;
        bestScore = score;
        bestPlaceholders = placeholders;
      }
    }
    if (best && bestScore >= this.options.similarity) {
      generalise(best.template, tokens);
      best.count++;
      return best;
    }
    const group: DrainGroup = { id: this.all.length, template: [...tokens], count: 1 };
    leaf.groups.push(group);
    this.all.push(group);
    return group;
  }

  /** The leaf a message belongs under: its token count, then its first tokens. */
  private leaf(tokens: readonly string[]): TreeNode {
    let current: TreeNode | undefined = this.roots.get(tokens.length);
    if (!current) {
      current = node();
      this.roots.set(tokens.length, current);
    }
    // The last token never routes (as in drain3): "removing chargen" and "removing echo" must meet in one leaf.
    const depth = Math.min(this.options.prefixDepth, tokens.length - 1);
    for (let i = 0; i < depth; i++) {
      let key = routeToken(tokens[i]!);
      let next: TreeNode | undefined = current.children.get(key);
      if (!next) {
        if (current.children.size >= this.options.maxChildren) key = PLACEHOLDER;
        next = current.children.get(key);
        if (!next) {
          next = node();
          current.children.set(key, next);
        }
      }
      current = next;
    }
    return current;
  }
}

/** Tokens equal to the template's (placeholders count as equal), and how many of those are placeholders. */
function compare(template: readonly string[], tokens: readonly string[]): [number, number] {
  let same = 0;
  let placeholders = 0;
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    if (t === PLACEHOLDER) {
      placeholders++;
      same++;
    } else if (t === tokens[i]) same++;
  }
  return [same, placeholders];
}

/** Turns every template token the new message does not share into a placeholder. */
function generalise(template: string[], tokens: readonly string[]): void {
  for (let i = 0; i < template.length; i++) if (template[i] !== tokens[i]) template[i] = PLACEHOLDER;
}
