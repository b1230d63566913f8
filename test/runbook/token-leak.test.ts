import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { createToken } from '../../collector/auth/token-store.js';
import { Fleet } from '../support/fleet-harness.js';
import { runLogship, waitFor } from '../support/processes.js';
import { appendTimedLines, auditSequence } from '../support/sequence-log.js';

const TOTAL = 20_000;
const HOST = 'leak-1';

/**
 * docs/runbook.md, "A token leaks": two collectors behind nginx share the data directory. The shipper's ingest token
 * and a person's read token leak. The operator creates a new ingest token, restarts the shipper with it, revokes both
 * leaked tokens: every collector refuses them within seconds without a restart, the UI session made from the read
 * token ends, the refused attempts are counted and logged with the address they came from, and no line is lost.
 */
describe('runbook: a token leaks', () => {
  it('rotates the ingest token and revokes the leaked ones on every collector, with no line lost', async () => {
    const fleet = new Fleet('token-leak');
    const attacker = new Agent({ localAddress: '127.0.0.4' });
    try {
      await fleet.start();
      const env = { LOGSHIP_DATA_DIR: fleet.collectorDataDir };
      const logs = join(fleet.dir, 'logs');
      mkdirSync(logs);
      const file = join(logs, 'app.log');
      await fleet.startShipper(HOST, [file], { batch: { max_events: 500, max_bytes: '1MiB', max_wait: '200ms' } });
      const writing = appendTimedLines(file, 0, TOTAL, 500, 100);
      const leakedIngest = fleet.tokens.ingest;
      const alice = createToken(fleet.collectorDataDir, 'alice', 'read');
      const login = await fetch(`${fleet.url}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: alice }),
      });
      const leakedSession = login.headers.get('set-cookie')!.split(';')[0]!;
      const asAttacker = (token: string | undefined, cookie?: string) =>
        request(`${fleet.url}/api/v1/${token ? 'ingest' : 'search'}`, {
          method: token ? 'POST' : 'GET',
          headers: token
            ? { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }
            : { cookie: cookie! },
          ...(token ? { body: '{"message":"from the attacker"}\n' } : {}),
          dispatcher: attacker,
        }).then(async (r) => {
          await r.body.dump();
          return r.statusCode;
        });
      expect(await asAttacker(leakedIngest)).toBe(200);
      expect(await asAttacker(undefined, leakedSession)).toBe(200);

      // 1. A new token for the shipper; 2. the shipper restarted with it (SIGTERM: it finishes its batch first).
      await waitFor(
        'lines to flow',
        async () => ((await fleet.search({ from: 'now-1h', limit: '1' })).total.value > 2000 ? true : undefined),
        60_000,
      );
      const created = await runLogship(['token', 'create', '--scope', 'ingest', '--name', `${HOST}-2`], env);
      expect(created.code).toBe(0);
      const fresh = created.stdout.trim();
      expect(await fleet.stopShipper(HOST, 'SIGTERM')).toBe(0);
      await fleet.startShipper(HOST, [file], {}, { LOGSHIP_TOKEN: fresh });

      // 3. The leaked tokens revoked; every collector refuses them within seconds, no restart.
      for (const name of ['ingest', 'alice']) expect((await runLogship(['token', 'revoke', name], env)).code).toBe(0);
      const revokedAt = Date.now();
      const refusedAfter: number[] = [];
      for (let i = 0; i < fleet.size; i++) {
        refusedAfter.push(
          await waitFor(
            `collector ${i} to refuse the revoked token`,
            async () => {
              const res = await fetch(`${fleet.collectorUrl(i)}/api/v1/ingest`, {
                method: 'POST',
                headers: { authorization: `Bearer ${leakedIngest}`, 'content-type': 'application/x-ndjson' },
                body: '{"message":"probe"}\n',
              });
              await res.body?.cancel();
              if (res.status !== 401) return undefined;
              // The session too: the two revokes may have been read one at a time.
              const session = await fetch(`${fleet.collectorUrl(i)}/api/v1/search`, {
                headers: { cookie: leakedSession },
              });
              await session.body?.cancel();
              return session.status === 401 ? Date.now() - revokedAt : undefined;
            },
            10_000,
            50,
          ),
        );
      }
      // The attacker, through nginx, is refused on either collector; so is the session made with the read token.
      for (let i = 0; i < 4; i++) {
        expect(await asAttacker(leakedIngest)).toBe(401);
        expect(await asAttacker(undefined, leakedSession)).toBe(401);
      }

      await writing;
      const reached = await fleet.waitForTotal(TOTAL + 1, 120_000, { q: 'NOT probe' }).catch((e: unknown) => String(e));
      const hits = await fleet.searchAll({ from: 'now-1h', order: 'asc', q: 'NOT probe' });
      expect(auditSequence(hits, TOTAL)).toEqual({ events: TOTAL, distinct: TOTAL, duplicates: 0, gaps: 0 });
      // The attacker's one line from before the revoke is there to be found and deleted; nothing after it.
      expect(hits.filter((h) => h.message === 'from the attacker')).toHaveLength(1);
      expect(reached).toBe(TOTAL + 1);

      // What the operator sees: refused tokens counted, and logged with the address they came from.
      const answers = { AUTH_INVALID: 0, AUTH_MISSING: 0 };
      for (let i = 0; i < fleet.size; i++) {
        const text = await fetch(`${fleet.collectorUrl(i)}/metrics`).then((r) => r.text());
        for (const code of ['AUTH_INVALID', 'AUTH_MISSING'] as const) {
          const m = new RegExp(`^logship_collector_error_answers_total\\{status="401",code="${code}"\\} (\\d+)`, 'm');
          answers[code] += Number(m.exec(text)?.[1] ?? 0);
        }
      }
      // 4 leaked-token requests and at least one refused probe per collector; 4 requests with the ended session and
      // one per collector from the probes.
      expect(answers.AUTH_INVALID).toBeGreaterThanOrEqual(4 + fleet.size);
      expect(answers.AUTH_MISSING).toBe(4 + fleet.size);
      const logged = ['collector.log', 'collector-1.log']
        .map((f) => readFileSync(join(fleet.dir, f), 'utf8'))
        .join('')
        .split('\n')
        .filter((l) => l.includes('unknown or revoked token') && l.includes('"client":"127.0.0.4"'));
      expect(logged.length).toBeGreaterThan(0);
      console.log(
        `token leak: revoked tokens refused by the collectors ${refusedAfter.join(' and ')} ms after the revoke, ` +
          `${TOTAL} of ${TOTAL} lines stored once across the shipper's token change, ${answers.AUTH_INVALID} refused tokens counted`,
      );
    } finally {
      await attacker.close();
      await fleet.dispose();
    }
  }, 300_000);
});
