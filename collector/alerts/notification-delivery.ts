import type { Logger } from 'pino';
import type { StoredNotifier } from '../../protocol/alert-rule.js';
import { backoffDelay, retryAfterDelay } from '../../protocol/retry-timing.js';
import type { OutboxEntry, StateDocument } from './alert-documents.js';
import type { AlertMetrics } from './alert-metrics.js';
import type { EvaluationLease } from './evaluation-lease.js';
import type { RuleBook } from './rule-book.js';
import { LeaseLostError, type StateBook } from './state-book.js';
import type { SendOutcome, WebhookSender } from './webhook-sender.js';
import { redactUrl } from './webhook-url.js';

export interface DeliveryOptions {
  timeoutMs: number;
  maxBackoffMs: number;
  giveUpAfterMs: number;
  /** The lease TTL: with the timeout, how long a claim of an earlier lease generation is respected. */
  leaseTtlMs: number;
}

/** The first retry waits up to this long; each further one up to twice as long, up to `max_backoff`. */
const FIRST_BACKOFF_MS = 1000;
/** Notifications sent at once by one collector. */
const MAX_PARALLEL = 4;
/** A pass over the outboxes at least this often while notifications wait (also catches other writers' changes). */
const IDLE_PASS_MS = 5000;

/** The notifications that may go next: per alert and notifier only the oldest waiting one (changes stay in order). */
export function headsOf(outbox: readonly OutboxEntry[]): OutboxEntry[] {
  const seen = new Set<string>();
  const heads: OutboxEntry[] = [];
  for (const entry of outbox) {
    const lane = `${entry.series}\0${entry.notifier}`;
    if (seen.has(lane)) continue;
    seen.add(lane);
    heads.push(entry);
  }
  return heads;
}

/**
 * Sends what the evaluator put in the rules' outboxes (their state records), on the collector that holds the
 * lease. Each attempt is claimed in the store first (a conditional write naming this collector and its lease
 * generation), then sent, then settled: delivered and dropped notifications leave the outbox, failed ones wait
 * for their next attempt there. A claim left by a collector that died mid-send is taken over once the new holder
 * has held the lease for the request timeout plus a TTL (the old send has certainly ended by then): that
 * notification is sent again with the same idempotency key — the one case of a repeat (docs/alerts.md).
 */
export class NotificationDelivery {
  private readonly inFlight = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private passAgain = false;
  private stopped = false;

  constructor(
    private readonly rules: RuleBook,
    private readonly states: StateBook,
    private readonly lease: EvaluationLease,
    private readonly sender: WebhookSender,
    private readonly metrics: AlertMetrics,
    private readonly logger: Logger,
    private readonly options: DeliveryOptions,
  ) {}

  /** Looks for due notifications now (after an evaluation queued some, or the lease was taken). */
  kick(): void {
    this.schedule(0);
  }

  /** Stops looking, and waits for the sends under way to be settled (each is bounded by the request timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.pass;
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.runPass(), Math.max(0, delayMs));
    this.timer.unref();
  }

  private runPass(): Promise<void> {
    if (this.pass) {
      this.passAgain = true;
      return this.pass;
    }
    this.pass = this.passOnce()
      .catch((err: unknown) => {
        this.logger.warn({ err: (err as Error).message }, 'Looking for notifications to send failed; retrying.');
        return Date.now() + FIRST_BACKOFF_MS;
      })
      .then((nextAt) => {
        this.pass = null;
        if (this.passAgain) {
          this.passAgain = false;
          this.schedule(0);
        } else {
          this.schedule(Math.min(nextAt, Date.now() + IDLE_PASS_MS) - Date.now());
        }
      });
    return this.pass;
  }

  /** Starts every due send it may; answers when to look again. */
  private async passOnce(): Promise<number> {
    if (!this.lease.held) return Date.now() + IDLE_PASS_MS;
    const states = await this.states.list();
    let nextAt = Infinity;
    for (const { doc } of states) {
      for (const entry of headsOf(doc.outbox)) {
        const key = `${doc.rule}\0${entry.id}`;
        if (this.inFlight.has(key)) continue;
        const now = Date.now();
        if (!this.claimable(entry)) {
          nextAt = Math.min(nextAt, now + FIRST_BACKOFF_MS);
          continue;
        }
        const due = Date.parse(entry.next_attempt_at);
        if (due > now) {
          nextAt = Math.min(nextAt, due);
          continue;
        }
        if (this.inFlight.size >= MAX_PARALLEL) return now + 50;
        const send = this.deliver(doc, entry.id)
          .catch((err: unknown) => {
            if (!(err instanceof LeaseLostError)) {
              this.logger.warn({ rule: doc.rule, err: (err as Error).message }, 'A notification send failed.');
            }
          })
          .finally(() => {
            this.inFlight.delete(key);
            this.kick();
          });
        this.inFlight.set(key, send);
      }
    }
    return nextAt;
  }

  /** Whether this collector may send an entry now, as far as claims go. */
  private claimable(entry: OutboxEntry): boolean {
    const claim = entry.claim;
    if (!claim) return true;
    // This collector's own claim that is not in flight: its settle failed, so it is sent again.
    if (claim.holder === this.lease.holder && claim.token === this.lease.generation) return true;
    return (
      claim.token < this.lease.generation && this.lease.heldForMs() >= this.options.timeoutMs + this.options.leaseTtlMs
    );
  }

  private async deliver(state: StateDocument, entryId: string): Promise<void> {
    const claim = { holder: this.lease.holder, token: this.lease.generation };
    let claimed: OutboxEntry | undefined;
    await this.states.mutate(state.rule, state.rule_uid, (doc) => {
      if (!this.lease.held || doc.lease_token > claim.token) throw new LeaseLostError();
      const entry = doc.outbox.find((e) => e.id === entryId);
      if (!entry || !headsOf(doc.outbox).includes(entry) || !this.claimable(entry)) return null;
      if (Date.parse(entry.next_attempt_at) > Date.now()) return null;
      entry.claim = claim;
      claimed = entry;
      return doc;
    });
    if (!claimed) return;
    const notification = claimed.notification;
    const rule = await this.rules.get(state.rule);
    const notifier =
      rule && rule.doc.uid === state.rule_uid
        ? rule.doc.rule.notify.find((n) => n.id === claimed!.notifier)
        : undefined;
    let outcome: SendOutcome | { kind: 'drop'; reason: 'notifier_removed' | 'expired'; detail: string };
    if (!notifier) {
      outcome = { kind: 'drop', reason: 'notifier_removed', detail: 'the rule or its notifier was deleted' };
    } else if (Date.now() - Date.parse(claimed.created_at) > this.options.giveUpAfterMs) {
      outcome = { kind: 'drop', reason: 'expired', detail: `undelivered after ${claimed.attempts} attempts` };
    } else {
      this.metrics.attempts.inc({ type: notifier.type });
      outcome = await this.sender.send(notifier, notification);
    }
    await this.settle(state, claimed, claim, outcome, notifier);
  }

  /** Records the attempt's outcome on the entry, if it still carries this collector's claim. */
  private async settle(
    state: StateDocument,
    claimed: OutboxEntry,
    claim: { holder: string; token: number },
    outcome: SendOutcome | { kind: 'drop'; reason: 'notifier_removed' | 'expired'; detail: string },
    notifier: StoredNotifier | undefined,
  ): Promise<void> {
    const type = notifier?.type ?? 'webhook';
    const where = {
      rule: state.rule,
      notifier: claimed.notifier,
      url: notifier ? redactUrl(notifier.url) : null,
      event: claimed.notification.event,
      key: claimed.notification.idempotency_key,
    };
    let settled = false;
    // Settling needs no lease: only the claim. A collector that lost the lease mid-send still records what became
    // of its own send, so the next holder does not send it again.
    await this.states.mutate(state.rule, state.rule_uid, (doc) => {
      const index = doc.outbox.findIndex((e) => e.id === claimed.id);
      const entry = doc.outbox[index];
      if (!entry || entry.claim?.holder !== claim.holder || entry.claim.token !== claim.token) return null;
      settled = true;
      if (outcome.kind !== 'retry') {
        doc.outbox.splice(index, 1);
        return doc;
      }
      entry.attempts += 1;
      entry.claim = null;
      entry.last_error = outcome.detail;
      const wait =
        outcome.retryAfterMs !== undefined
          ? retryAfterDelay(outcome.retryAfterMs)
          : backoffDelay(entry.attempts - 1, FIRST_BACKOFF_MS, this.options.maxBackoffMs);
      entry.next_attempt_at = new Date(Date.now() + wait).toISOString();
      return doc;
    });
    if (!settled) {
      this.logger.warn(where, 'A notification was sent, but another collector took it over before it was recorded.');
      return;
    }
    if (outcome.kind === 'delivered') {
      this.metrics.delivered.inc({ type });
      this.logger.info({ ...where, status: outcome.status }, 'A notification was delivered.');
    } else if (outcome.kind === 'retry') {
      this.metrics.failed(type, outcome.reason);
      this.logger.warn(
        { ...where, attempts: claimed.attempts + 1, problem: outcome.detail },
        'A notification failed; it is retried.',
      );
    } else {
      this.metrics.failed(type, outcome.reason);
      this.logger.error({ ...where, problem: outcome.detail }, `A notification was dropped (${outcome.reason}).`);
    }
  }
}
