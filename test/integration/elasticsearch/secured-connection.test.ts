import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createToken } from '../../../collector/auth/token-store.js';
import { postIngest } from '../../support/collector-harness.js';
import {
  deleteIndices,
  ES_START_TIMEOUT_MS,
  esTarget,
  refreshIndices,
  testEsUrl,
  type EsTarget,
} from '../../support/elasticsearch.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { freePort, runLogship, spawnLogship, stopProcess, waitFor } from '../../support/processes.js';
import { COLLECTOR_USER, securedEs, type SecuredEs } from '../../support/shared-elasticsearch.js';

/**
 * The collector against a secured Elasticsearch, as real `logship collector` processes: each way the connection
 * can be wrong stops it at start with its code, the secret never shows, and a client certificate alone signs it in.
 */
let es: SecuredEs;
let target: EsTarget;
let dir: string;

beforeAll(async () => {
  es = await securedEs();
  target = await esTarget('secured');
  dir = mkdtempSync(join(tmpdir(), 'logship-secured-'));
}, ES_START_TIMEOUT_MS);
afterAll(async () => {
  await deleteIndices(`t-secured-${process.pid}-*`, target);
  rmSync(dir, { recursive: true, force: true });
});

/** Writes collector.yml with `elasticsearch` settings and runs `logship collector` until it exits (or is stopped). */
function collectorConfigFile(name: string, elasticsearch: Record<string, unknown>): string {
  const file = join(dir, `${name}.yml`);
  writeFileSync(
    file,
    stringify({
      listen: '127.0.0.1:0',
      data_dir: join(dir, name),
      elasticsearch: { index_prefix: `t-secured-${process.pid}`, ...elasticsearch },
    }),
  );
  return file;
}

/** Runs `logship collector` with these settings, expecting it to stop at start-up with exit code 1. */
async function failedStart(name: string, elasticsearch: Record<string, unknown>) {
  const run = await runLogship(['collector', '--config', collectorConfigFile(name, elasticsearch)]);
  expect(run.code).toBe(1);
  return run;
}

function secretFile(name: string, secret: string): string {
  const file = join(dir, name);
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return file;
}

describe('a collector on a secured Elasticsearch', () => {
  it('stops at start with ES_TLS_UNTRUSTED when the CA is not configured', async () => {
    const run = await failedStart('no-ca', {
      url: es.url,
      username: COLLECTOR_USER,
      password_file: es.passwordFiles.collector,
    });
    expect(run.stderr).toContain('ES_TLS_UNTRUSTED: Elasticsearch at https://127.0.0.1:19210 presented a certificate');
    expect(run.stderr).toContain('elasticsearch.tls.ca');
  });

  it('stops at start with ES_AUTH_FAILED for a wrong password, and never prints the password', async () => {
    const wrong = 'Wrong-Secret-4711';
    const run = await failedStart('wrong-password', {
      url: es.url,
      username: COLLECTOR_USER,
      password_file: secretFile('wrong.password', wrong),
      tls: { ca: es.caFile },
    });
    expect(run.stderr).toContain(
      'ES_AUTH_FAILED: Elasticsearch at https://127.0.0.1:19210 refused the configured user and password (401)',
    );
    expect(run.stderr).toContain(`unable to authenticate user [${COLLECTOR_USER}]`);
    expect(run.stdout + run.stderr).not.toContain(wrong);
  });

  it('stops at start with ES_AUTH_FAILED for an API key the cluster does not know, and never prints the key', async () => {
    const key = Buffer.from('unknown-id:unknown-api-key-secret').toString('base64');
    const run = await failedStart('api-key', {
      url: es.url,
      api_key_file: secretFile('api.key', key),
      tls: { ca: es.caFile },
    });
    expect(run.stderr).toContain(
      'ES_AUTH_FAILED: Elasticsearch at https://127.0.0.1:19210 refused the configured API key (401)',
    );
    expect(run.stdout + run.stderr).not.toContain(key);
    expect(run.stdout + run.stderr).not.toContain('unknown-api-key-secret');
  });

  it('stops at start with ES_PRIVILEGES_MISSING naming each privilege the role lacks', async () => {
    // The documented role covers the tests' `t-*` indices; the prefix `other` is outside it.
    const run = await failedStart('no-privileges', {
      url: es.url,
      username: COLLECTOR_USER,
      password_file: es.passwordFiles.collector,
      tls: { ca: es.caFile },
      index_prefix: 'other',
    });
    const line = run.stderr.split('\n').find((l) => l.startsWith('ES_PRIVILEGES_MISSING:'));
    expect(line).toBe(
      'ES_PRIVILEGES_MISSING: The Elasticsearch user of this collector lacks other-*:auto_configure, other-*:index, ' +
        'other-*:delete, other-*:read, other-*:view_index_metadata, other-*:monitor, other-*:delete_index (see the ' +
        'collector role in docs/elasticsearch.md).',
    );
  });

  it('names an unreadable password file as a config error (exit 2)', async () => {
    const config = collectorConfigFile('missing-file', {
      url: es.url,
      username: COLLECTOR_USER,
      password_file: join(dir, 'absent.password'),
      tls: { ca: es.caFile },
    });
    const run = await runLogship(['collector', '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `elasticsearch.password_file: cannot read the secret file ${join(dir, 'absent.password')} (ENOENT)`,
    );
  });

  it('signs in with a client certificate alone, and keeps the password off the command line, logs and /metrics', async () => {
    const port = await freePort();
    const data = join(dir, 'cert');
    const token = createToken(data, 'admin', 'admin');
    const config = collectorConfigFile('cert', {
      url: es.url,
      tls: { ca: es.caFile, cert: es.clientCertFile, key: es.clientKeyFile },
    });
    const log = join(dir, 'cert.log');
    const child = spawnLogship(
      ['collector', '--config', config],
      { LOGSHIP_LISTEN: `127.0.0.1:${port}`, LOGSHIP_DATA_DIR: data },
      log,
    );
    const url = `http://127.0.0.1:${port}`;
    try {
      const ready = await waitFor(
        'the collector to be ready',
        async () => {
          const res = await fetch(`${url}/readyz`).catch(() => undefined);
          return res?.status === 200 ? await res.json() : undefined;
        },
        60_000,
      );
      expect(ready).toEqual({ status: 'ready' });
      const now = Date.now();
      const events = Array.from({ length: 25 }, (_, i) => ({
        id: `cert-${i}`,
        timestamp: new Date(now - 1000 + i).toISOString(),
        host: 'pki-host',
        message: `signed in by certificate ${i}`,
      }));
      const answer = await postIngest(url, token, events.map((e) => JSON.stringify(e)).join('\n'));
      expect(answer.body).toEqual({ accepted: 25, duplicates: 0, rejected: 0, errors: [] });
      await refreshIndices(`t-secured-${process.pid}-*`, target);
      const found = await fetch(`${url}/api/v1/search?q=certificate&from=now-5m&limit=100`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(((await found.json()) as { total: unknown }).total).toEqual({ value: 25, relation: 'eq' });
      // What `ps` shows: the command and the config file, no secret.
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      expect(cmdline.slice(-3)).toEqual(['collector', '--config', config]);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('logship_collector_elasticsearch_status{status="green"} 1');
      expect(metrics).toMatch(
        /logship_collector_elasticsearch_requests_total\{node="https:\/\/127\.0\.0\.1:19210",outcome="ok"\} [1-9]/,
      );
      for (const secret of Object.values(es.passwords)) {
        expect(metrics).not.toContain(secret);
        expect(readFileSync(log, 'utf8')).not.toContain(secret);
      }
    } finally {
      await stopProcess(child);
    }
  });
});

describe('a collector whose Elasticsearch is unreachable at start', () => {
  it('listens anyway, answers /readyz 503 ES_UNREACHABLE and 503 to writes, and is ready once it can reach it', async () => {
    const port = await freePort();
    const plain = new URL(testEsUrl());
    const proxy = new TcpProxy({ host: plain.hostname, port: Number(plain.port) });
    await proxy.start();
    await proxy.cut();
    const esPort = new URL(proxy.url).port;
    const data = join(dir, 'unreachable');
    const token = createToken(data, 'admin', 'admin');
    const config = collectorConfigFile('unreachable', { url: proxy.url, index_prefix: `t-unreachable-${process.pid}` });
    const child = spawnLogship(
      ['collector', '--config', config],
      { LOGSHIP_LISTEN: `127.0.0.1:${port}`, LOGSHIP_DATA_DIR: data },
      join(dir, 'unreachable.log'),
    );
    const url = `http://127.0.0.1:${port}`;
    try {
      const ready = await waitFor(
        'the collector to listen',
        async () => {
          const res = await fetch(`${url}/readyz`).catch(() => undefined);
          return res ? { status: res.status, body: await res.json() } : undefined;
        },
        30_000,
      );
      expect(ready).toEqual({
        status: 503,
        body: {
          status: 'store_unavailable',
          problem: {
            code: 'ES_UNREACHABLE',
            message: expect.stringContaining(
              `Elasticsearch at http://127.0.0.1:${esPort} is unreachable: connect ECONNREFUSED`,
            ),
          },
        },
      });
      const write = await postIngest<{ error: Record<string, unknown> }>(url, token, '{"message":"while away"}\n');
      expect(write.status).toBe(503);
      expect(write.retryAfter).toBe('5');
      expect(write.body.error).toMatchObject({ code: 'STORE_UNAVAILABLE', store_error: 'ES_UNREACHABLE' });
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('logship_collector_elasticsearch_status{status="unavailable"} 1');
      expect(metrics).toContain('logship_collector_elasticsearch_nodes 0');

      // Elasticsearch comes: the templates go in, the collector is ready and stores.
      await proxy.restore();
      await waitFor(
        'readiness',
        async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined),
        30_000,
      );
      const later = await postIngest(url, token, '{"id":"late-1","message":"after the outage"}\n');
      expect(later.body).toEqual({ accepted: 1, duplicates: 0, rejected: 0, errors: [] });
      const template = await (
        await esTarget('plain')
      ).admin.indices.getIndexTemplate({ name: `t-unreachable-${process.pid}-events` });
      expect(template.index_templates).toHaveLength(1);
    } finally {
      await stopProcess(child);
      await proxy.stop();
      await deleteIndices(`t-unreachable-${process.pid}-*`);
      await (
        await esTarget('plain')
      ).admin.indices.deleteIndexTemplate({ name: `t-unreachable-${process.pid}-*` }, { ignore: [404] });
    }
  });
});
