import { HEAP_GROWING_PERCENT, sizeCollectorHeap, WASM_FLAG } from '../../../collector/heap-sizing.js';

describe('sizeCollectorHeap', () => {
  it('sets the growing percent and the baseline WebAssembly compiler unless the operator gave their own', () => {
    expect(HEAP_GROWING_PERCENT).toBe(25);
    expect(WASM_FLAG).toBe('--liftoff-only');
    expect(sizeCollectorHeap(['--heap-growing-percent=0'])).toEqual(['--liftoff-only']);
    expect(sizeCollectorHeap(['--max-old-space-size=512', '--heap_growing_percent=50'])).toEqual(['--liftoff-only']);
    expect(sizeCollectorHeap(['--max-semi-space-size=4'])).toEqual(['--heap-growing-percent=25', '--liftoff-only']);
    expect(sizeCollectorHeap(['--no-liftoff-only'])).toEqual(['--heap-growing-percent=25']);
    expect(sizeCollectorHeap(['--liftoff', '--heap-growing-percent=40'])).toEqual([]);
    expect(sizeCollectorHeap(['--no_liftoff_only'])).toEqual(['--heap-growing-percent=25']);
  });
});
