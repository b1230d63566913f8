import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventId } from '../../../shipper/event-id.js';
import { fingerprintOf, identifyFile, identityKey } from '../../../shipper/file-identity.js';

describe('event id', () => {
  const key = '2049:131077:' + 'ab'.repeat(32);

  it('is the same for the same line computed twice', () => {
    expect(eventId('web-1', key, 1234)).toBe(eventId('web-1', key, 1234));
    // 16 characters of file prefix, then the offset in base 36 (1234 = "ya").
    expect(eventId('web-1', key, 1234)).toMatch(/^[A-Za-z0-9_-]{16}ya$/);
    expect(eventId('web-1', key, 0).slice(0, 16)).toBe(eventId('web-1', key, 1234).slice(0, 16));
  });

  it('differs per offset, per file and per host', () => {
    const ids = new Set([
      eventId('web-1', key, 0),
      eventId('web-1', key, 1),
      eventId('web-1', key.replace('131077', '131078'), 0),
      eventId('web-2', key, 0),
    ]);
    expect(ids.size).toBe(4);
  });
});

describe('file identity', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'logship-identity-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('has no fingerprint until the first line is complete or 1024 bytes exist', () => {
    expect(fingerprintOf(Buffer.from('2026-11-26 started'))).toBeUndefined();
    expect(fingerprintOf(Buffer.from('x'.repeat(1023)))).toBeUndefined();
    expect(fingerprintOf(Buffer.from('x'.repeat(1024)))).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintOf(Buffer.from('2026-11-26 started\n'))).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the fingerprint when lines are appended, so a restart finds the file again', () => {
    const once = fingerprintOf(Buffer.from('first line\n'));
    expect(fingerprintOf(Buffer.from('first line\nsecond line\n'))).toBe(once);
    expect(fingerprintOf(Buffer.from('other first line\n'))).not.toBe(once);
    // A first line longer than 1024 bytes: only its first 1024 bytes count.
    const long = 'y'.repeat(1024);
    expect(fingerprintOf(Buffer.from(`${long}zzz\n`))).toBe(fingerprintOf(Buffer.from(long)));
  });

  it('identifies an open file by dev, inode and fingerprint, also after a rename', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, 'partial');
    const fh = await open(file, 'r');
    try {
      expect(await identifyFile(fh)).toBeUndefined();
      appendFileSync(file, ' line\n');
      const id = await identifyFile(fh);
      expect(id).toBeDefined();
      renameSync(file, join(dir, 'app.log.1'));
      appendFileSync(join(dir, 'app.log.1'), 'more\n');
      const again = await identifyFile(fh);
      expect(identityKey(again!)).toBe(identityKey(id!));
      expect(identityKey(id!)).toMatch(/^\d+:\d+:[0-9a-f]{64}$/);
    } finally {
      await fh.close();
    }
  });
});

describe('event id writing', () => {
  it('writes offsets in base 36 and 10 exactly like toString', async () => {
    const { writeUint } = await import('../../../shipper/event-id.js');
    const buf = Buffer.alloc(32);
    for (const n of [0, 9, 10, 35, 36, 181, 1_048_576, 2 ** 31 - 1, 2 ** 31, 2 ** 40 + 7, 9_007_199_254_740_991]) {
      for (const radix of [10, 36]) {
        const end = writeUint(buf, 3, n, radix);
        expect(buf.toString('latin1', 3, end)).toBe(n.toString(radix));
      }
    }
  });
});
