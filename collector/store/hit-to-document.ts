import type { Hit } from '../../protocol/event.js';
import type { EcsDocument, StoredEvent } from './ecs-document.js';

/** What a hit does not carry and the stored document needs: the format and the ingest time. */
export interface DocumentExtras {
  /** `event.dataset`: the format the event was parsed as. */
  dataset: string;
  /** `event.ingested` (ISO-8601). */
  ingested: string;
}

/**
 * Rebuilds the stored document of a hit: the inverse of `toHit` for everything a hit shows. Hit fields with a dot
 * in their name are parsed ECS fields (kept flat, as the parsers store them) and `log.flags` goes back under `log`;
 * names without a dot are labels, because label keys never keep a dot (ingest turns it into `_`).
 */
export function hitToStoredEvent(hit: Hit, extras: DocumentExtras): StoredEvent {
  const doc: EcsDocument = {
    '@timestamp': hit.timestamp,
    message: hit.message,
    event: { id: hit.id, ingested: extras.ingested, dataset: extras.dataset },
  };
  let labels: Record<string, string> | undefined;
  const log: NonNullable<EcsDocument['log']> = {};
  for (const [name, value] of Object.entries(hit.fields)) {
    if (name === 'log.flags' && Array.isArray(value)) log.flags = value.map(String);
    else if (!name.includes('.') && typeof value === 'string') (labels ??= {})[name] = value;
    else doc[name] = value;
  }
  if (hit.host !== null) doc.host = { name: hit.host };
  if (hit.service !== null) doc.service = { name: hit.service };
  if (hit.level !== null) log.level = hit.level;
  if (hit.source !== null) log.file = { path: hit.source };
  if (hit.offset !== null) log.offset = hit.offset;
  if (Object.keys(log).length > 0) doc.log = log;
  if (labels) doc.labels = labels;
  return { id: hit.id, doc };
}
