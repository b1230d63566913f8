import type { Hit } from '../../../protocol/event.js';
import { toHit, type EcsDocument } from '../ecs-document.js';
import { LABELS_PREFIX, NESTED_FIELDS } from '../field-catalogue.js';

/**
 * An event document as the collector wrote it, from a hit's `_source`. Daily indices are created with synthetic
 * `_source` (index-templates.ts): Elasticsearch rebuilds the document from each field's own data, and gives every
 * dotted name back as a path of objects with keys in name order, so the parsed fields written under their flat ECS
 * names (`"http.response.status_code": 200`) come back as `{ http: { response: { status_code: 200 } } }`, merged
 * with the core objects (`log.logger` inside `log`, beside `log.level`). Every leaf goes back where the collector
 * put it: the core fields as objects (field-catalogue.ts), `labels` as one object (their names hold no dots), any
 * other field under its flat name. A document of a day written before (stored `_source`) comes through unchanged.
 */
export function storedDocument(source: Record<string, unknown>): EcsDocument {
  const doc: Record<string, unknown> = {};
  place(doc, source, '');
  return doc as EcsDocument;
}

/** The API's hit of an event search hit (every event read answers through here). */
export function hitOf(hit: { _id?: string | null; _source?: unknown }): Hit {
  return toHit(hit._id!, storedDocument(hit._source as Record<string, unknown>));
}

function place(doc: Record<string, unknown>, value: Record<string, unknown>, prefix: string): void {
  for (const key of Object.keys(value)) {
    const path = prefix + key;
    const child = value[key];
    if (child !== null && typeof child === 'object' && !Array.isArray(child)) {
      place(doc, child as Record<string, unknown>, `${path}.`);
    } else if (path.startsWith(LABELS_PREFIX)) {
      define(objectAt(doc, 'labels'), path.slice(LABELS_PREFIX.length), child);
    } else if (NESTED_FIELDS.has(path)) {
      const parts = path.split('.');
      let level = doc;
      for (const part of parts.slice(0, -1)) level = objectAt(level, part);
      define(level, parts.at(-1)!, child);
    } else {
      define(doc, path, child);
    }
  }
}

function objectAt(level: Record<string, unknown>, key: string): Record<string, unknown> {
  const existing = level[key];
  if (existing !== undefined) return existing as Record<string, unknown>;
  const created: Record<string, unknown> = {};
  define(level, key, created);
  return created;
}

/** An own property even for a label named `__proto__`, which plain assignment would take for the prototype. */
function define(level: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(level, key, { value, enumerable: true, writable: true, configurable: true });
}
