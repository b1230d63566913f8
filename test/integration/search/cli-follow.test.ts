import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { refresh, startTestCollector, type TestCollector } from '../../support/collector-harness.js';
import { ingestAll } from './search-fixture.js';

const CLI = join(import.meta.dirname, '..', '..', '..', 'bin', 'logship.js');

let collector: TestCollector;
beforeAll(async () => {
  collector = await startTestCollector('cli-follow');
});
afterAll(async () => {
  await collector?.dispose();
});

describe('logship search --follow', () => {
  it('prints the history, then live events from /tail, with control characters escaped', async () => {
    const now = Date.now();
    await ingestAll(
      collector,
      Array.from({ length: 3 }, (_, i) => ({
        id: `old-${i}`,
        timestamp: new Date(now - 60_000 + i).toISOString(),
        host: 'cli-1',
        message: `old line ${i}`,
      })),
    );
    await refresh(collector);
    const child = spawn(process.execPath, [CLI, 'search', 'host:cli-1', '--follow', '--from', '5m'], {
      env: { ...process.env, LOGSHIP_COLLECTOR_URL: collector.url, LOGSHIP_TOKEN: collector.tokens.read },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const lines = () => stdout.split('\n').filter(Boolean);
    const waitFor = async (n: number, ms: number) => {
      const deadline = Date.now() + ms;
      while (lines().length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    };
    try {
      await waitFor(3, 10_000);
      await ingestAll(collector, [
        { id: 'new-1', host: 'cli-1', message: 'new line \u001b[31mred\u001b[0m bell\u0007' },
        { id: 'new-2', host: 'cli-2', message: 'other host' },
      ]);
      await waitFor(4, 5000);
      expect(lines().map((l) => l.replace(/^\S+ /, ''))).toEqual([
        'cli-1 -     old line 0',
        'cli-1 -     old line 1',
        'cli-1 -     old line 2',
        'cli-1 -     new line \\x1b[31mred\\x1b[0m bell\\x07',
      ]);
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
