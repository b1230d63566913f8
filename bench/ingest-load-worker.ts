/**
 * The load generator of bench/ingest-throughput.ts, in a worker thread so its JSON encoding does not share an event
 * loop with the collector under test. Sends NDJSON batches to `POST /api/v1/ingest` with a fixed number in flight,
 * retrying 429/503 after Retry-After like the shipper.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { benchEvent } from './ingest-lines.js';

interface LoadJob {
  url: string;
  token: string;
  lines: number;
  batch: number;
  inFlight: number;
  format: string;
  /** Epoch ms of line 0's time. */
  base: number;
}

const job = workerData as LoadJob;

function body(start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) out += JSON.stringify(benchEvent(i, job.base, job.format)) + '\n';
  return out;
}

async function send(start: number, end: number): Promise<void> {
  const payload = body(start, end);
  for (;;) {
    const res = await fetch(`${job.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${job.token}` },
      body: payload,
    });
    const text = await res.text();
    if (res.status === 200) return;
    if (res.status === 429 || res.status === 503) {
      await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
      continue;
    }
    throw new Error(`ingest answered ${res.status}: ${text.slice(0, 200)}`);
  }
}

let next = 0;
async function lane(): Promise<void> {
  while (next < job.lines) {
    const start = next;
    next = Math.min(job.lines, next + job.batch);
    await send(start, next);
  }
}

await Promise.all(Array.from({ length: job.inFlight }, lane));
parentPort!.postMessage('done');
