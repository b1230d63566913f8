/**
 * Alert records: what the alerting of every collector sharing a store keeps there (collector/alerts/), as small
 * JSON documents with a version each. Writes are compare-and-set on that version, which is all the alerting needs
 * to agree across collectors: one evaluator (the lease), one writer of each state change, one claim per send.
 */

/** `rule`: a rule as the admin wrote it; `state`: one rule's alerts and notification outbox; `lease`: the evaluator. */
export type AlertRecordKind = 'rule' | 'state' | 'lease';

/** One record: its body as written, and the version a later conditional write or delete names. */
export interface AlertRecord {
  kind: AlertRecordKind;
  id: string;
  /** Opaque; changes on every write and is never reused for the same id, even after a delete. */
  version: string;
  body: unknown;
}

/** At most this many records of one kind are listed (rules are capped lower, at ALERT_LIMITS.maxRules). */
export const MAX_ALERT_RECORDS = 10_000;
