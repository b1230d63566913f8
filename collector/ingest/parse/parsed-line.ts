import type { Format, Level } from '../../../protocol/event.js';

/** A parsed value under its ECS name (`http.response.status_code`); only scalars, so mappings stay predictable. */
export type FieldValue = string | number | boolean;

/** What a format parser found in one line. Field names are flat ECS paths; the template maps them (index-templates.ts). */
export interface ParsedLine {
  /** The format that parsed the line (becomes `event.dataset`). */
  dataset: Exclude<Format, 'auto'>;
  /** The event time in UTC, when the line carries one. */
  timestamp?: string;
  level?: Level;
  /** The text to store as `message`; the whole line when the format has no separate message part. */
  message: string;
  fields: Record<string, FieldValue>;
  /** Values without an ECS home (JSON logs' own keys), stored as `labels.*` next to the shipper's fields. */
  labels?: Record<string, string>;
  /** The declared format's parser could not read the line: it is stored as plain text, flagged `parse_failed`. */
  failed?: boolean;
}

/** The shipper's zone and the read time, for times written without a zone or a year. */
export interface ParseContext {
  /** IANA zone name or ±HH:MM; undefined = UTC. */
  tz: string | undefined;
  /** Epoch ms of the read time (the ingest time without one): a syslog date without a year is placed before it. */
  nowMs: number;
}

/** A format parser: undefined when the line is not of its format (the caller stores it as plain text). */
export type LineParser = (line: string, ctx: ParseContext) => ParsedLine | undefined;
