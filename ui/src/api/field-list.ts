import { apiGet } from './client';
import type { FieldsResult } from './types';

/** The short names the query language knows for the main fields, offered first. */
export const SHORT_FIELDS = ['host', 'service', 'level', 'source', 'message'];

let cached: { key: string; names: Promise<string[]> } | undefined;

/**
 * The names of the fields stored in a time window, asked for once per window and only when a box that completes them
 * is used: at page load it would compete with the search for the store.
 */
export function fieldNames(from: string, to: string): Promise<string[]> {
  const key = `${from}\u0000${to}`;
  if (cached?.key !== key) {
    const names = apiGet<FieldsResult>('/api/v1/fields', { from, to }).then(
      (r) => r.fields.map((f) => f.name),
      () => [],
    );
    cached = { key, names };
  }
  return cached.names;
}
