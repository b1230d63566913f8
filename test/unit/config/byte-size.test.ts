import { parseByteSize } from '../../../config/byte-size.js';
import { parseDuration } from '../../../config/duration.js';

describe('byte sizes and durations', () => {
  it('reads binary and decimal units', () => {
    expect(parseByteSize('1MiB')).toBe(1_048_576);
    expect(parseByteSize('512kb')).toBe(512_000);
    expect(parseByteSize(2000)).toBe(2000);
    expect(parseByteSize('1 lightyear')).toBeUndefined();
  });
  it('reads durations', () => {
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('soon')).toBeUndefined();
  });
});
