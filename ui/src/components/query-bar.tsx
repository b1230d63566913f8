import { useEffect, useRef, useState } from 'preact/hooks';
import { apiGet } from '../api/client';
import { fieldNames, SHORT_FIELDS } from '../api/field-list';

interface Props {
  q: string;
  filter: { from: string; to: string };
  error?: { message: string; position?: number };
  onSearch: (q: string) => void;
}

/** The word under the caret: what autocomplete completes. */
function tokenAt(text: string, caret: number): { start: number; word: string } {
  let start = caret;
  while (start > 0 && !/[\s()]/.test(text[start - 1]!)) start--;
  return { start, word: text.slice(start, caret) };
}

/**
 * The query box (docs/api.md, query language) with autocomplete of field names and of a field's top values; a syntax
 * error is shown under the character it points at.
 */
export function QueryBar({ q, filter, error, onSearch }: Props) {
  const [text, setText] = useState(q);
  const [fields, setFields] = useState<string[]>(SHORT_FIELDS);
  const [suggestions, setSuggestions] = useState<string[]>([]);
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  // Each keystroke may start a fetch of top values; only the newest may fill the list, and none after the list was
  // closed (accepted, submitted, escaped), or a late answer would reopen it under the next Enter.
  const request = useRef(0);
  const clearSuggestions = () => {
    request.current++;
    setSuggestions([]);
  };
  useEffect(() => setText(q), [q]);
  const loadFields = () =>
    void fieldNames(filter.from, filter.to).then((names) => setFields([...new Set([...SHORT_FIELDS, ...names])]));

  const suggest = async (value: string, caret: number) => {
    const mine = ++request.current;
    const { word } = tokenAt(value, caret);
    const colon = word.indexOf(':');
    if (word.length === 0) return setSuggestions([]);
    if (colon < 0)
      return setSuggestions(
        fields
          .filter((f) => f.startsWith(word) && f !== word)
          .slice(0, 8)
          .map((f) => `${f}:`),
      );
    const field = word.slice(0, colon).replace(/^-/, '');
    const prefix = word.slice(colon + 1).replace(/^"/, '');
    if (!fields.includes(field) || field === 'message') return setSuggestions([]);
    try {
      const top = await apiGet<{ values: { value: string | number }[] }>(
        `/api/v1/fields/${encodeURIComponent(field)}/top`,
        { ...filter, size: 20 },
      );
      if (mine !== request.current) return;
      const values = top.values
        .map((v) => String(v.value))
        .filter((v) => v.toLowerCase().startsWith(prefix.toLowerCase()));
      setSuggestions(
        values
          .slice(0, 8)
          .map(
            (v) =>
              `${word.startsWith('-') ? '-' : ''}${field}:${/[\s"():]/.test(v) ? `"${v.replace(/"/g, '\\"')}"` : v}`,
          ),
      );
    } catch {
      if (mine === request.current) setSuggestions([]);
    }
    setActive(0);
  };

  const typedWord = () => tokenAt(text, input.current?.selectionStart ?? text.length).word;

  const accept = (choice: string) => {
    const caret = input.current?.selectionStart ?? text.length;
    const { start } = tokenAt(text, caret);
    const next = `${text.slice(0, start)}${choice}${choice.endsWith(':') ? '' : ' '}${text.slice(caret)}`;
    setText(next);
    clearSuggestions();
    input.current?.focus();
  };

  return (
    <form
      class="query-bar"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        clearSuggestions();
        onSearch(text);
      }}
    >
      <div class="query-input">
        <input
          id="q"
          name="q"
          ref={input}
          type="search"
          placeholder='level:error AND "connection reset" host:web-1'
          spellcheck={false}
          autocomplete="off"
          aria-autocomplete="list"
          value={text}
          onInput={(e) => {
            setText(e.currentTarget.value);
            void suggest(e.currentTarget.value, e.currentTarget.selectionStart ?? e.currentTarget.value.length);
          }}
          onFocus={loadFields}
          onBlur={() => setTimeout(clearSuggestions, 150)}
          onKeyDown={(e) => {
            if (suggestions.length === 0) return;
            const choice = suggestions[active];
            if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
              e.preventDefault();
              setActive((a) => (a + (e.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
            } else if (e.key === 'Enter' && choice === typedWord()) {
              // The suggestion is what was typed: Enter means "search", as it does with the list closed.
              clearSuggestions();
            } else if (choice !== undefined && (e.key === 'Tab' || e.key === 'Enter')) {
              e.preventDefault();
              accept(choice);
            } else if (e.key === 'Escape') clearSuggestions();
          }}
        />
        {suggestions.length > 0 && (
          <ul class="suggestions" role="listbox">
            {suggestions.map((s, i) => (
              <li
                key={s}
                role="option"
                aria-selected={i === active}
                class={i === active ? 'active' : ''}
                onMouseDown={() => accept(s)}
              >
                {s}
              </li>
            ))}
          </ul>
        )}
      </div>
      <button type="submit">Search</button>
      {error && (
        <div class="query-error" role="alert">
          {error.position !== undefined && (
            <pre class="caret">
              {q}
              {'\n'}
              {' '.repeat(Math.min(error.position, q.length))}^
            </pre>
          )}
          {error.message}
        </div>
      )}
    </form>
  );
}
