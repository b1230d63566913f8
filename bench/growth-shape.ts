/**
 * The shape of a benchmark's data set, from the environment, so one benchmark serves both its everyday size and the
 * growth run (issue 19: 10,000,000 events from 30 hosts over 7 days) without a second copy of it:
 *
 *  - LOGSHIP_BENCH_EVENTS: how many events (default the benchmark's own, usually 1,000,000);
 *  - LOGSHIP_BENCH_HOSTS: how many hosts send them (default 8), named web-1, db-1, cache-1, worker-1, web-2, …;
 *  - LOGSHIP_BENCH_DAYS: the days they spread over, ending about now (default 1);
 *  - LOGSHIP_BENCH_IDS=shipper: ids as a shipper makes them (16 characters of a hash of host and file, then the
 *    offset in base 36: ~22) instead of the benchmark's short ones (~8), which its figures were measured with.
 */
export interface DataShape {
  events: number;
  hosts: readonly string[];
  days: number;
  /** The span in milliseconds (days × 24 h). */
  spanMs: number;
}

const ROLES = ['web', 'db', 'cache', 'worker'];
export const DAY_MS = 86_400_000;
/** LOGSHIP_BENCH_IDS=shipper (above). */
export const SHIPPER_IDS = process.env.LOGSHIP_BENCH_IDS === 'shipper';

/** The data set a benchmark loads, with its defaults overridden by the environment. */
export function dataShape(defaults: { events?: number; hosts?: number; days?: number } = {}): DataShape {
  const events = positive('LOGSHIP_BENCH_EVENTS', defaults.events ?? 1_000_000);
  const hostCount = positive('LOGSHIP_BENCH_HOSTS', defaults.hosts ?? 8);
  const days = positive('LOGSHIP_BENCH_DAYS', defaults.days ?? 1);
  const hosts = Array.from(
    { length: hostCount },
    (_, h) => `${ROLES[h % ROLES.length]}-${Math.floor(h / ROLES.length) + 1}`,
  );
  return { events, hosts, days, spanMs: days * DAY_MS };
}

function positive(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}=${text} is not a positive number.`);
  return value;
}
