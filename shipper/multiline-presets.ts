/**
 * Built-in `multiline.preset` start patterns. Each says which lines begin a new event by ruling out the lines
 * that continue one, so a record starts at any log line whatever its timestamp format.
 */
export const MULTILINE_PRESETS = {
  /**
   * Java stack traces: the exception line (`java.lang.IllegalStateException: …`), `\tat …` frames, `Caused by:`,
   * `\tSuppressed:` and `\t... 12 more` / `… common frames omitted` continue the log line above them.
   */
  java: String.raw`^(?!\s|Caused by: |Suppressed: |\.\.\. \d+ (?:more|common frames omitted)|(?:[A-Za-z_$][\w$]*\.)+[A-Za-z_$][\w$]*(?:Exception|Error|Throwable)\b)`,
  /**
   * Python tracebacks: `Traceback (most recent call last):`, indented frames and source lines, the final
   * `ValueError: …` line, blank lines and the "During handling of the above exception" chaining lines.
   */
  python: String.raw`^(?!\s|$|Traceback \(most recent call last\):|During handling of the above exception|The above exception was the direct cause|[A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt|StopIteration)\b)`,
  /**
   * PostgreSQL server logs: a statement's further lines (PostgreSQL starts them with a tab) and the DETAIL, HINT,
   * CONTEXT, STATEMENT, QUERY and LOCATION lines belong to the message above. The severity is the first
   * `WORD:  ` (two spaces) after the log_line_prefix, so SQL text containing "DETAIL:  " does not fool it.
   */
  postgres: String.raw`^(?!\s)(?!(?:(?![A-Z]+:  ).)*\b(?:DETAIL|HINT|CONTEXT|STATEMENT|QUERY|LOCATION):  )`,
} as const;

/** A preset's name. */
export type MultilinePreset = keyof typeof MULTILINE_PRESETS;

/** The names of the presets, for the config schema. */
export const MULTILINE_PRESET_NAMES = Object.keys(MULTILINE_PRESETS) as [MultilinePreset, ...MultilinePreset[]];

/** The start pattern of a multiline block: its own `start`, or its preset's. */
export function multilineStart(ml: { start?: string | undefined; preset?: MultilinePreset | undefined }): RegExp {
  return new RegExp(ml.start ?? MULTILINE_PRESETS[ml.preset!]);
}
