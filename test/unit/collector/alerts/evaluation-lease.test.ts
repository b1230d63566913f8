import pino from 'pino';
import { Registry } from 'prom-client';
import { AlertMetrics } from '../../../../collector/alerts/alert-metrics.js';
import { EvaluationLease } from '../../../../collector/alerts/evaluation-lease.js';
import type { AlertRecord, AlertRecordKind } from '../../../../collector/store/alert-records.js';
import type { LogStore } from '../../../../collector/store/log-store.js';

/** The alert-record part of a store, in memory, with versions that never repeat; `failing` makes calls throw. */
class MemoryRecords {
  private readonly records = new Map<string, { version: string; body: unknown }>();
  private next = 1;
  failing = false;

  private check(): void {
    if (this.failing) throw new Error('store unreachable');
  }

  async getAlertRecord(kind: AlertRecordKind, id: string): Promise<AlertRecord | null> {
    this.check();
    const r = this.records.get(`${kind}:${id}`);
    return r ? { kind, id, version: r.version, body: structuredClone(r.body) } : null;
  }

  async putAlertRecord(
    kind: AlertRecordKind,
    id: string,
    body: object,
    expected: string | null,
  ): Promise<string | null> {
    this.check();
    const key = `${kind}:${id}`;
    if ((this.records.get(key)?.version ?? null) !== expected) return null;
    const version = String(this.next++);
    this.records.set(key, { version, body: structuredClone(body) });
    return version;
  }
}

const TTL = 1500;
const logger = pino({ level: 'silent' });

function setup() {
  const store = new MemoryRecords();
  let now = 0;
  const clock = () => now;
  const lease = (name: string) =>
    new EvaluationLease(store as unknown as LogStore, TTL, new AlertMetrics(new Registry()), logger, name, clock);
  return { store, lease, advance: (ms: number) => (now += ms), now: () => now };
}

describe('evaluation lease', () => {
  it('is held by one collector at a time; the other takes it a TTL after the holder stopped renewing', async () => {
    const { lease, advance, now } = setup();
    const a = lease('a');
    const b = lease('b');
    let bTookAt: number | null = null;
    for (let step = 0; step < 200; step++) {
      // Every 500 ms (a third of the TTL) each live collector refreshes; A dies at 8 s.
      if (step % 5 === 0) {
        if (now() < 8000) await a.refresh();
        await b.refresh();
      }
      expect(a.held && b.held).toBe(false);
      if (b.held && bTookAt === null) bTookAt = now();
      advance(100);
    }
    expect(a.generation).toBe(1);
    expect(b.generation).toBe(2);
    // A last renewed at 7.5 s; B saw that version at 7.5 s and takes over once it saw it unchanged for a TTL.
    expect(bTookAt).toBe(9000);
  });

  it('is taken at once after a clean release', async () => {
    const { lease, advance } = setup();
    const a = lease('a');
    const b = lease('b');
    expect(await a.refresh()).toBe(true);
    expect(await b.refresh()).toBe(false);
    advance(100);
    await a.release();
    expect(a.held).toBe(false);
    expect(await b.refresh()).toBe(true);
    expect(b.generation).toBe(2);
  });

  it('stops a holder that cannot renew before anyone else may take over', async () => {
    const { store, lease, advance, now } = setup();
    const a = lease('a');
    const b = lease('b');
    await a.refresh();
    await b.refresh();
    advance(500);
    await a.refresh(); // renewed at 500: valid until 500 + 0.8 × TTL = 1700
    await b.refresh(); // B sees the version written at 500 from 500 on
    store.failing = true;
    advance(500);
    expect(await a.refresh()).toBe(true);
    advance(700); // 1700
    expect(a.held).toBe(false);
    store.failing = false;
    advance(200); // 1900: A is down for good, but B has seen its version only since 500
    expect(await b.refresh()).toBe(false);
    advance(100); // 2000: a whole TTL since B saw it
    expect(await b.refresh()).toBe(true);
    expect(now()).toBe(2000);
    expect(await a.refresh()).toBe(false);
    expect(a.generation).toBe(1);
    expect(b.generation).toBe(2);
  });

  it('lets only one of two collectors that find it free take it', async () => {
    const { lease } = setup();
    const a = lease('a');
    const b = lease('b');
    const held = await Promise.all([a.refresh(), b.refresh()]);
    expect(held.filter(Boolean)).toHaveLength(1);
  });
});
