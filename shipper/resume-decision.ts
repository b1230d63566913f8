import {
  bytesBefore,
  contentKey,
  generationKey,
  identityKey,
  nextGenerationKey,
  saltedKey,
  type FileIdentity,
  type ReadableFile,
} from './file-identity.js';
import type { Registry } from './registry.js';

/** One generation of an open file as the decision sees it: what it is, its ids, how far it was acknowledged. */
export interface GenerationView {
  readonly identity: FileIdentity;
  readonly idKey: string;
  /** The last acknowledged offset. */
  readonly committed: number;
}

/** Where a file's read position was when it was last looked at, to recognise a copy of that content. */
export interface ReadMark {
  source: GenerationView;
  /** Offset up to which the content was read. */
  position: number;
  /** The bytes just before `position`. */
  check: Buffer;
}

/** Another open file, as copy detection sees it. */
export interface OpenFileView {
  readonly path: string;
  readonly size: number;
  /** Its current generation (undefined until its first line is complete). */
  readonly current: GenerationView | undefined;
  /** The current and the previous generation with their read positions. */
  readMarks(): ReadMark[];
  /** Up to `length` bytes from the start of the file. */
  head(length: number): Promise<Buffer>;
}

/** The generation that content written after a truncation seen while running follows. */
export interface FollowedGeneration {
  fingerprint: string;
  generation: number;
  idKey: string;
}

/** What the decision needs to know about a file whose identity was just established. */
export interface ResumeQuery {
  identity: FileIdentity;
  /** The file's size when it was identified. */
  size: number;
  file: ReadableFile;
  registry: Pick<Registry, 'get' | 'withFingerprint' | 'sameInode'>;
  /** Every other open file: the new file may be a copy of one of them (copytruncate seen while running). */
  others: Iterable<OpenFileView>;
  /** Set when this file was truncated while being read: the generation the new content follows. */
  follows: FollowedGeneration | undefined;
  /** start_at: end applies (a file present at start-up, of an input with start_at: end). */
  startAtEnd: boolean;
}

/** Where and under which ids a file is read. */
export interface ResumePoint {
  offset: number;
  /** How often the file was truncated and refilled with the same first line. */
  generation: number;
  /** What event ids are derived from. */
  idKey: string;
  /** Why this offset (logged). */
  reason: string;
  /** Registry entries to keep as retired generations: their content is gone from this inode. */
  retire: string[];
  /** The file was found truncated while the shipper was stopped (counted like a truncation seen while running). */
  truncatedWhileStopped: boolean;
}

/** How much of two files with the same first line is compared to tell a copy from a different file. */
const PREFIX_COMPARE_BYTES = 1024 * 1024;

/** How far back start_at: end looks for the start of the current line. */
const LINE_START_WINDOW = 64 * 1024;

/**
 * Decides where a newly identified file is read from and under which ids (Vector keeps this in its checkpointer):
 *  - truncated while running and refilled with the same first line: a new generation from 0;
 *  - known to the registry with the same bytes before the stored offset: on from there;
 *  - known, but the bytes differ or the file is shorter: truncated while stopped, a new generation from 0;
 *  - unknown, but a copy of a known or open file (copytruncate): on from where the original was acknowledged,
 *    under the original's ids;
 *  - otherwise a new file: from 0, or from the last line start for start_at: end.
 * It only reads: what the registry must change comes back in `retire`.
 */
export async function decideResume(q: ResumeQuery): Promise<ResumePoint> {
  const { identity, size, registry } = q;
  const key = identityKey(identity);
  const stored = registry.get(key);
  const point = (
    offset: number,
    generation: number,
    idKey: string,
    reason: string,
    /** The stored entry describes content this file no longer holds. */
    truncated: 'running' | 'stopped' | undefined = undefined,
  ): ResumePoint => ({
    offset,
    generation,
    idKey,
    reason,
    // A truncated file's stored entry is kept as a copy candidate; so is what was stored for an inode that now
    // holds other content (looked up last, after every read above).
    retire: [...(stored && truncated ? [key] : []), ...registry.sameInode(identity.dev, identity.ino, key)],
    truncatedWhileStopped: truncated === 'stopped',
  });
  if (q.follows !== undefined && q.follows.fingerprint === identity.fingerprint) {
    // Truncated while running and refilled with the same first line: only a new generation tells the new content
    // from the old.
    const generation = q.follows.generation + 1;
    return point(0, generation, nextGenerationKey(q.follows.idKey, generation), 'truncated', 'running');
  }
  if (stored && stored.offset <= size && (await tailMatches(q.file, stored.offset, stored.tail))) {
    const generation = stored.generation ?? 0;
    return point(stored.offset, generation, stored.id_key ?? generationKey(identity, generation), 'registry');
  }
  if (stored) {
    const generation = (stored.generation ?? 0) + 1;
    const idKey = nextGenerationKey(stored.id_key ?? generationKey(identity, 0), generation);
    return point(0, generation, idKey, 'truncated while the shipper was stopped', 'stopped');
  }
  const origin = await copyOrigin(q);
  if (origin.copyOf) {
    return point(origin.copyOf.offset, 0, origin.copyOf.idKey, `a copy of ${origin.copyOf.path}`);
  }
  const idKey = origin.distinct ? saltedKey(identity) : contentKey(identity);
  if (q.startAtEnd) return point(await lineStartBefore(q.file, size), 0, idKey, 'start_at end');
  const reason = origin.distinct ? 'new file (its first line is also the first line of another file)' : 'new file';
  return point(0, 0, idKey, reason);
}

/** Whether `tail` (base64 in the registry) is what the file holds just before `offset`. */
async function tailMatches(file: ReadableFile, offset: number, tail: string | undefined): Promise<boolean> {
  if (offset === 0) return true;
  if (tail === undefined) return true; // written by an older shipper: only the size check applies
  const actual = await bytesBefore(file, offset);
  return actual.toString('base64') === tail;
}

/** Up to `length` bytes of `file` from `position`. */
async function readAt(file: ReadableFile, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await file.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/** The offset of the first line at or before `size`, so start_at: end never starts in the middle of a line. */
async function lineStartBefore(file: ReadableFile, size: number): Promise<number> {
  const from = Math.max(0, size - LINE_START_WINDOW);
  const nl = (await readAt(file, from, size - from)).lastIndexOf(0x0a);
  if (nl >= 0) return from + nl + 1;
  return from === 0 ? 0 : size;
}

/**
 * Whether a new file is a copy of a known one (copytruncate: a new inode with the same first bytes), told by the
 * same bytes before the known read or acknowledged offset. A copy continues at the acknowledged offset under the
 * original's ids: what was shipped is not shipped again, and the lines written just before the truncation (only in
 * the copy now) are not lost. `distinct` means a file with the same first line but other content was found: the
 * new file must not share ids with it.
 */
async function copyOrigin(
  q: ResumeQuery,
): Promise<{ copyOf?: { offset: number; idKey: string; path: string }; distinct: boolean }> {
  const { identity, size, file } = q;
  let best: { offset: number; idKey: string; path: string } | undefined;
  let distinct = false;
  const same = (e: FileIdentity): boolean => e.dev === identity.dev && e.ino === identity.ino;
  const endsWith = async (position: number, expected: Buffer): Promise<boolean> => {
    const actual = await bytesBefore(file, position);
    return actual.subarray(actual.length - expected.length).equals(expected);
  };
  for (const other of q.others) {
    for (const mark of other.readMarks()) {
      const id = mark.source.identity;
      if (id.fingerprint !== identity.fingerprint || same(id)) continue;
      if (mark.position > size || mark.check.length === 0) continue; // a copy older than what was read: undecided
      if (await endsWith(mark.position, mark.check)) {
        if (!best || best.offset < mark.source.committed) {
          best = { offset: mark.source.committed, idKey: mark.source.idKey, path: other.path };
        }
      } else {
        distinct = true;
      }
    }
    // A file with the same first line that nothing was read from yet: compare the starts of both files.
    const current = other.current;
    if (current && current.identity.fingerprint === identity.fingerprint && !same(current.identity)) {
      if (other.readMarks().length === 0) {
        const length = Math.min(size, other.size, PREFIX_COMPARE_BYTES);
        const [mine, theirs] = await Promise.all([readAt(file, 0, length), other.head(length)]);
        if (mine.equals(theirs)) best ??= { offset: current.committed, idKey: current.idKey, path: other.path };
        else distinct = true;
      }
    }
  }
  // Stored entries: a copy made while the shipper was down, or of a file no longer open.
  for (const e of q.registry.withFingerprint(identity.fingerprint)) {
    if (same(e) || e.tail === undefined || e.offset === 0 || e.offset > size) continue;
    if (await tailMatches(file, e.offset, e.tail)) {
      if (!best || best.offset < e.offset) {
        best = { offset: e.offset, idKey: e.id_key ?? generationKey(e, e.generation ?? 0), path: e.path };
      }
    } else {
      distinct = true;
    }
  }
  return best ? { copyOf: best, distinct: false } : { distinct };
}
