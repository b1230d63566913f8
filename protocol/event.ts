/** Wire types shared by shipper, collector and UI (CONTRACT §5). */

/** The formats a shipper may name; `auto` lets the collector detect. */
export const FORMATS = ['auto', 'plain', 'json', 'syslog', 'nginx', 'apache', 'postgres', 'mysql'] as const;
export type Format = (typeof FORMATS)[number];

/** Normalised levels, lowest first. */
export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type Level = (typeof LEVELS)[number];

/** One line of `POST /api/v1/ingest`: only `message` is required. */
export interface IngestEvent {
  id?: string;
  timestamp?: string;
  host?: string;
  service?: string;
  source?: string;
  offset?: number;
  format?: Format;
  level?: Level;
  message: string;
  fields?: Record<string, string>;
  /** When the shipper read the line (ISO-8601); the event time when the line carries none. Kept as `event.created`. */
  read_at?: string;
  /** `truncated` (the line exceeded the shipper's limit), `invalid_utf8` (bytes replaced by U+FFFD). */
  flags?: string[];
  /** The line's length in bytes before truncation, when `truncated` is set. */
  original_bytes?: number;
  /** The line's original bytes (as cut) in base64, when `invalid_utf8` is set: `message` has U+FFFD instead. */
  original_base64?: string;
  /** The sender's IANA time zone (e.g. `Europe/Berlin`), for line timestamps written without an offset. */
  tz?: string;
}

/** A search hit: the same shape as an ingest event, with the stored values filled in. */
export interface Hit {
  id: string;
  timestamp: string;
  host: string | null;
  service: string | null;
  level: Level | null;
  source: string | null;
  offset: number | null;
  message: string;
  fields: Record<string, unknown>;
}

/** `GET /api/v1/events/{id}`: a hit with when its line was read and stored, and the format that parsed it. */
export interface EventDetail extends Hit {
  /** When the shipper read the line (`event.created`); null when the sender did not say. */
  read_at: string | null;
  /** When the collector stored it (`event.ingested`). */
  ingested: string;
  /** The format whose parser read the line (`event.dataset`, e.g. `nginx`). */
  dataset: string;
}
