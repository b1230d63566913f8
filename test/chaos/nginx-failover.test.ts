import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { ApiClient } from '../../cli/api-client.js';
import { launchBrowser, sessionCookie } from '../support/browser.js';
import { Fleet } from '../support/fleet-harness.js';
import { runLogship, waitFor } from '../support/processes.js';
import { appendTimedLines, auditSequence } from '../support/sequence-log.js';

const TOTAL = 100_000;
const HOST = 'fleet-1';

let fleet: Fleet;
/** Run before the fleet stops, whether a test passed or not (a live tail left running holds jest open). */
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  // Short keep-alive comments: a tail's collector is found by its open stream, and the test takes minutes.
  fleet = new Fleet('nginx-failover', 2, { search: { tail_heartbeat: '2s' } });
  await fleet.start();
}, 90_000);

afterAll(async () => {
  for (const cleanup of cleanups) cleanup();
  await fleet?.dispose();
});

/** A gauge's value in collector `index`'s /metrics (0 when absent). */
async function gauge(index: number, name: string): Promise<number> {
  const text = await fetch(`${fleet.collectorUrl(index)}/metrics`).then((r) => r.text());
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** Sums the series of a counter in collector `index`'s /metrics whose labels contain `match`. */
async function counter(index: number, name: string, match = ''): Promise<number> {
  const text = await fetch(`${fleet.collectorUrl(index)}/metrics`).then((r) => r.text());
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(`${name}{`) && line.includes(match)) sum += Number(line.split(' ').at(-1));
  return sum;
}

describe('two collectors behind nginx', () => {
  it('stores exactly 100,000 lines while the collector holding a live tail is SIGKILLed mid-write and restarted; the tail misses none', async () => {
    const logs = join(fleet.dir, 'logs');
    mkdirSync(logs);
    const file = join(logs, 'app.log');

    // The live tail through nginx, with the CLI's own client: it reconnects with Last-Event-ID when its stream ends.
    const client = new ApiClient(fleet.url, fleet.tokens.read);
    const received: string[] = [];
    let opens = 0;
    const stopTail = new AbortController();
    cleanups.push(() => stopTail.abort());
    let firstOpen!: () => void;
    const opened = new Promise<void>((resolve) => (firstOpen = resolve));
    const following = client.tail(
      { q: `host:${HOST}` },
      (hit) => received.push(hit.id),
      stopTail.signal,
      () => {
        opens++;
        firstOpen();
      },
    );
    await opened;
    const victim = await waitFor('the collector that holds the tail', () => fleet.collectorWithTail(), 10_000);
    const survivor = 1 - victim;

    await fleet.startShipper(HOST, [file], { batch: { max_events: 1000, max_bytes: '1MiB', max_wait: '200ms' } });
    const started = Date.now();
    // Half the lines now, the rest once the victim is back, so that both halves of the story are told.
    const firstHalf = appendTimedLines(file, 0, TOTAL / 2, 1000, 100);

    // Mid-stream: a fifth of the lines stored, and the victim writing a bulk request at the moment of the kill.
    await waitFor(
      'a fifth of the lines to be stored',
      async () => ((await fleet.search({ from: 'now-1h', limit: '1' })).total.value >= TOTAL / 5 ? true : undefined),
      120_000,
      100,
    );
    await waitFor(
      'a write under way on the victim',
      async () => ((await gauge(victim, 'logship_collector_store_writes_active')) > 0 ? true : undefined),
      20_000,
      5,
    );
    const killedAt = Date.now();
    await fleet.stopCollector('SIGKILL', victim);
    const storedAtKill = (await fleet.search({ from: 'now-1h', limit: '1' })).total.value;
    // Two requests in a row: round robin sends one of them to the dead collector unless a shipper's request already
    // found it dead, so either way nginx's passive health check has seen it fail.
    for (let i = 0; i < 2; i++) expect((await fetch(`${fleet.url}/readyz`)).status).toBe(200);
    // The survivor keeps storing through nginx while the victim is dead.
    await waitFor(
      'the survivor to store more lines',
      async () =>
        (await fleet.search({ from: 'now-1h', limit: '1' })).total.value > storedAtKill + 5000 ? true : undefined,
      60_000,
      100,
    );
    const survivorTookOverMs = Date.now() - killedAt;
    await fleet.startCollector({}, victim);
    const backAfterMs = Date.now() - killedAt;
    await firstHalf;
    // Paced over ~10 s: nginx tries the victim again once its fail_timeout (5 s) has passed.
    const secondHalf = appendTimedLines(file, TOTAL / 2, TOTAL, 1000, 200);
    const rejoinedMs = await waitFor(
      'the restarted victim to store lines again',
      async () =>
        (await counter(victim, 'logship_collector_ingest_events_total', `host="${HOST}"`)) > 0
          ? Date.now() - killedAt - backAfterMs
          : undefined,
      60_000,
      100,
    );
    await secondHalf;

    const reached = await fleet.waitForTotal(TOTAL, 180_000).catch((err: unknown) => String(err));
    const allStoredMs = Date.now() - started;
    await new Promise((r) => setTimeout(r, 1500)); // a late duplicate would show by now
    const audit = auditSequence(await fleet.searchAll({ from: 'now-1h', order: 'asc' }), TOTAL);
    expect(audit).toEqual({ events: TOTAL, distinct: TOTAL, duplicates: 0, gaps: 0 });
    expect(reached).toBe(TOTAL);

    // The tail: every one of the 100,000 events, across the reconnect to the survivor.
    await waitFor(
      'the tail to deliver every event',
      async () => (new Set(received).size >= TOTAL ? true : undefined),
      120_000,
      250,
    ).catch(() => undefined);
    stopTail.abort();
    await following.catch(() => undefined);
    const distinct = new Set(received).size;
    if (distinct !== TOTAL)
      console.log(`tail: ${distinct} distinct of ${received.length} received in ${opens} streams`);
    expect(distinct).toBe(TOTAL);
    expect(opens).toBeGreaterThanOrEqual(2);

    // nginx sent the victim's refused or cut requests to the survivor; the restarted victim took requests again.
    const victimAddress = new URL(fleet.collectorUrl(victim)).host;
    const access = fleet.nginx!.accessLog();
    const ingest = access.filter((l) => l.request.startsWith('POST /api/v1/ingest'));
    const retried = ingest.filter((l) => l.upstreams.length > 1);
    // No shipper request failed; every request that met the dead collector (a shipper's or one of the two probes
    // above, so at least one) went on to the survivor and was answered there.
    expect(ingest.every((l) => l.status === 200)).toBe(true);
    const failedOver = access.filter((l) => l.upstreams.length > 1);
    expect(failedOver.length).toBeGreaterThan(0);
    expect(failedOver.filter((l) => l.upstreams[0] !== victimAddress || l.upstreamStatuses.at(-1) !== '200')).toEqual(
      [],
    );
    expect(fleet.nginx!.errorLog()).toContain(`upstream: "http://${victimAddress}/`);
    const cutMidRequest = (fleet.nginx!.errorLog().match(/upstream prematurely closed|Connection reset by peer/g) ?? [])
      .length;
    console.log(
      `nginx failover: ${TOTAL} lines written, ${audit.distinct} stored once, ${audit.duplicates} duplicates, ` +
        `${audit.gaps} lost; tail ${distinct} of ${TOTAL} (${received.length - distinct} repeats, ${opens} streams); ` +
        `${ingest.length} ingest requests, ${retried.length} retried on the survivor (${cutMidRequest} cut mid-request); ` +
        `survivor stored 5,000 more ${survivorTookOverMs} ms after the kill, victim ready again after ${backAfterMs} ms and storing ${rejoinedMs} ms later, ` +
        `all stored ${allStoredMs} ms after the first line (survivor ${survivor})`,
    );
  }, 420_000);

  it('honours a UI session made through one collector on the other, and on the survivor of a kill', async () => {
    const session = await sessionCookie(fleet.url, fleet.tokens.read);
    const cookie = `logship_session=${session}`;
    for (const i of [0, 1]) {
      const res = await fetch(`${fleet.collectorUrl(i)}/api/v1/search?q=*&limit=1`, { headers: { cookie } });
      expect(res.status).toBe(200);
    }
    // The UI in Chromium through nginx, with that cookie: the search page counts every event of the last hour.
    const total = (await fleet.search({ from: 'now-1h', limit: '1' })).total;
    expect(total.relation).toBe('eq');
    const summary = `${total.value.toLocaleString('en-US')} events`;
    const browser = await launchBrowser();
    cleanups.push(() => void browser.close());
    const page = await (await browser.newContext()).newPage();
    await page.context().addCookies([{ name: 'logship_session', value: session, url: fleet.url }]);
    // Exactly that text (a locator of its own: this suite is type-checked without the DOM's types).
    const shows = (text: string) =>
      page
        .locator('.summary')
        .filter({ hasText: new RegExp(`^${text}$`) })
        .waitFor({ timeout: 30_000 });
    await page.goto(`${fleet.url}/?from=now-1h`);
    await shows(summary);
    await fleet.stopCollector('SIGKILL', 0);
    try {
      // Through nginx, every request now lands on collector 1.
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${fleet.url}/api/v1/session`, { headers: { cookie } });
        expect(await res.json()).toMatchObject({ signed_in: true, name: 'read' });
      }
      // The page loaded again, still signed in, with the same count from the survivor.
      await page.reload();
      await shows(summary);
      await expect(page.locator('.hit').count()).resolves.toBeGreaterThan(0);
    } finally {
      await browser.close();
      await fleet.startCollector({}, 0);
    }
  }, 90_000);

  it('terminates TLS in nginx: the cookie is Secure there, and X-Forwarded-For/-Proto count only from nginx', async () => {
    const tlsDir = join(fleet.dir, 'tls');
    const made = await runLogship(['tls', 'init', '--out', tlsDir, '--server-ip', '127.0.0.1']);
    expect(made.code).toBe(0);
    const { startNginx } = await import('../support/nginx.js');
    const upstreams = [0, 1].map((i) => new URL(fleet.collectorUrl(i)).host);
    const tlsNginx = await startNginx({
      upstreams,
      tls: { cert: join(tlsDir, 'server.pem'), key: join(tlsDir, 'server-key.pem') },
    });
    // Clients on other loopback addresses than nginx's own (127.0.0.1), so the collectors can tell them apart.
    const ca = readFileSync(join(tlsDir, 'ca.pem'));
    const agents = new Map(['127.0.0.2', '127.0.0.3'].map((a) => [a, new Agent({ localAddress: a, connect: { ca } })]));
    const from = (address: string) => agents.get(address)!;
    try {
      const session = (url: string, address: string, headers: Record<string, string> = {}) =>
        request(`${url}/api/v1/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ token: fleet.tokens.read }),
          dispatcher: from(address),
        });
      const viaTls = await session(tlsNginx.url, '127.0.0.3');
      await viaTls.body.dump();
      expect(viaTls.statusCode).toBe(204);
      expect(String(viaTls.headers['set-cookie'])).toMatch(/; Secure/);
      // A client claiming HTTPS to a collector directly is not believed.
      const forged = await session(fleet.collectorUrl(0), '127.0.0.2', { 'x-forwarded-proto': 'https' });
      await forged.body.dump();
      expect(forged.statusCode).toBe(204);
      expect(String(forged.headers['set-cookie'])).not.toMatch(/Secure/);

      // An unknown token is logged with the client's address: nginx's word for it, never the client's own claim.
      const bad = (url: string, address: string) =>
        request(`${url}/api/v1/search`, {
          headers: { authorization: 'Bearer lsp_leaked', 'x-forwarded-for': '203.0.113.7' },
          dispatcher: from(address),
        }).then(async (r) => {
          await r.body.dump();
          return r.statusCode;
        });
      expect(await bad(tlsNginx.url, '127.0.0.3')).toBe(401);
      expect(await bad(fleet.collectorUrl(1), '127.0.0.2')).toBe(401);
      const logged = await waitFor(
        'the refused tokens in the collector logs',
        async () => {
          const text = ['collector.log', 'collector-1.log']
            .map((f) => readFileSync(join(fleet.dir, f), 'utf8'))
            .join('');
          const clients = [...text.matchAll(/"client":"([^"]+)"[^\n]*unknown or revoked token/g)].map((m) => m[1]);
          return clients.length >= 2 ? clients : undefined;
        },
        5000,
      );
      expect(logged.sort()).toEqual(['127.0.0.2', '127.0.0.3']);
    } finally {
      for (const agent of agents.values()) await agent.close();
      await tlsNginx.stop();
    }
  }, 60_000);
});
