import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets its old generation grow past what survived the last full collection before it starts the next,
 * in percent. V8 picks a factor of up to 4x (most often about 2x) by itself: under one shipper's full load the
 * collector keeps about 30 MB alive, and its old generation swelled to 80-110 MB of dead request objects between
 * full collections, the largest part of a 220 MB peak RSS. With 25 % it collects at about 40-50 MB instead.
 */
export const HEAP_GROWING_PERCENT = 25;

/**
 * The largest semi-space of V8's young generation the collector grows to (the young generation is two of them), in
 * bytes. Node's own limit is 16 MiB on 64-bit machines: two committed semi-spaces of 16 MiB were 32 MB of the
 * collector's 145 MB peak under one shipper's full load. A request holds only bytes while it waits for the store
 * (bulk-encoder.ts, line-originals.ts), so few objects survive a young collection whatever its size: with 8 MiB the
 * peak was 129 MB and young collections cost 0.4 s more CPU per million events; with 4 MiB 120 MB, but full
 * collections ran 2.7 times as often; with 1 MiB young collections cost 5 s more per million events.
 */
export const SEMI_SPACE_BYTES = 8 << 20;

/** What sizeCollectorHeap set: each is left to the operator who gave the flag to node. */
export interface HeapSizing {
  growingPercent: boolean;
  youngGeneration: boolean;
  liftoffOnly: boolean;
}

/**
 * Sizes V8's heap for the collector (`logship collector`), before the collector's modules are loaded, since loading
 * them grew the young generation to its largest:
 *  - the old generation grows by HEAP_GROWING_PERCENT between full collections (V8 reads the flag at every full
 *    collection, so setting it at run time takes effect);
 *  - the young generation grows to SEMI_SPACE_BYTES at most (capYoungGeneration);
 *  - WebAssembly stays on V8's baseline compiler (`--liftoff-only`): the HTTP parser of the Elasticsearch client
 *    (undici's llhttp) is WebAssembly, and V8 optimising it in the background a second after the first request took
 *    33 MB for a moment, the collector's highest memory while it started (142 MB, against 110 MB after). The
 *    client parses small answers (a bulk's is `{"errors":false}`), so the faster code saved nothing measurable.
 * A flag the operator gave to node (on its command line, or in NODE_OPTIONS where Node allows it) is left as it is;
 * Node refuses `--heap-growing-percent` in NODE_OPTIONS.
 */
export function sizeCollectorHeap(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): HeapSizing {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  const has = (flag: RegExp) => given.some((arg) => flag.test(arg));
  const sizing: HeapSizing = {
    growingPercent: !has(/^--heap[-_]growing[-_]percent\b/),
    youngGeneration: !has(/^--(max|min)[-_]semi[-_]space[-_]size\b|^--semi[-_]space[-_]growth[-_]factor\b/),
    liftoffOnly: !has(/liftoff/),
  };
  if (sizing.growingPercent) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  if (sizing.liftoffOnly) setFlagsFromString('--liftoff-only');
  if (sizing.youngGeneration) capYoungGeneration(SEMI_SPACE_BYTES);
  return sizing;
}

/**
 * Keeps V8's young generation at `semiSpaceBytes` per semi-space at most, for the rest of the process. Node takes the
 * limit (`--max-semi-space-size`) only when the process starts, but V8 reads the factor it grows the young generation
 * by (`--semi-space-growth-factor`) each time it grows it: after every collection the factor is set so that the next
 * growth lands at the limit at most, and to 1 (no growth) once there. V8 also shrinks the young generation when
 * allocation slows down, and it then grows again up to the limit. Returns a function that stops watching.
 */
export function capYoungGeneration(semiSpaceBytes: number): () => void {
  let factor = 0;
  const adjust = () => {
    const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    // A V8 without semi-spaces (a future one) has nothing to cap here.
    if (!young) return;
    // Committed are both semi-spaces, or only the one in use while V8 keeps the other uncommitted (at start, and after
    // it shrank the young generation): what the one in use holds and has free then tells its size.
    const semi = Math.max(young.space_size / 2, young.space_used_size + young.space_available_size);
    const next = growthFactor(semi, semiSpaceBytes);
    if (next === factor) return;
    factor = next;
    setFlagsFromString(`--semi-space-growth-factor=${factor}`);
  };
  adjust();
  const observer = new PerformanceObserver(adjust);
  observer.observe({ entryTypes: ['gc'] });
  return () => {
    observer.disconnect();
    // V8's own factor again, for a caller that stops watching (the tests).
    setFlagsFromString('--semi-space-growth-factor=2');
  };
}

/**
 * The factor that grows a semi-space of `semiBytes` to `limitBytes` at most in one step: at least 1 (V8 fails on 0),
 * which keeps it where it is.
 */
export function growthFactor(semiBytes: number, limitBytes: number): number {
  return semiBytes > 0 ? Math.max(1, Math.floor(limitBytes / semiBytes)) : 1;
}
