import Database from 'better-sqlite3';

/** Adds `by` to the rollup's count of `source` in the slot of each unit that holds `ms`; answers the rows changed. */
export function addToRollup(file: string, ms: number, source: string, by: number): number {
  const db = new Database(file);
  const minute = Math.floor(ms / 60_000);
  const changed = db
    .prepare(
      `UPDATE event_counts SET n = n + ? WHERE source = ? AND host <> ''
       AND ((unit = 1440 AND slot = ?) OR (unit = 15 AND slot = ?) OR (unit = 1 AND slot = ?))`,
    )
    .run(by, source, Math.floor(minute / 1440), Math.floor(minute / 15), minute).changes;
  db.close();
  return changed;
}
