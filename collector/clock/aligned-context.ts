import type { Hit } from '../../protocol/event.js';
import type { AlignedContextResult, AlignedHit } from '../../protocol/context.js';
import type { HostClock } from '../../protocol/heartbeat.js';
import { and, anyOf, type QueryNode } from '../query/ast.js';
import type { LogStore } from '../store/log-store.js';
import type { ContextRequest } from '../store/read-model.js';

/** Hosts whose events are searched at their own shift, at most; further hosts are searched (and shown) unshifted. */
const MAX_SHIFTED_HOSTS = 64;
/** Events of one millisecond of one host read at most: far more than any real log writes in a millisecond. */
const SAME_MS_LIMIT = 1000;
/** "No bound" for a side without a window: about ±139 years, inside every store's time range. */
const FAR_MS = 2 ** 42;

/**
 * `/events/{id}/context?align=clocks`: the events around an anchor with each host's events moved by its measured
 * clock offset, so a host whose clock runs 90 s behind shows its events where they happened. A host's shift is
 * -offset (its events' times plus the shift are collector time); hosts without an estimate, or whose offset is within
 * its error bound (a clock that may well be right), keep their times.
 *
 * The anchor's aligned time A is the same moment for every host but a different stored time for each one (A minus
 * the host's shift), so each shifted host is read on its own around its stored time, the unshifted hosts together
 * around A, and the reads are merged by aligned time (then host, source, offset, id, as every listing orders). Each
 * read takes the `before` nearest events before its time, the `after` nearest after it and all events of its very
 * millisecond, so the merged nearest events are exact.
 */
export async function alignedContext(
  store: LogStore,
  request: ContextRequest,
  clocks: ReadonlyMap<string, HostClock>,
): Promise<AlignedContextResult | null> {
  const found = await store.context({ ...request, before: 0, after: 0 });
  if (!found) return null;
  const chosen = new Set(request.hosts);
  const shifted = [...clocks]
    .filter(([host, clock]) => measurablyOff(clock) && (chosen.size === 0 || chosen.has(host)))
    .sort((a, b) => Math.abs(b[1].offset_ms) - Math.abs(a[1].offset_ms) || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_SHIFTED_HOSTS);
  const shifts = new Map(shifted.map(([host, clock]) => [host, -clock.offset_ms]));
  const shiftOf = (hit: Hit): number => (hit.host === null ? 0 : (shifts.get(hit.host) ?? 0));
  const anchor = align(found.anchor, shiftOf(found.anchor));
  const anchorMs = Date.parse(anchor.aligned_timestamp);

  // Hosts without an estimate (and events without a host) keep their times and are read together.
  const others: QueryNode =
    shifts.size === 0
      ? anyOf('host.name', [...chosen])
      : and(anyOf('host.name', [...chosen]), { kind: 'not', child: anyOf('host.name', [...shifts.keys()]) });
  const groups = [
    ...[...shifts].map(([host, shift]) => ({ query: anyOf('host.name', [host]), shift })),
    { query: others, shift: 0 },
  ];
  const reads = await Promise.all(groups.map((g) => readAround(store, g.query, anchorMs - g.shift, request)));

  const seen = new Set<string>([anchor.id]);
  const events: AlignedHit[] = [];
  for (const hit of reads.flat()) {
    if (seen.has(hit.id)) continue;
    seen.add(hit.id);
    const aligned = align(hit, shiftOf(hit));
    const ms = Date.parse(aligned.aligned_timestamp);
    if (request.windowMs !== undefined && Math.abs(ms - anchorMs) > request.windowMs) continue;
    events.push(aligned);
  }
  events.sort(compareAligned);
  const before = events.filter((e) => compareAligned(e, anchor) < 0);
  const after = events.filter((e) => compareAligned(e, anchor) > 0);
  return {
    anchor,
    before: request.before === 0 ? [] : before.slice(-request.before),
    after: after.slice(0, request.after),
    aligned: true,
    shifts: Object.fromEntries(shifts),
  };
}

/** An offset larger than its error bound: shifting by anything smaller would move events by noise. */
function measurablyOff(clock: HostClock): boolean {
  return Math.abs(clock.offset_ms) > clock.bound_ms;
}

/** A group's events nearest to `atMs` (its stored time of the anchor) on both sides, and all of that millisecond. */
async function readAround(store: LogStore, query: QueryNode, atMs: number, request: ContextRequest): Promise<Hit[]> {
  const window = request.windowMs ?? FAR_MS;
  const read = async (fromMs: number, toMs: number, limit: number, order: 'asc' | 'desc') =>
    limit === 0 || fromMs > toMs
      ? []
      : (
          await store.search({
            query,
            from: new Date(fromMs),
            to: new Date(toMs),
            limit,
            order,
            countTotal: false,
            ...(request.signal ? { signal: request.signal } : {}),
          })
        ).hits;
  const [before, same, after] = await Promise.all([
    read(atMs - window, atMs - 1, request.before, 'desc'),
    read(atMs, atMs, SAME_MS_LIMIT, 'asc'),
    read(atMs + 1, atMs + window, request.after, 'asc'),
  ]);
  return [...before, ...same, ...after];
}

function align(hit: Hit, shiftMs: number): AlignedHit {
  return {
    ...hit,
    aligned_timestamp: new Date(Date.parse(hit.timestamp) + shiftMs).toISOString(),
    shift_ms: shiftMs,
  };
}

/** Aligned time, then the tie order of every listing (host, source, offset, id; a missing value first). */
function compareAligned(a: AlignedHit, b: AlignedHit): number {
  return (
    Date.parse(a.aligned_timestamp) - Date.parse(b.aligned_timestamp) ||
    cmp(a.host, b.host) ||
    cmp(a.source, b.source) ||
    cmp(a.offset, b.offset) ||
    cmp(a.id, b.id)
  );
}

function cmp<T extends string | number>(a: T | null, b: T | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}
