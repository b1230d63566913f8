import { appendFileSync, copyFileSync, mkdirSync, renameSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { Pipeline } from '../support/pipeline-harness.js';
import { auditSequence } from '../support/sequence-log.js';

const FILES = 3;
const TOTAL = 45_000;
const BURST = 200;
const TICK_MS = 40;

type Step =
  | { at: number; kind: 'rotate' }
  | { at: number; kind: 'kill-shipper'; rotateWhileDown: boolean }
  | { at: number; kind: 'restart-collector'; signal: NodeJS.Signals };

/**
 * 9 rotations (3 per file, rename and copytruncate alternating), 5 shipper SIGKILLs (two of them with a rotation
 * while the shipper is dead, one of those a copytruncate) and 2 collector restarts (SIGTERM, SIGKILL), spread over
 * the writing. The writer never waits for the shipper: kills and restarts happen while lines keep coming.
 */
const PLAN: Step[] = [
  { at: 4_000, kind: 'rotate' },
  { at: 6_000, kind: 'kill-shipper', rotateWhileDown: false },
  { at: 8_000, kind: 'rotate' },
  { at: 11_000, kind: 'kill-shipper', rotateWhileDown: true },
  { at: 14_000, kind: 'restart-collector', signal: 'SIGTERM' },
  { at: 16_000, kind: 'rotate' },
  { at: 19_000, kind: 'kill-shipper', rotateWhileDown: false },
  { at: 22_000, kind: 'kill-shipper', rotateWhileDown: true },
  { at: 25_000, kind: 'rotate' },
  { at: 28_000, kind: 'restart-collector', signal: 'SIGKILL' },
  { at: 31_000, kind: 'rotate' },
  { at: 34_000, kind: 'kill-shipper', rotateWhileDown: true },
  { at: 38_000, kind: 'rotate' },
];

describe('chaos: rotations, shipper kills and collector restarts', () => {
  it('indexes exactly the written lines through 9 rotations, 5 SIGKILLs and 2 collector restarts', async () => {
    const p = new Pipeline('chaos');
    try {
      const logs = join(p.dir, 'logs');
      mkdirSync(logs);
      const files = Array.from({ length: FILES }, (_, i) => join(logs, `app-${i}.log`));
      // Rotated names match the glob too: a copytruncate copy is the only place lines written just before the
      // truncation survive, and a renamed file must not be read twice.
      const glob = [join(logs, 'app-*.log*')];
      await p.startCollector();
      await p.startShipper('chaos-1', glob, { batch: { max_events: 1000, max_bytes: '1MiB', max_wait: '200ms' } });

      let rotations = 0;
      const kinds: string[] = [];
      const rotate = (): void => {
        const r = rotations++;
        const file = files[r % FILES]!;
        if (r % 2 === 0) {
          renameSync(file, `${file}.r${r}`); // logrotate `create`: the writer reopens a new file at the old path
          kinds.push('rename');
        } else {
          copyFileSync(file, `${file}.c${r}`); // logrotate `copytruncate`
          truncateSync(file, 0);
          kinds.push('copytruncate');
        }
      };

      let written = 0;
      const write = (count: number): void => {
        const chunks = files.map(() => [] as string[]);
        const now = new Date().toISOString();
        for (let i = 0; i < count; i++, written++) {
          const f = written % FILES;
          chunks[f]!.push(
            `${now} INFO seq=${String(written).padStart(7, '0')} file=app-${f} user=u${written % 97} GET /api/items/${written % 1009} status=200 took=${written % 250}ms`,
          );
        }
        chunks.forEach((lines, f) => appendFileSync(files[f]!, lines.join('\n') + '\n'));
      };

      // Restarts run in the background while writing goes on; a step waits only for the previous one of its kind.
      let shipperBack: Promise<void> = Promise.resolve();
      let collectorBack: Promise<void> = Promise.resolve();
      let kills = 0;
      let collectorRestarts = 0;
      const plan = [...PLAN];
      while (written < TOTAL) {
        write(Math.min(BURST, TOTAL - written));
        while (plan[0] && written >= plan[0].at) {
          const step = plan.shift()!;
          if (step.kind === 'rotate') rotate();
          else if (step.kind === 'kill-shipper') {
            await shipperBack;
            await p.stopShipper('chaos-1', 'SIGKILL');
            kills++;
            if (step.rotateWhileDown) rotate();
            shipperBack = (async () => {
              await new Promise((r) => setTimeout(r, 300));
              await p.startShipper('chaos-1', glob);
            })();
          } else {
            await collectorBack;
            await p.stopCollector(step.signal);
            collectorRestarts++;
            collectorBack = (async () => {
              await new Promise((r) => setTimeout(r, 500));
              await p.startCollector();
            })();
          }
        }
        await new Promise((r) => setTimeout(r, TICK_MS));
      }
      await Promise.all([shipperBack, collectorBack]);
      expect({ rotations, kills, collectorRestarts }).toEqual({ rotations: 9, kills: 5, collectorRestarts: 2 });
      expect(kinds.filter((k) => k === 'copytruncate')).toHaveLength(4);

      // On a timeout the audit below says what is missing or doubled, which is what a failure must show.
      const reached = await p.waitForTotal(TOTAL, 120_000).catch((err: unknown) => String(err));
      // A late duplicate would push the total past TOTAL: give it a moment to show.
      await new Promise((r) => setTimeout(r, 1500));
      const hits = await p.searchAll({ from: 'now-1h', order: 'asc' });
      const where = new Map<string, string[]>();
      for (const h of hits) {
        const seq = /seq=(\d+)/.exec(h.message)?.[1] ?? '?';
        // The id says whether one document was read twice (paging) or one line was stored under two ids (shipper).
        (where.get(seq) ?? where.set(seq, []).get(seq)!).push(`${h.source?.split('/').pop()}@${h.offset} ${h.id}`);
      }
      const doubled = [...where].filter(([, at]) => at.length > 1);
      if (doubled.length) {
        const bySources = new Map<string, number>();
        for (const [, at] of doubled) {
          const key = at.map((a) => a.split(' ')[0]).join(' + ');
          bySources.set(key, (bySources.get(key) ?? 0) + 1);
        }
        console.log(
          `stored twice: ${doubled.length}, e.g. ${doubled
            .slice(0, 5)
            .map(([s, at]) => `${s}: ${at.join(', ')}`)
            .join('; ')}`,
        );
        console.log(
          [...bySources]
            .slice(0, 10)
            .map(([k, n]) => `${n} × ${k}`)
            .join('\n'),
        );
      }
      // Both together: the stored count (a histogram sum) beside what paging read tells a read fault from a write one.
      expect({ ...auditSequence(hits, TOTAL), reached }).toEqual({
        events: TOTAL,
        distinct: TOTAL,
        duplicates: 0,
        gaps: 0,
        reached: TOTAL,
      });
    } finally {
      await p.dispose();
    }
  }, 170_000);
});
