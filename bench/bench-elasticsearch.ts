/**
 * The Elasticsearch node a benchmark runs against. By default a fresh node of its own (so nobody else's tests load
 * it while it is measured, and its CPU can be read from its pid), on the benchmark's port, with its data under
 * /var/lib/logship-es when root (a folder the Elasticsearch user reaches whatever happens to /tmp, and not the
 * tmpfs-sized /tmp for the 10M-event runs).
 *
 *  - LOGSHIP_BENCH_ES_URL: use that running server instead (its CPU is then not measured);
 *  - LOGSHIP_BENCH_ES_PORT: start ours on this HTTP port instead of the benchmark's own; the transport port is
 *    LOGSHIP_BENCH_ES_TRANSPORT_PORT, else this port + 100 (engineers sharing a machine are each given ports);
 *  - LOGSHIP_BENCH_ES_HEAP: the fixed heap, default the benchmark's (1g).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startElasticsearch } from '../scripts/es/es-process.js';
import { isRoot } from '../scripts/es/es-user.js';

export interface BenchElasticsearch {
  url: string;
  /** The server's pid when we started it; undefined for a server given by URL. */
  pid: number | undefined;
  heap: string;
  /** Stops the server we started and removes its data; nothing for a server given by URL. */
  stop(): Promise<void>;
}

/** Where a benchmark's own node keeps its data. */
export function benchEsDir(name: string): string {
  return isRoot() ? `/var/lib/logship-es/bench-${name}` : join(tmpdir(), `logship-bench-${name}-es`);
}

/** Starts (or, with LOGSHIP_BENCH_ES_URL, reuses) the benchmark's Elasticsearch. */
export async function benchElasticsearch(
  name: string,
  defaultPort: number,
  opts: { heap?: string; fresh?: boolean; keep?: boolean } = {},
): Promise<BenchElasticsearch> {
  const heap = process.env.LOGSHIP_BENCH_ES_HEAP ?? opts.heap ?? '1g';
  const given = process.env.LOGSHIP_BENCH_ES_URL;
  if (given) return { url: given, pid: undefined, heap: 'external', stop: async () => {} };
  const port = Number(process.env.LOGSHIP_BENCH_ES_PORT ?? defaultPort);
  const dataDir = benchEsDir(name);
  const es = await startElasticsearch({
    port,
    dataDir,
    heap,
    fresh: opts.fresh ?? true,
    settings: { 'transport.port': process.env.LOGSHIP_BENCH_ES_TRANSPORT_PORT ?? String(port + 100) },
  });
  // Someone else's server on our port: measuring on it would be unfair to both, and stopping it is not ours to do.
  if (es.reused && (opts.fresh ?? true))
    throw new Error(`Something already answers on 127.0.0.1:${port}; this bench needs it free.`);
  return {
    url: es.url,
    pid: es.pid || undefined,
    heap,
    async stop() {
      await es.stop();
      if (!opts.keep) {
        const { rm } = await import('node:fs/promises');
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** The events a kept node already holds under `indices` (from an earlier run) and the newest one's time. */
export async function loadedEvents(url: string, indices: string): Promise<{ count: number; newest: number }> {
  const res = await fetch(`${url}/${indices}/_search?ignore_unavailable=true&allow_no_indices=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ size: 0, track_total_hits: true, aggs: { newest: { max: { field: '@timestamp' } } } }),
  });
  if (!res.ok) return { count: 0, newest: 0 };
  const body = (await res.json()) as {
    hits: { total: { value: number } };
    aggregations?: { newest: { value: number } };
  };
  return { count: body.hits.total.value, newest: body.aggregations?.newest.value ?? 0 };
}

/** Bytes on disk of the primaries of `indices` (the node keeps no replicas), as `_stats` reports them. */
export async function storedBytes(url: string, indices: string): Promise<number> {
  const res = await fetch(`${url}/${indices}/_stats/store?ignore_unavailable=true&allow_no_indices=true`);
  if (!res.ok) throw new Error(`${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { _all: { primaries: { store?: { size_in_bytes: number } } } };
  return body._all.primaries.store?.size_in_bytes ?? 0;
}

/** A search sent straight to the node (no collector), as the store sends it; refuses anything but 200. */
export async function searchDirect(url: string, index: string, body: object): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/${index}/_search?ignore_unavailable=true&allow_no_indices=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}
