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
import { TcpProxy } from '../../support/tcp-proxy.js';

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
    const es = new URL(testEsUrl());
    // Elasticsearch behind a proxy that refuses connections: a real port where nothing answers, until restored.
    const proxy = new TcpProxy({ host: es.hostname, port: Number(es.port) });
    await proxy.start();
    await proxy.cut();
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
      await proxy.restore();
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
        await proxy.restore();
        await (await starting).stop();
      }
      closes.mockRestore();
      await proxy.stop();
    }
  });
});
