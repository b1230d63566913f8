import type { EventDetail, Hit, Level } from '../../protocol/event.js';
import { NESTED_ROOTS } from './field-catalogue.js';

/** The stored form of an event, with ECS field names (field-catalogue.ts). */
export interface EcsDocument {
  '@timestamp': string;
  message: string;
  host?: { name: string };
  service?: { name: string };
  log?: {
    level?: Level;
    file?: { path: string };
    offset?: number;
    flags?: string[];
    original_bytes?: number;
  };
  event: {
    /** The event id again, as a sortable keyword: the last tie-break of every search order. */
    id: string;
    ingested: string;
    created?: string;
    dataset: string;
  };
  labels?: Record<string, string>;
  [ecsField: string]: unknown;
}

/** One event ready to store: the `_id` and the document. */
export interface StoredEvent {
  id: string;
  doc: EcsDocument;
}

/** Top-level keys that are not parsed fields: the core fields' objects, the time, the message and the labels. */
const CORE_KEYS = new Set(['@timestamp', 'message', 'labels', ...NESTED_ROOTS]);

/** Turns a stored document back into the API's hit shape (the same shape as an ingest event). */
export function toHit(id: string, doc: EcsDocument): Hit {
  const fields: Record<string, unknown> = { ...(doc.labels ?? {}) };
  for (const [key, value] of Object.entries(doc)) if (!CORE_KEYS.has(key)) fields[key] = value;
  if (doc.log?.flags) fields['log.flags'] = doc.log.flags;
  return {
    id,
    timestamp: doc['@timestamp'],
    host: doc.host?.name ?? null,
    service: doc.service?.name ?? null,
    level: doc.log?.level ?? null,
    source: doc.log?.file?.path ?? null,
    offset: doc.log?.offset ?? null,
    message: doc.message,
    fields,
  };
}

/** A stored document as `GET /api/v1/events/{id}` shows it: the hit, its read and ingest times and its format. */
export function toEventDetail({ id, doc }: StoredEvent): EventDetail {
  return {
    ...toHit(id, doc),
    read_at: doc.event.created ?? null,
    ingested: doc.event.ingested,
    dataset: doc.event.dataset,
  };
}
