/**
 * Bytes on disk per event of a search benchmark data set on Elasticsearch (issue 19, goal 5: at most 1.5× the raw
 * log lines), its events' daily indices and its hour counts apart, from the node that holds it.
 */
import { searchPattern } from '../collector/store/elasticsearch/index-templates.js';
import { loadedEvents, storedBytes } from './bench-elasticsearch.js';
import { rawBytes } from './growth-events.js';
import type { DataShape } from './growth-shape.js';

/** The data set's index prefix on the node (search-latency.ts keeps one per shape, side by side). */
export function setPrefix(shape: DataShape): string {
  return `bench-search-${shape.events}e-${shape.hosts.length}h-${shape.days}d`;
}

export async function setBytes(url: string, shape: DataShape) {
  const prefix = setPrefix(shape);
  const count = (await loadedEvents(url, searchPattern(prefix))).count;
  if (count !== shape.events) throw new Error(`${url} holds ${count} events of ${prefix}, not ${shape.events}.`);
  // The set search-latency.ts loads: ids b-<n>, seed 7 (the raw lines do not depend on the times).
  const raw = rawBytes({ shape, end: 0, idPrefix: 'b', seed: 7 });
  const eventBytes = await storedBytes(url, searchPattern(prefix));
  const countBytes = await storedBytes(url, `${prefix}-counts-*`);
  const row = {
    events: shape.events,
    raw_bytes_per_event: +(raw / count).toFixed(1),
    event_index_bytes_per_event: +(eventBytes / count).toFixed(1),
    counts_bytes_per_event: +(countBytes / count).toFixed(1),
    bytes_per_raw_byte: +(eventBytes / raw).toFixed(2),
    bytes_per_raw_byte_with_counts: +((eventBytes + countBytes) / raw).toFixed(2),
  };
  console.log(
    `${shape.events} events: ${row.event_index_bytes_per_event} B per event on disk (+ ${row.counts_bytes_per_event} B ` +
      `of hour counts) against raw lines of ${row.raw_bytes_per_event} B: ${row.bytes_per_raw_byte}× ` +
      `(${row.bytes_per_raw_byte_with_counts}× with the counts)`,
  );
  return row;
}
