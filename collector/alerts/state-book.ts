import type { Logger } from 'pino';
import type { LogStore } from '../store/log-store.js';
import { emptyState, stateSchema, type StateDocument } from './alert-documents.js';

/** Thrown by a mutation's guard when this collector lost the evaluation lease: its work is abandoned. */
export class LeaseLostError extends Error {}

/** Conditional writes that lost to another writer are retried this often (re-reading the record each time). */
const MAX_ATTEMPTS = 5;

/** A state record as read, with the version a conditional write names. */
export interface StateEntry {
  doc: StateDocument;
  version: string;
}

/**
 * The state records (one per rule: its alerts and its notification outbox). Every change is a read-modify-write
 * under compare-and-set, retried on conflict; within this process changes of one rule are also queued one after
 * another, so the evaluator and the notifier of one collector do not make each other retry.
 */
export class StateBook {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: LogStore,
    private readonly logger: Logger,
  ) {}

  /** Every state record that reads well; an unreadable one is logged and left out. */
  async list(): Promise<StateEntry[]> {
    const entries: StateEntry[] = [];
    for (const record of await this.store.listAlertRecords('state')) {
      const parsed = stateSchema.safeParse(record.body);
      if (parsed.success) entries.push({ doc: parsed.data, version: record.version });
      else this.logger.error({ rule: record.id }, `The alert state of rule ${record.id} is unreadable; it is skipped.`);
    }
    return entries;
  }

  /**
   * Applies `change` to the latest state of a rule (a fresh one when none is stored or it belongs to an earlier
   * rule of that name) and writes it at the version read; `change` returning null writes nothing. Answers the
   * state as written (or as read, when nothing was written).
   */
  mutate(rule: string, ruleUid: string, change: (doc: StateDocument) => StateDocument | null): Promise<StateDocument> {
    const previous = this.queues.get(rule) ?? Promise.resolve();
    const run = previous.then(
      () => this.mutateNow(rule, ruleUid, change),
      () => this.mutateNow(rule, ruleUid, change),
    );
    const tail = run.catch(() => undefined);
    this.queues.set(rule, tail);
    void tail.then(() => {
      if (this.queues.get(rule) === tail) this.queues.delete(rule);
    });
    return run;
  }

  private async mutateNow(
    rule: string,
    ruleUid: string,
    change: (doc: StateDocument) => StateDocument | null,
  ): Promise<StateDocument> {
    for (let attempt = 1; ; attempt++) {
      const record = await this.store.getAlertRecord('state', rule);
      const parsed = record ? stateSchema.safeParse(record.body) : null;
      const current = parsed?.success && parsed.data.rule_uid === ruleUid ? parsed.data : emptyState(rule, ruleUid);
      const next = change(structuredClone(current));
      if (next === null) return current;
      if ((await this.store.putAlertRecord('state', rule, next, record?.version ?? null)) !== null) return next;
      if (attempt >= MAX_ATTEMPTS) {
        throw new Error(
          `The alert state of rule ${rule} kept changing under ${MAX_ATTEMPTS} writes; given up for now.`,
        );
      }
    }
  }

  /** Forgets a rule's state (its rule was deleted), only at `version` when given; its notifications go with it. */
  async delete(rule: string, version?: string): Promise<void> {
    await this.store.deleteAlertRecord('state', rule, version);
  }
}
