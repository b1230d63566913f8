/**
 * The names of days of events and of dead letters, `<prefix>-YYYY.MM.DD` and `<prefix>-deadletter-YYYY.MM.DD` (UTC):
 * Elasticsearch's daily indices, the `_bulk` door's answers and the embedded store's retention report use them.
 */

/** The day of an event: `<prefix>-YYYY.MM.DD` from its ISO-8601 UTC time (always four-digit years: ACCEPTED_TIMES). */
export function dailyIndex(prefix: string, timestamp: string): string {
  return `${prefix}-${timestamp.slice(0, 4)}.${timestamp.slice(5, 7)}.${timestamp.slice(8, 10)}`;
}

/**
 * The day of a dead letter, by its time of receipt. Rejected events live in daily indices so retention deletes whole
 * indices: the minimal Elasticsearch distribution has no `_delete_by_query`.
 */
export function deadLetterIndex(prefix: string, receivedAt: string): string {
  return dailyIndex(`${prefix}-deadletter`, receivedAt);
}
