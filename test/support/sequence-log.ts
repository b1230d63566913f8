import { appendFile } from 'node:fs/promises';

/** A realistic access-log style line carrying a global sequence number (with its newline). */
export function logLine(seq: number, file: string): string {
  const ts = new Date(Date.UTC(2026, 10, 26, 10, 0, 0) + seq * 7).toISOString();
  const status = seq % 17 === 0 ? 500 : 200;
  return `${ts} INFO [${file}] seq=${String(seq).padStart(6, '0')} GET /api/orders/${seq % 977} status=${status} duration_ms=${seq % 113}\n`;
}

/** Lines seq [from, to) as one string. */
export function logLines(from: number, to: number, file = 'app'): string {
  let out = '';
  for (let seq = from; seq < to; seq++) out += logLine(seq, file);
  return out;
}

/** Appends lines seq [from, to) to `file` in bursts, yielding so the shipper reads meanwhile. */
export async function appendLines(file: string, from: number, to: number, burst = 250): Promise<void> {
  for (let start = from; start < to; start += burst) {
    await appendFile(file, logLines(start, Math.min(to, start + burst)));
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Appends lines seq [from, to) stamped with the time they are written (so they fall in the default search window),
 * in bursts with a pause, as a busy application writes them.
 */
export async function appendTimedLines(
  file: string,
  from: number,
  to: number,
  burst = 250,
  pauseMs = 5,
): Promise<void> {
  for (let start = from; start < to; start += burst) {
    let text = '';
    for (let seq = start; seq < Math.min(to, start + burst); seq++)
      text += `${new Date().toISOString()} INFO [worker] seq=${String(seq).padStart(6, '0')} order paid status=ok\n`;
    await appendFile(file, text);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

/** What an index holds of sequence numbers [0, n): events, distinct numbers, numbers stored twice, numbers missing. */
export interface SequenceAudit {
  events: number;
  distinct: number;
  duplicates: number;
  gaps: number;
}

/**
 * Audits stored events or hits (other lines than sequence lines are not counted); the first missing numbers are
 * printed, because a failing count alone does not say where to look.
 */
export function auditSequence(events: Iterable<{ message: string }>, n: number): SequenceAudit {
  const seen = new Set<number>();
  let count = 0;
  let duplicates = 0;
  for (const e of events) {
    const m = /seq=(\d+)/.exec(e.message);
    if (!m) continue;
    count++;
    const seq = Number(m[1]);
    if (seen.has(seq)) duplicates++;
    seen.add(seq);
  }
  const missing: number[] = [];
  for (let i = 0; i < n; i++) if (!seen.has(i)) missing.push(i);
  if (missing.length) console.log(`missing sequence numbers (first 30): ${missing.slice(0, 30).join(' ')}`);
  return { events: count, distinct: seen.size, duplicates, gaps: missing.length };
}
