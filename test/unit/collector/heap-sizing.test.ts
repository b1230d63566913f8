import { HEAP_GROWING_PERCENT, sizeCollectorHeap } from '../../../collector/heap-sizing.js';

describe('sizeCollectorHeap', () => {
  it('sets the growing percent unless the operator gave one among node’s arguments', () => {
    expect(HEAP_GROWING_PERCENT).toBe(25);
    expect(sizeCollectorHeap(['--heap-growing-percent=0'])).toBe(false);
    expect(sizeCollectorHeap(['--max-old-space-size=512', '--heap_growing_percent=50'])).toBe(false);
    expect(sizeCollectorHeap(['--max-semi-space-size=4'])).toBe(true);
  });
});
