import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  HEAP_GROWING_PERCENT,
  SEMI_SPACE_BYTES,
  growthFactor,
  sizeCollectorHeap,
} from '../../../collector/heap-sizing.js';

const run = promisify(execFile);
const HEAP_SIZING = join(import.meta.dirname, '..', '..', '..', 'dist', 'collector', 'heap-sizing.js');
const MIB = 1 << 20;

/**
 * A fresh node process (the flags are process-wide) that optionally runs the collector's heap sizing, then allocates
 * as the collector does under load: 400 requests of 20,000 small objects each, each kept alive until the next one is
 * built (enough survivors for V8 to grow its young generation to the largest it allows), yielding between them as a
 * server does. It prints the largest size of the young generation seen after a request, in bytes: V8 also shrinks it
 * when allocation slows down (a busy machine), so its size at the end says less about the limit than its peak.
 */
async function youngGenerationAfterLoad(sized: boolean, nodeArgs: string[] = []): Promise<number> {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    if (${sized}) (await import(${JSON.stringify(HEAP_SIZING)})).sizeCollectorHeap();
    const young = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size;
    const kept = [];
    let largest = 0;
    for (let round = 0; round < 400; round++) {
      const objects = [];
      for (let i = 0; i < 20000; i++) objects.push({ i, text: 'line ' + i });
      kept.push(objects);
      if (kept.length > 1) kept.shift();
      largest = Math.max(largest, young());
      await new Promise((resolve) => setImmediate(resolve));
    }
    console.log(largest);`;
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const { stdout } = await run(process.execPath, [...nodeArgs, '--input-type=module', '-e', script], { env });
  return Number(stdout.trim());
}

describe('sizeCollectorHeap', () => {
  it('sets each flag unless the operator gave it to node', () => {
    expect(HEAP_GROWING_PERCENT).toBe(25);
    expect(SEMI_SPACE_BYTES).toBe(8 * MIB);
    // The operator's choices, given here as node's arguments and NODE_OPTIONS; nothing is set for what they name.
    expect(sizeCollectorHeap(['--heap-growing-percent=0', '--liftoff-only'], '--max-semi-space-size=4')).toEqual({
      growingPercent: false,
      youngGeneration: false,
      liftoffOnly: false,
    });
    expect(
      sizeCollectorHeap(['--heap_growing_percent=50', '--semi-space-growth-factor=2', '--no-liftoff-only']),
    ).toEqual({ growingPercent: false, youngGeneration: false, liftoffOnly: false });
  });

  it('grows a semi-space to the limit in one step at most, and not past it', () => {
    expect(growthFactor(MIB / 2, 8 * MIB)).toBe(16);
    expect(growthFactor(MIB, 8 * MIB)).toBe(8);
    expect(growthFactor(3 * MIB, 8 * MIB)).toBe(2);
    expect(growthFactor(5 * MIB, 8 * MIB)).toBe(1);
    expect(growthFactor(8 * MIB, 8 * MIB)).toBe(1);
    expect(growthFactor(16 * MIB, 8 * MIB)).toBe(1);
  });

  it('keeps the young generation at two semi-spaces of 8 MiB under load, where Node alone grows it to 32 MiB', async () => {
    const [alone, sized] = await Promise.all([youngGenerationAfterLoad(false), youngGenerationAfterLoad(true)]);
    expect(alone).toBe(32 * MIB);
    expect(sized).toBe(2 * SEMI_SPACE_BYTES);
  });

  it('leaves the young generation to an operator who sized it', async () => {
    expect(await youngGenerationAfterLoad(true, ['--max-semi-space-size=2'])).toBe(4 * MIB);
  });
});
