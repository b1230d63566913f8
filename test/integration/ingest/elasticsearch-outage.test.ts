import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IngestResult } from '../../../protocol/ingest-result.js';
import { postIngest, type IngestAnswer } from '../../support/collector-harness.js';
import { testEsUrl } from '../../support/elasticsearch.js';
import { Pipeline } from '../../support/pipeline-harness.js';
import { freePort } from '../../support/processes.js';
import { appendTimedLines, auditSequence } from '../../support/sequence-log.js';
import { TcpProxy } from '../../support/tcp-proxy.js';

/** Lines seq [from, to) stamped now, so they fall in the default search window. */
const writeLines = (file: string, from: number, to: number) => appendTimedLines(file, from, to);

/** An ingest answer or an error body. */
type Answer = IngestResult & { error: { code: string } };

/** One event straight to the ingest API, as any sender would post it. */
function postEvent(p: Pipeline, id: string): Promise<IngestAnswer<Answer>> {
  const event = { id, host: 'direct', message: `posted while Elasticsearch was away: ${id}` };
  return postIngest<Answer>(p.url, p.tokens.ingest, JSON.stringify(event) + '\n');
}

describe('Elasticsearch down or hanging behind the collector', () => {
  it('answers 503 with Retry-After while it is away, and every line the shipper read arrives once it is back', async () => {
    const es = new URL(testEsUrl());
    const proxy = new TcpProxy({ host: es.hostname, port: Number(es.port) });
    await proxy.start();
    // A short request timeout, so a hanging Elasticsearch turns into 503s within seconds.
    const p = new Pipeline('es-outage', { url: proxy.url, request_timeout: '2s' });
    try {
      await p.startCollector();
      const file = join(p.dir, 'app.log');
      await writeFile(file, '');
      const metricsPort = await freePort();
      await p.startShipper('web-1', [file], { metrics: { listen: `127.0.0.1:${metricsPort}` } });
      await writeLines(file, 0, 2000);
      await p.waitForTotal(2000, 60_000);

      // Down: nothing listens where Elasticsearch was.
      await proxy.cut();
      await writeLines(file, 2000, 4000);
      const down = await postEvent(p, 'direct-1');
      expect(down.status).toBe(503);
      expect(down.retryAfter).toBe('5');
      expect(down.body.error.code).toBe('STORE_UNAVAILABLE');
      const ready = await fetch(`${p.url}/readyz`);
      expect(ready.status).toBe(503);

      // Hanging: connections are accepted and never answered; the request timeout turns that into a 503.
      await proxy.stall();
      await writeLines(file, 4000, 6000);
      const started = Date.now();
      const hung = await postEvent(p, 'direct-2');
      const waited = Date.now() - started;
      expect(hung.status).toBe(503);
      expect(hung.retryAfter).toBe('5');
      expect(hung.body.error.code).toBe('STORE_UNAVAILABLE');
      expect(waited).toBeGreaterThanOrEqual(1900);
      expect(waited).toBeLessThan(15_000);

      // Back: the shipper retries what was refused, and the direct sender resends its two events.
      await proxy.restore();
      expect((await postEvent(p, 'direct-1')).body).toMatchObject({ accepted: 1, duplicates: 0, rejected: 0 });
      expect((await postEvent(p, 'direct-2')).body).toMatchObject({ accepted: 1, duplicates: 0, rejected: 0 });
      await p.waitForTotal(6002, 120_000);
      const hits = await p.searchAll({ from: 'now-1h', order: 'asc', host: 'web-1' });
      expect(auditSequence(hits, 6000)).toEqual({ events: 6000, distinct: 6000, duplicates: 0, gaps: 0 });
      expect((await fetch(`${p.url}/readyz`)).status).toBe(200);
      // The shipper was refused while Elasticsearch was away and sent again: that is how nothing got lost.
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const retries = Number(/^logship_shipper_retries_total(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1]);
      expect(retries).toBeGreaterThanOrEqual(1);
    } finally {
      await p.dispose();
      await proxy.stop();
    }
  });
});
