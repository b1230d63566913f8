import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestEvents, refresh, startTestCollector, type TestCollector } from '../../support/collector-harness.js';
import { runLogship } from '../../support/processes.js';

const logship = runLogship;

describe('logship command line', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'logship-cli-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('answers --help for every command', async () => {
    for (const args of [
      ['--help'],
      ['collector', '--help'],
      ['shipper', '--help'],
      ['standalone', '--help'],
      ['search', '--help'],
      ['context', '--help'],
      ['token', '--help'],
      ['token', 'create', '--help'],
    ]) {
      const run = await logship(args);
      expect([args.join(' '), run.code]).toEqual([args.join(' '), 0]);
      expect(run.stdout).toContain('Usage: logship');
    }
  });

  it('prints only the secret on stdout for token create, lists and revokes by name', async () => {
    const env = { LOGSHIP_DATA_DIR: dataDir };
    const created = await logship(['token', 'create', '--scope', 'read', '--name', 'alice'], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^lsp_[A-Za-z0-9_-]{43}\n$/);
    expect(created.stderr).toContain('Created read token "alice"');
    const listed = await logship(['token', 'list'], env);
    expect(
      listed.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t').slice(0, 2)),
    ).toEqual([['alice', 'read']]);
    expect(listed.stdout).not.toContain(created.stdout.trim());
    expect((await logship(['token', 'revoke', 'alice'], env)).code).toBe(0);
    expect((await logship(['token', 'revoke', 'alice'], env)).code).toBe(1);
    expect((await logship(['token', 'list'], env)).stdout).toBe('');
  });

  it('exits 2 naming the key and the rule for bad config or arguments', async () => {
    const file = join(dataDir, 'bad.yml');
    writeFileSync(file, 'collectors: [ftp://x]\ntoken: t\ninputs: [{paths: ["/tmp/*.log"], formt: json}]\n');
    const bad = await logship(['shipper', '--config', file], { LOGSHIP_TOKEN: '', LOGSHIP_COLLECTOR_URL: '' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('collectors.0: must be an http:// or https:// URL');
    expect(bad.stderr).toContain('inputs.0.formt: unknown key');
    const badScope = await logship(['token', 'create', '--scope', 'root', '--name', 'x'], {
      LOGSHIP_DATA_DIR: dataDir,
    });
    expect(badScope.code).toBe(2);
    expect((await logship(['search', '--limit', 'lots'])).code).toBe(2);
  });

  describe('search against a collector', () => {
    let collector: TestCollector;
    beforeAll(async () => {
      collector = await startTestCollector('cli');
      const now = Date.now();
      const lines = [
        {
          id: 'c1',
          timestamp: new Date(now - 3000).toISOString(),
          host: 'web-1',
          message: 'first \u001b[2J\u001b]0;pwned\u0007 line',
        },
        {
          id: 'c2',
          timestamp: new Date(now - 2000).toISOString(),
          host: 'db-1',
          level: 'error',
          message: 'second line\n  at frame',
        },
        { id: 'c3', timestamp: new Date(now - 1000).toISOString(), host: 'web-1', message: 'third line' },
      ];
      expect((await ingestEvents(collector, lines)).accepted).toBe(3);
      await refresh(collector);
    });
    afterAll(() => collector.dispose());

    it('prints hits oldest first with control characters escaped', async () => {
      const env = { LOGSHIP_COLLECTOR_URL: collector.url, LOGSHIP_TOKEN: collector.tokens.read };
      const run = await logship(['search', 'line', '--from', '5m'], env);
      expect(run.code).toBe(0);
      const out = run.stdout.trimEnd().split('\n');
      expect(out).toHaveLength(4);
      expect(out[0]).toMatch(/ web-1 - {5}first \\x1b\[2J\\x1b\]0;pwned\\x07 line$/);
      expect(out[1]).toMatch(/ db-1 ERROR second line$/);
      expect(out[2]).toBe('      at frame');
      expect(out[3]).toMatch(/ web-1 - {5}third line$/);
      expect(run.stdout).not.toContain('\u001b');
    });

    it('filters by host and prints JSON hits with --json', async () => {
      const env = { LOGSHIP_COLLECTOR_URL: collector.url, LOGSHIP_TOKEN: collector.tokens.read };
      const run = await logship(['search', '--host', 'web-1', '--json', '--limit', '1'], env);
      expect(run.code).toBe(0);
      const hits = run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: string });
      expect(hits.map((h) => h.id)).toEqual(['c3']);
    });

    it('fails with the API error code when the token may not read', async () => {
      const run = await logship(['search'], {
        LOGSHIP_COLLECTOR_URL: collector.url,
        LOGSHIP_TOKEN: collector.tokens.ingest,
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('AUTH_FORBIDDEN');
    });
  });
});
