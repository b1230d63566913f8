import Anser from 'anser';
import type { ComponentChildren } from 'preact';

/** Words of a query that should be highlighted in messages: free words and phrases, not field clauses. */
export function highlightTerms(q: string): string[] {
  const terms: string[] = [];
  const re = /"([^"]+)"|(\S+)/g;
  for (let m = re.exec(q); m; m = re.exec(q)) {
    const word = m[1] ?? m[2]!;
    if (
      m[2] &&
      (/^(AND|OR|NOT|TO)$/.test(word) || word.includes(':') || word.startsWith('-') || /[()[\]{}]/.test(word))
    )
      continue;
    const plain = word.replace(/[*?]/g, '');
    if (plain.length >= 2) terms.push(plain.toLowerCase());
  }
  return terms;
}

/** Splits text around case-insensitive matches of `terms`, wrapping matches in <mark> — as text nodes only. */
function highlight(text: string, terms: string[], keyPrefix: string): ComponentChildren[] {
  if (terms.length === 0) return [text];
  const lower = text.toLowerCase();
  const out: ComponentChildren[] = [];
  let i = 0;
  while (i < text.length) {
    let best = -1;
    let len = 0;
    for (const t of terms) {
      const at = lower.indexOf(t, i);
      if (at >= 0 && (best < 0 || at < best)) {
        best = at;
        len = t.length;
      }
    }
    if (best < 0) break;
    if (best > i) out.push(text.slice(i, best));
    out.push(<mark key={`${keyPrefix}-${best}`}>{text.slice(best, best + len)}</mark>);
    i = best + len;
  }
  if (i < text.length) out.push(text.slice(i));
  return out;
}

/**
 * A message rendered as text: ANSI colour codes become CSS classes (never HTML), query matches are marked. Log text
 * is attacker-controlled, so nothing here ever parses it as markup.
 */
export function MessageText({ text, terms }: { text: string; terms: string[] }) {
  if (!text.includes('\u001b[')) return <>{highlight(text, terms, 'm')}</>;
  const parts = Anser.ansiToJson(text, { use_classes: true, remove_empty: true });
  return (
    <>
      {parts.map((p, i) => {
        const classes = [p.fg && `${p.fg}-fg`, p.bg && `${p.bg}-bg`, ...p.decorations.map((d) => `ansi-${d}`)]
          .filter(Boolean)
          .join(' ');
        return classes ? (
          <span class={classes} key={i}>
            {highlight(p.content, terms, `a${i}`)}
          </span>
        ) : (
          highlight(p.content, terms, `a${i}`)
        );
      })}
    </>
  );
}

/** A message that is a JSON object, pretty-printed; undefined for anything else. */
export function prettyJson(text: string): string | undefined {
  const t = text.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) return undefined;
  try {
    return JSON.stringify(JSON.parse(t), null, 2);
  } catch {
    return undefined;
  }
}
