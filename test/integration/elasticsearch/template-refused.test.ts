import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { testEsUrl } from '../../support/elasticsearch.js';
import { runLogship } from '../../support/processes.js';

/**
 * A cluster that refuses logship's index templates (here: another template already matches the same indices at the
 * same priority) stops `logship collector` at start with its code and the cluster's reason, not a stack trace.
 */
const prefix = `t-clash-${process.pid}`;
let es: string;
let dir: string;

async function esRequest(method: string, path: string, body?: unknown): Promise<number> {
  const res = await fetch(`${es}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  es = testEsUrl();
  dir = mkdtempSync(join(tmpdir(), 'logship-clash-'));
  expect(
    await esRequest('PUT', `/_index_template/${prefix}-other`, { index_patterns: [`${prefix}-*`], priority: 100 }),
  ).toBe(200);
});
afterAll(async () => {
  await esRequest('DELETE', `/_index_template/${prefix}-*`);
  rmSync(dir, { recursive: true, force: true });
});

it('stops at start with ES_TEMPLATE_REFUSED and the cluster reason when its templates are refused', async () => {
  const file = join(dir, 'collector.yml');
  writeFileSync(
    file,
    stringify({ listen: '127.0.0.1:0', data_dir: join(dir, 'data'), elasticsearch: { url: es, index_prefix: prefix } }),
  );
  const run = await runLogship(['collector', '--config', file], {}, [], 60_000);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(
    `ES_TEMPLATE_REFUSED: Elasticsearch refused logship's index templates for "${prefix}-*": index template ` +
      `[${prefix}-events] has index patterns [${prefix}-*] matching patterns from existing templates [${prefix}-other]`,
  );
  expect(run.stderr).toContain('choose another elasticsearch.index_prefix');
  // The answer and no stack trace of the client.
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(await esRequest('GET', `/_index_template/${prefix}-events`)).toBe(404);
});
