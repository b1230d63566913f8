/**
 * `npm run screenshots`: refreshes the README's pictures of the web UI in docs/screenshots/ (tests never write
 * there). It starts a collector on the embedded store in a temporary folder, ships twenty minutes of a made-up
 * incident through the ingest API (a database failover seen from six hosts, in nginx's and PostgreSQL's log formats
 * so the parsers fill in their fields), and photographs the UI in Debian's Chromium. It is documentation, not a
 * test: the pictures are only as true as the UI they show.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import type { IngestEvent } from '../protocol/event.js';
import { createToken } from '../collector/auth/token-store.js';
import { collectorConfig } from '../collector/config.js';
import { startCollector } from '../collector/main.js';
import { launchBrowser } from '../test/support/browser.js';

const OUT = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const MINUTES = 20;
/** The primary database goes away this long before now and the API hosts fail for 40 s. */
const FAILOVER_AGO_MS = 7 * 60_000;
const FAILOVER_MS = 40_000;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** nginx's `$time_local` in UTC: `05/Dec/2026:16:20:01 +0000`. */
const nginxTime = (d: Date) =>
  `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
/** PostgreSQL's `%m`: `2026-12-05 16:20:01.123 UTC`. */
const pgTime = (d: Date) => `${d.toISOString().slice(0, 23).replace('T', ' ')} UTC`;

/** A small deterministic random source, so every refresh shows the same incident. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

/** Twenty minutes of two web servers, two API servers and two databases, with a failover of db-1 to db-2. */
function incident(now: number): IngestEvent[] {
  const rnd = random(17);
  const events: IngestEvent[] = [];
  const start = now - MINUTES * 60_000;
  const down = now - FAILOVER_AGO_MS;
  const failing = (t: number) => t >= down && t < down + FAILOVER_MS;
  const paths = ['/api/orders', '/api/orders/4711', '/api/cart', '/api/users/me', '/login', '/static/app.js'];
  const agents = ['Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0', 'curl/8.5.0', 'Go-http-client/1.1'];
  let offset = 0;
  for (let t = start; t < now; t += 400 + Math.floor(rnd() * 500)) {
    const host = rnd() < 0.5 ? 'web-1' : 'web-2';
    const path = paths[Math.floor(rnd() * paths.length)]!;
    const status = failing(t) && path.startsWith('/api') ? (rnd() < 0.7 ? 502 : 504) : rnd() < 0.03 ? 404 : 200;
    const ip = `203.0.113.${Math.floor(rnd() * 250)}`;
    const line = `${ip} - - [${nginxTime(new Date(t))}] "GET ${path} HTTP/1.1" ${status} ${200 + Math.floor(rnd() * 9000)} "-" "${agents[Math.floor(rnd() * agents.length)]}"`;
    events.push({
      host,
      service: 'nginx',
      source: '/var/log/nginx/access.log',
      offset: (offset += line.length + 1),
      format: 'nginx',
      message: line,
    });
    const api = rnd() < 0.5 ? 'api-1' : 'api-2';
    if (failing(t) && path.startsWith('/api')) {
      events.push({
        host: api,
        service: 'orders',
        source: '/var/log/orders/app.log',
        timestamp: new Date(t - 3).toISOString(),
        level: 'error',
        message: `Request GET ${path} failed: could not get a connection from the pool\norg.postgresql.util.PSQLException: Connection to db-1:5432 refused\n\tat org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:319)\n\tat com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:181)`,
      });
    } else if (rnd() < 0.35) {
      events.push({
        host: api,
        service: 'orders',
        source: '/var/log/orders/app.log',
        timestamp: new Date(t - 3).toISOString(),
        level: rnd() < 0.05 ? 'warn' : 'info',
        message: `GET ${path} ${status} in ${5 + Math.floor(rnd() * 80)} ms`,
      });
    }
  }
  const pg = (host: string, t: number, pid: number, severity: string, text: string) =>
    events.push({
      host,
      service: 'postgres',
      source: '/var/log/postgresql/postgresql-15-main.log',
      format: 'postgres',
      message: `${pgTime(new Date(t))} [${pid}] ${severity}:  ${text}`,
    });
  for (let t = start; t < now; t += 15_000 + Math.floor(rnd() * 20_000)) {
    if (t < down) pg('db-1', t, 2211, 'LOG', `checkpoint complete: wrote ${Math.floor(rnd() * 900)} buffers`);
    else
      pg(
        'db-2',
        t,
        3310,
        'LOG',
        `duration: ${(rnd() * 40).toFixed(3)} ms  statement: SELECT * FROM orders WHERE id = $1`,
      );
  }
  pg('db-1', down - 1200, 2211, 'LOG', 'received fast shutdown request');
  pg('db-1', down - 900, 2240, 'FATAL', 'terminating connection due to administrator command');
  pg('db-1', down, 2211, 'LOG', 'database system is shut down');
  pg('db-2', down + FAILOVER_MS - 2000, 3301, 'LOG', 'received promote request');
  pg('db-2', down + FAILOVER_MS - 400, 3301, 'LOG', 'selected new timeline ID: 2');
  pg('db-2', down + FAILOVER_MS, 3300, 'LOG', 'database system is ready to accept connections');
  return events.map((e, i) => ({ id: `demo-${i}`, ...e }));
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(OUT, name) });
  process.stderr.write(`Wrote docs/screenshots/${name}\n`);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'logship-screenshots-'));
  const ingest = createToken(dataDir, 'screenshots', 'ingest');
  const read = createToken(dataDir, 'alice', 'read');
  const collector = await startCollector(
    collectorConfig({ listen: '127.0.0.1:0', data_dir: dataDir }),
    pino({ level: 'warn' }),
  );
  let browser: Browser | undefined;
  try {
    const now = Date.now();
    const events = incident(now);
    const res = await fetch(`${collector.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${ingest}` },
      body: events.map((e) => JSON.stringify(e)).join('\n'),
    });
    const answer = (await res.json()) as { accepted: number };
    if (answer.accepted !== events.length) throw new Error(`ingest accepted ${answer.accepted} of ${events.length}`);
    mkdirSync(OUT, { recursive: true });
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${collector.url}/login`);
    await page.fill('#token', read);
    await page.click('button[type=submit]');
    await page.waitForSelector('.hit');

    const range = '&from=now-15m';
    await page.goto(`${collector.url}/?q=${encodeURIComponent('level:(error OR fatal)')}${range}`);
    await page.waitForSelector('.legend-item');
    await page.waitForSelector('[data-facet="host"] .facet-include');
    const first = await page.locator('.hit').first().getAttribute('data-id');
    await page.goto(`${collector.url}/?q=${encodeURIComponent('level:(error OR fatal)')}${range}&event=${first}`);
    await page.waitForSelector('.details .detail-table');
    await page.waitForSelector('[data-facet="host"] .facet-include');
    await shoot(page, 'search.png');

    await page.goto(
      `${collector.url}/?q=${encodeURIComponent('host:("web-1" OR "web-2") AND -url.path:"/static/app.js"')}${range}&facet=http.response.status_code&by=level`,
    );
    await page.waitForSelector('[data-facet="http.response.status_code"] .facet-include');
    const plot = await page.locator('.histogram .u-over').boundingBox();
    if (plot) await page.mouse.move(plot.x + plot.width * 0.65, plot.y + plot.height / 2);
    await shoot(page, 'facets.png');

    const failover = await fetch(
      `${collector.url}/api/v1/search?q=${encodeURIComponent('"database system is shut down"')}&from=now-30m`,
      { headers: { authorization: `Bearer ${read}` } },
    );
    const anchor = ((await failover.json()) as { hits: { id: string }[] }).hits[0]!.id;
    await page.goto(`${collector.url}/context/${anchor}?span=window%3A1m`);
    await page.waitForSelector('.context-list .hit.anchor');
    await shoot(page, 'context-merged.png');
    await page.goto(`${collector.url}/context/${anchor}?span=events%3A200&mode=lanes`);
    await page.waitForSelector('.lanes .lane-event.anchor');
    await shoot(page, 'context-lanes.png');

    await page.goto(`${collector.url}/hosts`);
    await page.waitForSelector('.hosts tbody tr');
    await shoot(page, 'hosts.png');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${collector.url}/?q=${encodeURIComponent('level:(error OR fatal)')}${range}`);
    await page.waitForSelector('.legend-item');
    await shoot(page, 'phone.png');
  } finally {
    await browser?.close();
    await collector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
