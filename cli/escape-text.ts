// C0/C1 controls (ESC starts terminal escape sequences) and bidi overrides (they reorder what the eye reads).
// Tab and newline stay: they cannot drive the terminal.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Makes attacker-controlled log text safe to print on a terminal: control characters become visible escapes. */
export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

// What JSON.stringify leaves raw but a terminal or an editor acts on: DEL, C1 controls, bidi marks, embeddings,
// overrides and isolates, and the line and paragraph separators.
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON text safe to print on a terminal: the characters JSON.stringify keeps raw but that drive or reorder a
 * terminal become `\uXXXX` escapes, so the JSON still parses to the same value.
 */
export function escapeJsonForTerminal(json: string): string {
  return json.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
