import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets its old generation grow past what survived the last full collection before it starts the next,
 * in percent. V8 picks a factor of up to 4x (most often about 2x) by itself: under one shipper's full load the
 * collector keeps about 30 MB alive, and its old generation swelled to 80-110 MB of dead request objects between
 * full collections, the largest part of a 220 MB peak RSS. With 25 % it collects at about 40-50 MB instead.
 */
export const HEAP_GROWING_PERCENT = 25;

/**
 * WebAssembly compiled by V8's baseline compiler (Liftoff) only. The Elasticsearch client's HTTP parser (undici's
 * llhttp) is WebAssembly; when the first connection opened, V8 also compiled it with its optimising compiler, which
 * took about 30 MB for a moment: the collector's peak RSS at start was 142-146 MB against 112 MB with Liftoff alone,
 * nearly all of the 150 MB it may use under one shipper's full load. The parser only frames Elasticsearch's answers,
 * a small part of the collector's work, so the baseline code costs no measurable CPU.
 */
export const WASM_FLAG = '--liftoff-only';

/**
 * Sizes V8's memory for the collector before it starts working (`logship collector`): the old generation grows by
 * HEAP_GROWING_PERCENT between full collections, and WebAssembly stays with the baseline compiler (WASM_FLAG). V8
 * reads the first at every full collection and the second when it compiles a module (undici compiles its parser at
 * the first connection), so setting them at run time takes effect; the young generation's size is fixed when the
 * process starts and cannot be changed from here. A flag the operator gave among node's arguments (Node refuses
 * these in NODE_OPTIONS) is left as it is: `--heap-growing-percent=N`, or `--liftoff`/`--no-liftoff-only` for the
 * optimising compiler. Answers the flags it set.
 */
export function sizeCollectorHeap(execArgv: readonly string[] = process.execArgv): string[] {
  const set: string[] = [];
  if (!execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) {
    set.push(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  }
  if (!execArgv.some((arg) => /^--(?:no[-_])?liftoff/.test(arg))) set.push(WASM_FLAG);
  for (const flag of set) setFlagsFromString(flag);
  return set;
}
