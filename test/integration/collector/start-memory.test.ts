import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createToken } from '../../../collector/auth/token-store.js';
import { postIngest } from '../../support/collector-harness.js';
import { deleteIndices, refreshIndices, testEsUrl } from '../../support/elasticsearch.js';
import { freePort, spawnLogship, stopProcess, waitFor } from '../../support/processes.js';

/**
 * The memory a real `logship collector` process reaches by starting and storing its first batch into the real
 * Elasticsearch. The Elasticsearch client's HTTP parser is WebAssembly: compiled by V8's optimising compiler too,
 * it took about 30 MB for a moment at the first connection, most of the 150 MB the collector may use under one
 * shipper's full load. This run peaked at 142.0-143.8 MB with it and 112.6-113.9 MB with the baseline compiler alone.
 */
const prefix = `t-startmem-${process.pid}`;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'logship-startmem-'));
});
afterAll(async () => {
  await deleteIndices(`${prefix}-*`);
  rmSync(dir, { recursive: true, force: true });
});

/** The process's peak resident memory so far (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kb === undefined) throw new Error(`no VmHWM for ${pid}`);
  return Number(kb) / 1024;
}

it('peaks under 135 MB from start through its first 100 events stored in Elasticsearch', async () => {
  const data = join(dir, 'data');
  const ingest = createToken(data, 'ingest', 'ingest');
  const read = createToken(data, 'read', 'read');
  const config = join(dir, 'collector.yml');
  writeFileSync(config, JSON.stringify({ data_dir: data, elasticsearch: { url: testEsUrl(), index_prefix: prefix } }));
  const port = await freePort();
  const child = spawnLogship(
    ['collector', '--config', config],
    { LOGSHIP_LISTEN: `127.0.0.1:${port}`, LOGSHIP_ES_URL: '' },
    join(dir, 'collector.log'),
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      'the collector to be ready',
      async () => ((await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined),
      60_000,
    );
    const now = Date.now();
    const lines = Array.from({ length: 100 }, (_, i) =>
      JSON.stringify({
        id: `startmem-${i}`,
        timestamp: new Date(now - 60_000 + i).toISOString(),
        host: 'startmem-host',
        message: `2026-12-06T07:00:00.000Z web-1 nginx[42]: GET /orders/${i} 200 startmem`,
      }),
    );
    const answer = await postIngest(url, ingest, lines.join('\n'));
    expect(answer.body).toEqual({ accepted: 100, duplicates: 0, rejected: 0, errors: [] });
    await refreshIndices(`${prefix}-*`);
    const found = await fetch(`${url}/api/v1/search?q=startmem&from=now-1h&limit=1`, {
      headers: { authorization: `Bearer ${read}` },
    });
    expect(((await found.json()) as { total: unknown }).total).toEqual({ value: 100, relation: 'eq' });
    expect(peakRssMb(child.pid!)).toBeLessThan(135);
  } finally {
    await stopProcess(child);
  }
}, 120_000);
