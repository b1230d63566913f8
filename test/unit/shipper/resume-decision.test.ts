import {
  CHECK_BYTES,
  contentKey,
  fingerprintOf,
  generationKey,
  identityKey,
  saltedKey,
  type FileIdentity,
  type ReadableFile,
} from '../../../shipper/file-identity.js';
import type { RegistryEntry } from '../../../shipper/registry.js';
import { decideResume, type OpenFileView, type ResumeQuery } from '../../../shipper/resume-decision.js';

/** A file's bytes behind the ReadableFile the decision reads through. */
function fakeFile(content: Buffer): ReadableFile {
  return {
    async read(buffer, offset, length, position) {
      const end = Math.min(content.length, position + length);
      const bytesRead = Math.max(0, end - position);
      content.copy(buffer, offset, position, position + bytesRead);
      return { bytesRead };
    },
  };
}

/** The registry as the decision sees it: entries by key, looked up exactly like the real one does. */
class FakeRegistry {
  readonly entries = new Map<string, RegistryEntry>();

  constructor(entries: RegistryEntry[] = []) {
    for (const e of entries) {
      this.entries.set(e.retired_at === undefined ? identityKey(e) : `${identityKey(e)}#g${e.generation ?? 0}`, e);
    }
  }

  get(key: string): RegistryEntry | undefined {
    return this.entries.get(key);
  }

  withFingerprint(fingerprint: string): RegistryEntry[] {
    return [...this.entries.values()].filter((e) => e.fingerprint === fingerprint);
  }

  sameInode(dev: string, ino: string, exceptKey: string): string[] {
    return [...this.entries]
      .filter(([k, e]) => e.retired_at === undefined && e.dev === dev && e.ino === ino && k !== exceptKey)
      .map(([k]) => k);
  }
}

const FIRST = 'first line of the log\n';
/** 20 lines after the common first line; `variant` changes their content, not their lengths. */
function content(lines: number, variant = 'a'): Buffer {
  let s = FIRST;
  for (let i = 0; i < lines; i++) s += `line ${String(i).padStart(4, '0')} ${variant.repeat(20)}\n`;
  return Buffer.from(s);
}
const FINGERPRINT = fingerprintOf(Buffer.from(FIRST))!;
const ME: FileIdentity = { dev: '2049', ino: '100', fingerprint: FINGERPRINT };
const OTHER: FileIdentity = { dev: '2049', ino: '200', fingerprint: FINGERPRINT };

/** The base64 tail a registry entry stores for `offset` of `bytes`. */
function tailOf(bytes: Buffer, offset: number): string {
  return bytes.subarray(Math.max(0, offset - CHECK_BYTES), offset).toString('base64');
}

/** An open file as copy detection sees it. */
function openFile(
  identity: FileIdentity,
  bytes: Buffer,
  committed: number,
  readTo: number | undefined,
  path = '/logs/other.log',
): OpenFileView {
  const current = { identity, idKey: contentKey(identity), committed };
  return {
    path,
    size: bytes.length,
    current,
    readMarks: () =>
      readTo === undefined ? [] : [{ source: current, position: readTo, check: bytes.subarray(readTo - 32, readTo) }],
    head: async (length) => bytes.subarray(0, length),
  };
}

function query(bytes: Buffer, registry: FakeRegistry, extra: Partial<ResumeQuery> = {}): ResumeQuery {
  return {
    identity: ME,
    size: bytes.length,
    file: fakeFile(bytes),
    registry,
    others: [],
    follows: undefined,
    startAtEnd: false,
    ...extra,
  };
}

/** A line start inside `bytes` (a multiple of the 31-byte lines after the first line). */
const lineStart = (n: number): number => FIRST.length + 31 * n;

describe('resume decision', () => {
  const bytes = content(20);

  it('reads a new file from 0 under its content key', async () => {
    const point = await decideResume(query(bytes, new FakeRegistry()));
    expect(point).toEqual({
      offset: 0,
      generation: 0,
      idKey: contentKey(ME),
      reason: 'new file',
      retire: [],
      truncatedWhileStopped: false,
    });
  });

  it('with start_at end starts a new file at its last complete line, or at its end after a long last line', async () => {
    const partial = Buffer.concat([bytes, Buffer.from('half a line')]);
    expect((await decideResume(query(partial, new FakeRegistry(), { startAtEnd: true }))).offset).toBe(bytes.length);
    const point = await decideResume(query(bytes, new FakeRegistry(), { startAtEnd: true }));
    expect([point.offset, point.reason]).toEqual([bytes.length, 'start_at end']);
    // No newline in the last 64 KiB: the file's end, never the middle of a line.
    const long = Buffer.concat([bytes, Buffer.alloc(70_000, 0x41)]);
    expect((await decideResume(query(long, new FakeRegistry(), { startAtEnd: true }))).offset).toBe(long.length);
    // A file that is one unfinished line: from 0.
    const one = Buffer.from('no newline yet');
    expect((await decideResume(query(one, new FakeRegistry(), { startAtEnd: true }))).offset).toBe(0);
  });

  it('resumes at the stored offset when the bytes before it are the stored ones', async () => {
    const offset = lineStart(12);
    const registry = new FakeRegistry([
      { ...ME, path: '/logs/app.log', offset, generation: 3, id_key: 'c:kept', tail: tailOf(bytes, offset) },
    ]);
    const point = await decideResume(query(bytes, registry));
    expect(point).toEqual({
      offset,
      generation: 3,
      idKey: 'c:kept',
      reason: 'registry',
      retire: [],
      truncatedWhileStopped: false,
    });
  });

  it('resumes an entry of an older shipper (no tail, no id key) by size alone under its generation key', async () => {
    const offset = lineStart(5);
    const registry = new FakeRegistry([{ ...ME, path: '/logs/app.log', offset, generation: 2 }]);
    const point = await decideResume(query(bytes, registry));
    expect([point.offset, point.generation, point.idKey]).toEqual([offset, 2, generationKey(ME, 2)]);
  });

  it('starts a new generation from 0 for a file that is shorter than its stored offset (truncated while stopped)', async () => {
    const registry = new FakeRegistry([{ ...ME, path: '/logs/app.log', offset: bytes.length + 1, id_key: 'c:old' }]);
    const point = await decideResume(query(bytes, registry));
    expect(point).toEqual({
      offset: 0,
      generation: 1,
      idKey: 'c:old:g1',
      reason: 'truncated while the shipper was stopped',
      retire: [identityKey(ME)],
      truncatedWhileStopped: true,
    });
  });

  it('starts a new generation when the bytes before the stored offset changed (truncated and regrown while stopped)', async () => {
    const offset = lineStart(12);
    const other = content(20, 'b');
    const registry = new FakeRegistry([
      { ...ME, path: '/logs/app.log', offset, generation: 1, id_key: 'c:old:g1', tail: tailOf(other, offset) },
    ]);
    const point = await decideResume(query(bytes, registry));
    expect([point.offset, point.generation, point.idKey, point.truncatedWhileStopped]).toEqual([
      0,
      2,
      'c:old:g2',
      true,
    ]);
    expect(point.retire).toEqual([identityKey(ME)]);
  });

  it('follows a truncation seen while running with the next generation, also over a stored entry', async () => {
    const follows = { fingerprint: FINGERPRINT, generation: 4, idKey: 'c:x:g4' };
    const fresh = await decideResume(query(bytes, new FakeRegistry(), { follows }));
    expect(fresh).toEqual({
      offset: 0,
      generation: 5,
      idKey: 'c:x:g5',
      reason: 'truncated',
      retire: [],
      truncatedWhileStopped: false,
    });
    const registry = new FakeRegistry([{ ...ME, path: '/logs/app.log', offset: 10, tail: tailOf(bytes, 10) }]);
    const over = await decideResume(query(bytes, registry, { follows }));
    expect([over.offset, over.generation, over.retire]).toEqual([0, 5, [identityKey(ME)]]);
  });

  it('ignores a followed generation with another first line: the file is then new', async () => {
    const follows = { fingerprint: 'f'.repeat(64), generation: 4, idKey: 'c:x:g4' };
    const point = await decideResume(query(bytes, new FakeRegistry(), { follows }));
    expect([point.offset, point.generation, point.idKey, point.reason]).toEqual([0, 0, contentKey(ME), 'new file']);
  });

  it('retires what was stored for this inode under another first line (the inode was reused)', async () => {
    const reused: RegistryEntry = { dev: ME.dev, ino: ME.ino, fingerprint: 'e'.repeat(64), path: '/x', offset: 99 };
    const retired: RegistryEntry = { ...reused, fingerprint: 'd'.repeat(64), retired_at: 1 };
    const point = await decideResume(query(bytes, new FakeRegistry([reused, retired])));
    expect(point.retire).toEqual([identityKey(reused)]);
    expect(point.reason).toBe('new file');
  });

  it('continues a copy of an open file at what the original had acknowledged, under its ids', async () => {
    // The original was read to line 15 and acknowledged to line 10; the copy holds all 20 lines.
    const original = openFile(OTHER, bytes, lineStart(10), lineStart(15), '/logs/app.log');
    const point = await decideResume(query(bytes, new FakeRegistry(), { others: [original] }));
    expect(point).toEqual({
      offset: lineStart(10),
      generation: 0,
      idKey: contentKey(OTHER),
      reason: 'a copy of /logs/app.log',
      retire: [],
      truncatedWhileStopped: false,
    });
  });

  it('salts the ids of a file whose first line matches an open file with other content', async () => {
    const other = openFile(OTHER, content(20, 'b'), lineStart(10), lineStart(15));
    const point = await decideResume(query(bytes, new FakeRegistry(), { others: [other] }));
    expect([point.offset, point.idKey]).toEqual([0, saltedKey(ME)]);
    expect(point.reason).toBe('new file (its first line is also the first line of another file)');
  });

  it('leaves undecided an open file read further than this one is long, and skips its own inode', async () => {
    const short = bytes.subarray(0, lineStart(8));
    const further = openFile(OTHER, content(20, 'b'), lineStart(10), lineStart(15));
    const itself = openFile(ME, content(20, 'b'), lineStart(2), lineStart(4));
    const point = await decideResume(query(short, new FakeRegistry(), { others: [further, itself] }));
    expect([point.offset, point.idKey]).toEqual([0, contentKey(ME)]);
  });

  it('compares the starts of an open file nothing was read from: same bytes a copy, other bytes distinct', async () => {
    const unread = openFile(OTHER, bytes, 0, undefined, '/logs/unread.log');
    const copy = await decideResume(query(bytes, new FakeRegistry(), { others: [unread] }));
    expect([copy.offset, copy.idKey, copy.reason]).toEqual([0, contentKey(OTHER), 'a copy of /logs/unread.log']);
    const differs = openFile(OTHER, content(20, 'b'), 0, undefined);
    const distinct = await decideResume(query(bytes, new FakeRegistry(), { others: [differs] }));
    expect(distinct.idKey).toBe(saltedKey(ME));
  });

  it('continues a copy of a stored file (copied while the shipper was down) at its stored offset and ids', async () => {
    const registry = new FakeRegistry([
      { ...OTHER, path: '/logs/app.log', offset: lineStart(6), id_key: 'c:orig', tail: tailOf(bytes, lineStart(6)) },
      // A retired generation of the same file, acknowledged further: the furthest match wins.
      {
        ...OTHER,
        path: '/logs/app.log',
        offset: lineStart(9),
        generation: 1,
        tail: tailOf(bytes, lineStart(9)),
        retired_at: 5,
      },
      // Not candidates: a retired generation of this very inode, no tail (cannot be checked), offset 0, longer
      // than this file.
      { ...ME, path: '/logs/me.log', offset: lineStart(18), tail: tailOf(bytes, lineStart(18)), retired_at: 6 },
      { ...OTHER, ino: '300', path: '/a', offset: lineStart(15) },
      { ...OTHER, ino: '301', path: '/b', offset: 0, tail: '' },
      { ...OTHER, ino: '302', path: '/c', offset: bytes.length + 31, tail: tailOf(bytes, 40) },
    ]);
    const point = await decideResume(query(bytes, registry));
    expect(point).toEqual({
      offset: lineStart(9),
      generation: 0,
      idKey: generationKey(OTHER, 1),
      reason: 'a copy of /logs/app.log',
      retire: [],
      truncatedWhileStopped: false,
    });
  });

  it('salts the ids when a stored file with the same first line holds other bytes', async () => {
    const other = content(20, 'b');
    const registry = new FakeRegistry([
      { ...OTHER, path: '/logs/app.log', offset: lineStart(6), tail: tailOf(other, lineStart(6)) },
    ]);
    const point = await decideResume(query(bytes, registry, { startAtEnd: true }));
    expect([point.offset, point.idKey, point.reason]).toEqual([bytes.length, saltedKey(ME), 'start_at end']);
  });

  it('prefers the copy acknowledged furthest among open and stored originals', async () => {
    const open = openFile(OTHER, bytes, lineStart(3), lineStart(4), '/logs/open.log');
    const registry = new FakeRegistry([
      { ...OTHER, ino: '201', path: '/logs/stored.log', offset: lineStart(7), tail: tailOf(bytes, lineStart(7)) },
    ]);
    const point = await decideResume(query(bytes, registry, { others: [open] }));
    expect([point.offset, point.reason]).toEqual([lineStart(7), 'a copy of /logs/stored.log']);
  });
});
