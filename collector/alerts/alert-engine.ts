import type { Logger } from 'pino';
import type { AlertRule } from '../../protocol/alert-rule.js';
import type { CollectorConfig } from '../config.js';
import type { LogStore } from '../store/log-store.js';
import type { OutboxEntry, SeriesRecord, StateDocument } from './alert-documents.js';
import type { AlertMetrics } from './alert-metrics.js';
import { buildNotification } from './alert-payloads.js';
import { step, RESOLVED_KEPT_MS, type StateChange } from './alert-state-machine.js';
import { EvaluationLease } from './evaluation-lease.js';
import { NotificationDelivery } from './notification-delivery.js';
import type { RuleBook, RuleEntry } from './rule-book.js';
import { measureRule } from './rule-measure.js';
import { LeaseLostError, type StateBook } from './state-book.js';
import { WebhookSender } from './webhook-sender.js';

/** A rule's outbox keeps at most this many notifications; beyond, the oldest unclaimed one is dropped and counted. */
export const OUTBOX_LIMIT = 1000;
/** A Retry-After longer than this is cut to it. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Runs the alerting of one collector: it competes for the evaluation lease, and while it holds it evaluates every
 * enabled rule each `evaluate_every`, writes each rule's new state together with the notifications of its state
 * changes (one conditional write per rule, so a change and its notifications are stored together or not at all),
 * and hands them to the delivery. Without the lease it only keeps checking whether the holder is still alive.
 */
export class AlertEngine {
  readonly lease: EvaluationLease;
  private readonly delivery: NotificationDelivery;
  private readonly sender: WebhookSender;
  private roundTimer: NodeJS.Timeout | null = null;
  private leaseTimer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private stopped = false;
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly store: LogStore,
    private readonly rules: RuleBook,
    private readonly states: StateBook,
    private readonly config: CollectorConfig['alerts'],
    private readonly publicUrl: string,
    private readonly metrics: AlertMetrics,
    private readonly logger: Logger,
  ) {
    this.lease = new EvaluationLease(store, config.lease_ttl, metrics, logger);
    this.sender = new WebhookSender({
      timeoutMs: config.delivery.timeout,
      allowedUrls: config.delivery.allowed_urls,
      maxRetryAfterMs: MAX_RETRY_AFTER_MS,
      userAgent: 'logship-alerts',
    });
    this.delivery = new NotificationDelivery(rules, states, this.lease, this.sender, metrics, logger, {
      timeoutMs: config.delivery.timeout,
      maxBackoffMs: config.delivery.max_backoff,
      giveUpAfterMs: config.delivery.give_up_after,
      leaseTtlMs: config.lease_ttl,
    });
  }

  /** Starts competing for the lease and, once held, evaluating. Timers never keep the process alive. */
  start(): void {
    const renew = async () => {
      const wasHeld = this.lease.held;
      // With no rule in the store there is nothing to evaluate: no lease is taken, and nothing is written.
      const held = wasHeld || (await this.anyRules()) ? await this.lease.refresh() : false;
      if (this.stopped) return;
      if (held && !wasHeld) {
        this.scheduleRound(0);
        this.delivery.kick();
      }
      this.leaseTimer = setTimeout(() => void renew(), this.config.lease_ttl / 3);
      this.leaseTimer.unref();
    };
    void renew();
  }

  /**
   * Stops evaluating, lets sends under way settle, and releases the lease so another collector takes over at once.
   * Calling it again answers the same stop.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    this.stopped = true;
    if (this.roundTimer) clearTimeout(this.roundTimer);
    if (this.leaseTimer) clearTimeout(this.leaseTimer);
    await this.round;
    await this.delivery.stop();
    await this.lease.release().catch((err: unknown) => {
      this.logger.warn({ err: (err as Error).message }, 'The alert lease could not be released; it expires instead.');
    });
    await this.sender.close();
  }

  private async anyRules(): Promise<boolean> {
    try {
      return (await this.store.listAlertRecords('rule')).length > 0;
    } catch {
      return false;
    }
  }

  private scheduleRound(delayMs: number): void {
    if (this.stopped) return;
    if (this.roundTimer) clearTimeout(this.roundTimer);
    this.roundTimer = setTimeout(
      () => {
        if (this.round) return;
        const started = Date.now();
        this.round = this.evaluateAll()
          .catch((err: unknown) => {
            if (!(err instanceof LeaseLostError)) {
              this.logger.warn({ err: (err as Error).message }, 'An alert evaluation round failed; it runs again.');
            }
          })
          .finally(() => {
            this.round = null;
            if (this.lease.held) this.scheduleRound(this.config.evaluate_every - (Date.now() - started));
          });
      },
      Math.max(0, delayMs),
    );
    this.roundTimer.unref();
  }

  /** One round: every enabled rule once, then the states of deleted rules removed. */
  private async evaluateAll(): Promise<void> {
    if (!this.lease.held) return;
    const [rules, states] = await Promise.all([this.rules.list(), this.states.list()]);
    const stateOf = new Map(states.map((s) => [s.doc.rule, s.doc]));
    for (const entry of rules) {
      if (!this.lease.held || this.stopped) return;
      if (!entry.doc.rule.enabled) continue;
      const state = stateOf.get(entry.doc.rule.name);
      await this.evaluate(entry, state?.rule_uid === entry.doc.uid ? state : undefined);
    }
    // The state of a deleted rule (or of an earlier rule of the same name) goes, with its waiting notifications.
    const live = new Map(rules.map((r) => [r.doc.rule.name, r.doc.uid]));
    for (const { doc, version } of states) {
      if (live.get(doc.rule) !== doc.rule_uid) await this.states.delete(doc.rule, version);
    }
    this.delivery.kick();
  }

  /** Measures one rule and writes its new state and the notifications of its changes in one conditional write. */
  private async evaluate(entry: RuleEntry, previous: StateDocument | undefined): Promise<void> {
    const { rule, uid } = entry.doc;
    const started = performance.now();
    const now = new Date();
    const guard = (doc: StateDocument) => {
      if (!this.lease.held || doc.lease_token > this.lease.generation) throw new LeaseLostError();
    };
    try {
      const watched = (previous?.series ?? []).filter((s) => s.state !== 'resolved' && s.host !== null);
      const measured = await measureRule(
        this.store,
        rule,
        now,
        watched.map((s) => s.host!),
      );
      let changes: StateChange[] = [];
      let dropped: OutboxEntry[] = [];
      await this.states.mutate(rule.name, uid, (doc) => {
        guard(doc);
        changes = [];
        dropped = [];
        const byKey = new Map(doc.series.map((s) => [s.key, s]));
        for (const m of measured) {
          const { next, change } = step(rule, byKey.get(m.key), m, now);
          if (next) byKey.set(m.key, next);
          else byKey.delete(m.key);
          if (!change) continue;
          changes.push(change);
          if ((change === 'firing' || change === 'resolved') && next) {
            dropped.push(...this.enqueue(doc, rule, uid, next, change, now));
          }
        }
        // Resolved alerts of hosts no longer measured are forgotten after a while, like measured ones.
        for (const [key, s] of byKey) {
          if (s.state === 'resolved' && now.getTime() - Date.parse(s.since) > RESOLVED_KEPT_MS) byKey.delete(key);
        }
        doc.series = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        doc.evaluated_at = now.toISOString();
        doc.evaluation_ms = Math.round(performance.now() - started);
        doc.error = null;
        doc.lease_token = this.lease.generation;
        return doc;
      });
      for (const change of changes) this.metrics.stateChanges.inc({ to: change });
      for (const lost of dropped) {
        this.metrics.failed(rule.notify.find((n) => n.id === lost.notifier)?.type ?? 'webhook', 'overflow');
      }
      this.metrics.evaluations.inc({ result: 'ok' });
    } catch (err) {
      if (err instanceof LeaseLostError) throw err;
      this.metrics.evaluations.inc({ result: 'error' });
      const code = (err as { code?: unknown }).code;
      const problem = {
        code: typeof code === 'string' ? code : 'ALERT_EVALUATION_FAILED',
        message: (err as Error).message,
      };
      this.logger.warn({ rule: rule.name, ...problem }, `Alert rule ${rule.name} could not be evaluated.`);
      await this.states
        .mutate(rule.name, uid, (doc) => {
          guard(doc);
          return { ...doc, evaluated_at: now.toISOString(), evaluation_ms: null, error: problem };
        })
        .catch(() => undefined);
    } finally {
      this.metrics.evaluationSeconds.observe((performance.now() - started) / 1000);
    }
  }

  /** Queues a change's notification for every notifier of the rule; answers the old ones that overflowed. */
  private enqueue(
    doc: StateDocument,
    rule: AlertRule,
    uid: string,
    series: SeriesRecord,
    change: 'firing' | 'resolved',
    now: Date,
  ): OutboxEntry[] {
    const notification = buildNotification(rule, uid, series, change, now, this.publicUrl);
    for (const notifier of rule.notify) {
      const entry: OutboxEntry = {
        id: `${notification.idempotency_key}.${notifier.id}`,
        notifier: notifier.id,
        series: series.key,
        notification,
        created_at: now.toISOString(),
        attempts: 0,
        next_attempt_at: now.toISOString(),
        claim: null,
        last_error: null,
      };
      doc.outbox.push(entry);
    }
    const dropped: OutboxEntry[] = [];
    while (doc.outbox.length > OUTBOX_LIMIT) {
      const oldest = doc.outbox.findIndex((e) => e.claim === null);
      if (oldest < 0) break;
      dropped.push(...doc.outbox.splice(oldest, 1));
    }
    if (dropped.length) {
      this.logger.error(
        { rule: rule.name, dropped: dropped.length },
        'The alert outbox is full; its oldest notifications were dropped.',
      );
    }
    return dropped;
  }
}
