import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { LogStore } from '../store/log-store.js';
import { leaseSchema, type LeaseDocument } from './alert-documents.js';
import type { AlertMetrics } from './alert-metrics.js';

/** The id of the one lease record. */
export const LEASE_ID = 'evaluator';

/**
 * The holder acts only within this share of the TTL after it began a successful write; the rest is the margin
 * that absorbs a pause between its own check and its action, and clocks that run at slightly different rates.
 */
const VALID_SHARE = 0.8;

/** A name for this collector process in the lease: its host, pid and a random part (pids repeat after restarts). */
export function holderName(): string {
  return `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
}

/**
 * Which collector evaluates rules and sends notifications: the one holding the lease record in the store.
 *
 * No decision compares wall clocks of two machines. The holder renews every third of the TTL; each write gives the
 * record a new version. Another collector takes the lease only after it has seen the same version for a whole TTL
 * on its own monotonic clock (or finds it released), and only by a conditional write on that version, so two
 * collectors can never both take it. The holder counts its own time from the moment it began its last successful
 * write and stops acting after VALID_SHARE of the TTL: a taker, which began counting only after reading that
 * write, cannot start before the holder stopped. Each taking raises the `token` (the lease generation), which the
 * state records carry so a writer of an older generation notices it lost the lease.
 */
export class EvaluationLease {
  readonly holder: string;
  private token = 0;
  private version: string | null = null;
  /** Monotonic ms until which this collector may act as the evaluator. */
  private validUntil = -Infinity;
  private acquiredAt = 0;
  private sinceWall = '';
  /** The record version another holder last wrote, and when this collector first saw it (monotonic ms). */
  private observed: { version: string; at: number } | null = null;
  private failing = false;

  constructor(
    private readonly store: LogStore,
    private readonly ttlMs: number,
    private readonly metrics: AlertMetrics,
    private readonly logger: Logger,
    holder: string = holderName(),
    private readonly now: () => number = () => performance.now(),
  ) {
    this.holder = holder;
  }

  /** Whether this collector may evaluate and send now. */
  get held(): boolean {
    return this.now() < this.validUntil;
  }

  /** The generation of the lease this collector holds (0 before it ever held one). */
  get generation(): number {
    return this.token;
  }

  /** How long this collector has held the lease without a break (0 when it does not hold it). */
  heldForMs(): number {
    return this.held ? this.now() - this.acquiredAt : 0;
  }

  /** Renews the lease, or takes it when it is free, released or unrenewed for a TTL. Resolves with `held`. */
  async refresh(): Promise<boolean> {
    const wasHeld = this.held;
    try {
      await this.refreshOnce();
      if (this.failing) this.logger.info('The alert lease record can be read and written again.');
      this.failing = false;
    } catch (err) {
      if (!this.failing) {
        this.logger.warn({ err: (err as Error).message }, 'The alert lease could not be renewed or checked; retrying.');
      }
      this.failing = true;
    }
    const held = this.held;
    if (wasHeld && !held) {
      this.logger.warn({ holder: this.holder, token: this.token }, 'This collector lost the alert evaluation lease.');
    }
    this.metrics.leaseHeld.set(held ? 1 : 0);
    return held;
  }

  /** Gives the lease up (a clean stop), so another collector takes it at once instead of after a TTL. */
  async release(): Promise<void> {
    if (!this.held || this.version === null) return;
    this.validUntil = -Infinity;
    this.metrics.leaseHeld.set(0);
    const record = await this.store.getAlertRecord('lease', LEASE_ID);
    const doc = record ? leaseSchema.safeParse(record.body) : null;
    if (!record || !doc?.success || doc.data.holder !== this.holder || doc.data.token !== this.token) return;
    await this.store.putAlertRecord('lease', LEASE_ID, { ...doc.data, released: true }, record.version);
  }

  private async refreshOnce(): Promise<void> {
    const started = this.now();
    const record = await this.store.getAlertRecord('lease', LEASE_ID);
    if (!record) {
      await this.take(started, 1, null);
      return;
    }
    const parsed = leaseSchema.safeParse(record.body);
    if (!parsed.success) {
      // A damaged record is taken over like an expired one, after a TTL of seeing it unchanged.
      this.logger.error({ version: record.version }, 'The alert lease record is unreadable; it is replaced.');
    }
    const doc = parsed.success ? parsed.data : null;
    if (doc && doc.holder === this.holder && doc.token === this.token && record.version === this.version) {
      await this.renew(started, doc, record.version);
      return;
    }
    this.validUntil = -Infinity;
    const token = (doc?.token ?? 0) + 1;
    if (doc?.released) {
      await this.take(started, token, record.version);
      return;
    }
    const seenAt = this.now();
    if (this.observed?.version !== record.version) {
      this.observed = { version: record.version, at: seenAt };
      return;
    }
    if (seenAt - this.observed.at >= Math.max(doc?.ttl_ms ?? 0, this.ttlMs))
      await this.take(started, token, record.version);
  }

  private async renew(started: number, doc: LeaseDocument, version: string): Promise<void> {
    const next: LeaseDocument = { ...doc, ttl_ms: this.ttlMs, renewed_at: new Date().toISOString() };
    const written = await this.store.putAlertRecord('lease', LEASE_ID, next, version);
    if (written === null) {
      this.validUntil = -Infinity;
      return;
    }
    this.version = written;
    this.validUntil = started + this.ttlMs * VALID_SHARE;
  }

  private async take(started: number, token: number, expected: string | null): Promise<void> {
    const wall = new Date().toISOString();
    const doc: LeaseDocument = {
      holder: this.holder,
      token,
      ttl_ms: this.ttlMs,
      since: wall,
      renewed_at: wall,
      released: false,
    };
    const written = await this.store.putAlertRecord('lease', LEASE_ID, doc, expected);
    if (written === null) return;
    this.token = token;
    this.version = written;
    this.acquiredAt = started;
    this.sinceWall = wall;
    this.validUntil = started + this.ttlMs * VALID_SHARE;
    this.observed = null;
    this.metrics.leaseAcquired.inc();
    this.logger.info({ holder: this.holder, token }, 'This collector took the alert evaluation lease.');
  }

  /** When this collector took the lease it holds (wall clock), for logs and the API. */
  get since(): string {
    return this.sinceWall;
  }
}

/** The lease as `GET /api/v1/alerts` shows it: null when nobody holds it or its holder stopped. */
export async function currentEvaluator(
  store: LogStore,
): Promise<{ holder: string; since: string; renewed_at: string } | null> {
  const record = await store.getAlertRecord('lease', LEASE_ID);
  const doc = record ? leaseSchema.safeParse(record.body) : null;
  if (!doc?.success || doc.data.released) return null;
  return { holder: doc.data.holder, since: doc.data.since, renewed_at: doc.data.renewed_at };
}
