/** Token scopes: `ingest` writes, `read` searches, `admin` does both and manages. */
export const SCOPES = ['ingest', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Whether a token of scope `held` may use an endpoint that needs `needed`. */
export function scopeAllows(held: Scope, needed: Scope): boolean {
  return held === 'admin' || held === needed;
}
