import { appendFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Batcher } from '../../../shipper/batcher.js';
import { parseShipperConfig } from '../../../shipper/config.js';
import { CHECK_BYTES } from '../../../shipper/file-identity.js';
import { Harvester, type HarvesterContext, type Source } from '../../../shipper/harvester.js';
import { Registry } from '../../../shipper/registry.js';
import { auditSequence, logLines } from '../../support/sequence-log.js';
import { testLogger } from '../../support/shipper-testbed.js';

/** A file handle that holds back the few-byte reads of check bytes and records its other calls. */
interface GatedFile {
  fh: FileHandle;
  /** A read of check bytes waits for release(). */
  held(): boolean;
  release(): void;
  /** Resolves when every stat() and larger read() started so far has finished. */
  othersDone(): Promise<unknown>;
  /** stat() calls started so far. */
  stats: number;
}

/**
 * Wraps a file handle so its reads of at most CHECK_BYTES (the bytes before an offset), after the first `pass` of
 * them, wait until release(): the test decides when they land relative to a read pass.
 */
function gatedReads(fh: FileHandle, pass: number): GatedFile {
  let small = 0;
  let held = false;
  let waiting: (() => void) | undefined;
  const gate = new Promise<void>((resolve) => (waiting = resolve));
  const others: Promise<unknown>[] = [];
  const file: GatedFile = {
    fh: fh,
    held: () => held,
    release: () => waiting!(),
    othersDone: () => Promise.all(others),
    stats: 0,
  };
  file.fh = new Proxy(fh, {
    get(target, prop, receiver) {
      if (prop === 'read') {
        return (buffer: Buffer, offset: number, length: number, position: number) => {
          if (length <= CHECK_BYTES && ++small > pass) {
            held = true;
            return gate.then(() => target.read(buffer, offset, length, position));
          }
          const read = target.read(buffer, offset, length, position);
          others.push(read);
          return read;
        };
      }
      if (prop === 'stat') {
        return (options?: { bigint?: boolean }) => {
          file.stats++;
          const stat = target.stat(options as { bigint: false });
          others.push(stat);
          return stat;
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return file;
}

describe('a harvester reopening a parked file at its registry entry', () => {
  let dir: string;
  const handles: FileHandle[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'logship-reopen-'));
  });

  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.close().catch(() => undefined)));
    await rm(dir, { recursive: true, force: true });
  });

  it('reads on without sending old lines again when a read pass runs before its resume check bytes are read', async () => {
    const file = join(dir, 'f.log');
    const config = parseShipperConfig({
      collectors: ['http://127.0.0.1:9'],
      token: 't',
      data_dir: join(dir, 'data'),
      host: 'reopen-test',
      inputs: [{ paths: [join(dir, '*.log')], service: 'api' }],
    });
    const input = config.inputs[0]!;
    const registry = await Registry.open(config.data_dir, testLogger);
    // Stored by id, first copy wins, like the collector's idempotent ingest.
    const stored = new Map<string, { message: string }>();
    const batcher = new Batcher<Source>(
      { maxEvents: 1000, maxBytes: 1 << 20, maxWaitMs: 10, maxInFlight: 4 },
      async (batch) => {
        for (const line of batch.body.body.toString('utf8').split('\n')) {
          if (!line) continue;
          const event = JSON.parse(line) as { id: string; message: string };
          if (!stored.has(event.id)) stored.set(event.id, event);
        }
      },
      (err) => {
        throw err;
      },
    );
    const truncations: string[] = [];
    let harvesters: Harvester[] = [];
    const ctx: HarvesterContext = {
      host: 'reopen-test',
      tz: 'UTC',
      registry,
      batcher,
      logger: testLogger,
      isStopping: () => false,
      onRead: () => undefined,
      onFlagged: () => undefined,
      onTruncation: (reason) => truncations.push(reason),
      openFiles: () => harvesters,
      exclusive: (work) => work(),
    };
    const openHandle = async () => {
      const fh = await open(file, 'r');
      handles.push(fh);
      return fh;
    };

    // Round 1: the file is read, acknowledged and parked at its end (what FileTable.closeIdleFile stores).
    writeFileSync(file, logLines(0, 25));
    const first = new Harvester(ctx, await openHandle(), file, input, false);
    harvesters = [first];
    await first.prepare();
    first.kick();
    await first.settled();
    const end = Buffer.byteLength(logLines(0, 25));
    registry.set(first.entryFor(first.current!, end));
    await first.close();
    harvesters = [];

    // Round 2: lines appended, the file reopened. Its resume decision reads the stored tail (the first small
    // read); the check bytes before the resume offset (the second) land only after a read pass (the poll kicks
    // every open file) has read the new lines.
    appendFileSync(file, logLines(25, 50));
    const gated = gatedReads(await openHandle(), 1);
    const second = new Harvester(ctx, gated.fh, file, input, false);
    harvesters = [second];
    const prepared = second.prepare();
    while (!gated.held()) await new Promise((r) => setTimeout(r, 5));
    const stats = gated.stats;
    second.kick();
    expect(gated.stats).toBe(stats + 1);
    // The pass's stat and, if it went on to read, its read have finished, and what follows them has run.
    await gated.othersDone();
    await new Promise((r) => setImmediate(r));
    await gated.othersDone();
    gated.release();
    await prepared;
    await second.settled();

    // Round 3: more lines, read by the same harvester.
    appendFileSync(file, logLines(50, 75));
    second.kick();
    await second.settled();
    await batcher.close();
    await second.close();

    expect(auditSequence(stored.values(), 75)).toEqual({ events: 75, distinct: 75, duplicates: 0, gaps: 0 });
    expect(truncations).toEqual([]);
    expect(second.current?.generation).toBe(0);
  });
});
