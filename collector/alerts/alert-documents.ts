import { z } from 'zod';
import type { AlertNotification } from '../../protocol/alert-notification.js';
import type { AlertRule } from '../../protocol/alert-rule.js';

/**
 * The alert records' bodies as kept in the store (collector/store/alert-records.ts), with the schemas they are
 * read back through: a record another version wrote, or a damaged one, is refused by name instead of misread.
 */

/** A rule record: the rule, and `uid`, which tells a rule from an earlier one of the same name in notification keys. */
export interface RuleDocument {
  rule: AlertRule;
  uid: string;
  created_at: string;
  updated_at: string;
}

/** One alert of a rule (all hosts: key ''; per host: the host), while pending, firing or lately resolved. */
export const seriesSchema = z.object({
  key: z.string(),
  host: z.string().nullable(),
  state: z.enum(['pending', 'firing', 'resolved']),
  since: z.string(),
  value: z.number(),
  firing_since: z.string().nullable(),
  /** While firing: since when the resolve condition holds (resolve.for counts from here). */
  recovering_since: z.string().nullable(),
  /** How many notified changes (firing, resolved) this alert had: with the rule's uid, the idempotency key. */
  changes: z.number().int().min(0),
});
export type SeriesRecord = z.infer<typeof seriesSchema>;

/** A notification waiting in a rule's outbox: one state change for one notifier. */
export const outboxSchema = z.object({
  /** Unique in the outbox: the change's idempotency key and the notifier id. */
  id: z.string(),
  notifier: z.string(),
  /** The alert (series key) it belongs to: an alert's notifications go out in order. */
  series: z.string(),
  notification: z.custom<AlertNotification>((v) => typeof v === 'object' && v !== null && !Array.isArray(v)),
  created_at: z.string(),
  attempts: z.number().int().min(0),
  /** Not before this time (the backoff after a failed attempt, or a Retry-After). */
  next_attempt_at: z.string(),
  /** The collector sending it right now, by lease generation; a later generation may take it over. */
  claim: z.object({ holder: z.string(), token: z.number().int() }).nullable(),
  last_error: z.string().nullable(),
});
export type OutboxEntry = z.infer<typeof outboxSchema>;

/** A state record: everything the evaluator keeps about one rule, written in one conditional write. */
export const stateSchema = z.object({
  rule: z.string(),
  rule_uid: z.string(),
  /** The lease generation that wrote it last: a writer of an older generation has lost the lease and stops. */
  lease_token: z.number().int().min(0),
  evaluated_at: z.string().nullable(),
  evaluation_ms: z.number().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  series: z.array(seriesSchema),
  outbox: z.array(outboxSchema),
});
export type StateDocument = z.infer<typeof stateSchema>;

/** A rule's state before its first evaluation. */
export function emptyState(rule: string, ruleUid: string): StateDocument {
  return {
    rule,
    rule_uid: ruleUid,
    lease_token: 0,
    evaluated_at: null,
    evaluation_ms: null,
    error: null,
    series: [],
    outbox: [],
  };
}

/** The evaluation lease's record: who evaluates and sends, and its generation (`token`). */
export const leaseSchema = z.object({
  holder: z.string(),
  token: z.number().int().min(1),
  ttl_ms: z.number().int().positive(),
  /** Wall-clock times of the holder, for people only: takeover decisions never compare clocks. */
  since: z.string(),
  renewed_at: z.string(),
  /** Set when the holder stopped cleanly: any collector may take the lease at once. */
  released: z.boolean(),
});
export type LeaseDocument = z.infer<typeof leaseSchema>;
