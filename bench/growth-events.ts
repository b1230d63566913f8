/**
 * The search benchmark's events (search-latency.ts, and the growth run's loads on top of a kept set in
 * es-growth-ingest.ts): NDJSON lines as a shipper sends them, from a seeded generator, so a data set is the same
 * every time it is loaded and its raw bytes can be counted again without reading it back.
 */
import { gzipSync } from 'node:zlib';
import { normalizeEvent } from '../collector/ingest/normalize-event.js';
import type { StoredEvent } from '../collector/store/ecs-document.js';
import { eventId } from '../shipper/event-id.js';
import type { DataShape } from './growth-shape.js';

const LEVELS = ['info', 'info', 'info', 'info', 'debug', 'warn', 'error'];
const WORDS = ['request', 'finished', 'connection', 'reset', 'timeout', 'cache', 'miss', 'user', 'login', 'slow'];

export interface EventSet {
  shape: DataShape;
  /** The newest event is just before this (ms). */
  end: number;
  /** Event ids are `<idPrefix>-<n>`, or with `shipperIds` as a shipper makes them (shipper/event-id.ts, ~22 characters). */
  idPrefix: string;
  shipperIds?: boolean;
  seed: number;
}

/** The set's events in time order: number, host, level and message, drawn from its seed. */
function* drawEvents(set: EventSet): Generator<{ j: number; host: string; level: string; message: string }> {
  let seed = set.seed;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  for (let j = 0; j < set.shape.events; j++) {
    const host = pick(set.shape.hosts);
    const level = pick(LEVELS);
    const message = `${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)} status ${pick(['200', '404', '500'])} in ${Math.floor(random() * 900)} ms`;
    yield { j, host, level, message };
  }
}

/** The set's events as NDJSON lines, `size` lines a batch, in time order. */
export function* eventBatches(set: EventSet, size: number): Generator<string[]> {
  const { events, spanMs } = set.shape;
  let lines: string[] = [];
  for (const { j, host, level, message } of drawEvents(set)) {
    lines.push(
      JSON.stringify({
        id: set.shipperIds ? eventId(host, `${set.idPrefix}:/var/log/${host}.log`, j * 80) : `${set.idPrefix}-${j}`,
        timestamp: new Date(set.end - spanMs + Math.floor((j / events) * spanMs)).toISOString(),
        host,
        service: host.replace(/-\d+$/, ''),
        source: `/var/log/${host}.log`,
        offset: j * 80,
        level,
        format: 'plain',
        message,
      }),
    );
    if (lines.length === size) {
      yield lines;
      lines = [];
    }
  }
  if (lines.length > 0) yield lines;
}

/**
 * Bytes of the set's raw log lines, counted without sending anything: a plain-format log file held each event as
 * its message and a newline.
 */
export function rawBytes(set: EventSet): number {
  let bytes = 0;
  for (const { message } of drawEvents(set)) bytes += Buffer.byteLength(message) + 1;
  return bytes;
}

/**
 * Sends the set to a collector's ingest API as gzip NDJSON bodies of 10,000 events, four requests at a time, as
 * four shippers would; refuses anything but 200.
 */
export async function sendEvents(collectorUrl: string, token: string, set: EventSet): Promise<void> {
  const batches = eventBatches(set, 10_000);
  for (;;) {
    const bodies: string[][] = [];
    for (let k = 0; k < 4; k++) {
      const next = batches.next();
      if (next.done) break;
      bodies.push(next.value);
    }
    if (bodies.length === 0) return;
    await Promise.all(
      bodies.map(async (lines) => {
        const res = await fetch(`${collectorUrl}/api/v1/ingest`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-ndjson',
            'content-encoding': 'gzip',
            authorization: `Bearer ${token}`,
          },
          body: gzipSync(lines.join('\n') + '\n'),
        });
        if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
      }),
    );
  }
}

/**
 * The first `count` events of the set as the collector stores them (its own normaliser, one ingest time per batch
 * of 2,000 as one shipper request gets), for benchmarks that write documents straight to Elasticsearch.
 */
export function storedEvents(set: EventSet, count: number): StoredEvent[] {
  const events: StoredEvent[] = [];
  const now = Date.now();
  for (const lines of eventBatches(set, 2000)) {
    const ctx = { now: new Date(now + events.length).toISOString(), maxMessageBytes: 1 << 20 };
    for (const text of lines) {
      const stored = normalizeEvent(
        { line: events.length, value: JSON.parse(text) as Record<string, unknown>, text },
        ctx,
      );
      if (!('doc' in stored)) throw new Error(`event refused: ${stored.reason}`);
      events.push(stored);
      if (events.length === count) return events;
    }
  }
  return events;
}
