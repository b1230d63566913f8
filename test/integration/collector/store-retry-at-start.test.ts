import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { jest } from '@jest/globals';
import pino from 'pino';
import { collectorConfig } from '../../../collector/config.js';
import { startCollector } from '../../../collector/main.js';
import { deleteIndices, testEsUrl } from '../../support/elasticsearch.js';
import { waitFor } from '../../support/processes.js';

describe('the collector waiting for its store at start-up', () => {
  let dataDir: string;
  const prefix = `t-start-retry-${process.pid}`;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'logship-start-retry-'));
  });
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await deleteIndices(`${prefix}-*`);
  });

  it('closes the Elasticsearch client of every failed attempt', async () => {
    // The real Elasticsearch behind a proxy that answers 503 to the index template writes of start-up (as a cluster
    // without a master does) until told to pass them on: each attempt fails with the store unavailable and retries.
    const es = new URL(testEsUrl());
    const proxy = await failingTemplatesProxy(es);
    const closes = jest.spyOn(Client.prototype, 'close');
    let retries = 0;
    const logs = new Writable({
      write(chunk: Buffer, _enc, done) {
        if (chunk.toString().includes('The store is not reachable yet')) retries++;
        done();
      },
    });
    const config = collectorConfig({
      listen: '127.0.0.1:0',
      data_dir: dataDir,
      elasticsearch: { url: proxy.url, index_prefix: prefix, request_timeout: '2s' },
    });
    const starting = startCollector(config, pino({ level: 'warn' }, logs));
    let stopped = false;
    try {
      await waitFor('three failed attempts', async () => (retries >= 3 ? true : undefined), 30_000);
      // Each failed attempt closed its own client before the next one was built.
      expect(closes.mock.calls.length).toBe(retries);
      proxy.failing = false;
      const collector = await starting;
      const failed = retries;
      expect(failed).toBeGreaterThanOrEqual(3);
      expect(closes.mock.calls.length).toBe(failed);
      expect((await fetch(`${collector.url}/readyz`)).status).toBe(200);
      await collector.stop();
      stopped = true;
      // The client of the attempt that succeeded is closed by stop(): one close per client built.
      expect(closes.mock.calls.length).toBe(failed + 1);
    } finally {
      // startCollector retries until its store answers: let it succeed, so a failed assertion leaves nothing running.
      if (!stopped) {
        proxy.failing = false;
        await (await starting).stop();
      }
      closes.mockRestore();
      await proxy.close();
    }
  });
});

/** An HTTP proxy to `target` that answers 503 to index template writes while `failing` is set. */
async function failingTemplatesProxy(target: URL): Promise<{ url: string; failing: boolean; close(): Promise<void> }> {
  const state = { failing: true };
  const server = createServer((req, res) => {
    if (state.failing && req.method === 'PUT' && req.url?.startsWith('/_index_template/')) {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
      res.end(JSON.stringify({ error: { type: 'master_not_discovered_exception', reason: null }, status: 503 }));
      return;
    }
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get failing() {
      return state.failing;
    },
    set failing(value: boolean) {
      state.failing = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
