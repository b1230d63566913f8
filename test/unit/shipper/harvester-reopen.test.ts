import { appendFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Batcher } from '../../../shipper/batcher.js';
import { parseShipperConfig, type InputConfig } from '../../../shipper/config.js';
import { CHECK_BYTES } from '../../../shipper/file-identity.js';
import { Harvester, type HarvesterContext, type Source } from '../../../shipper/harvester.js';
import { Registry } from '../../../shipper/registry.js';
import { auditSequence, logLines } from '../../support/sequence-log.js';
import { testLogger } from '../../support/shipper-testbed.js';

/** A gate the test opens. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/**
 * A file handle whose reads the test orders: reads of at most CHECK_BYTES (the bytes before an offset), after the
 * first `pass` of them, wait until releaseCheck(); once holdReads() was called, larger reads (a reader's chunks)
 * wait until releaseReads().
 */
class OrderedFile {
  readonly fh: FileHandle;
  /** A check read is waiting. */
  checkHeld = false;
  /** stat() calls so far. */
  stats = 0;
  private small = 0;
  private readonly check = gate();
  private reads: ReturnType<typeof gate> | undefined;
  /** stat() and read() calls not held back. */
  private readonly running: Promise<unknown>[] = [];

  constructor(target: FileHandle, pass: number) {
    const read = (buffer: Buffer, offset: number, length: number, position: number) => {
      const go = () => target.read(buffer, offset, length, position);
      if (length <= CHECK_BYTES && ++this.small > pass) {
        this.checkHeld = true;
        return this.check.wait.then(go);
      }
      if (length > CHECK_BYTES && this.reads) return this.reads.wait.then(go);
      return this.track(go());
    };
    const stat = (options?: { bigint?: boolean }) => {
      this.stats++;
      return this.track(target.stat(options as { bigint: false }));
    };
    this.fh = new Proxy(target, {
      get(t, prop, receiver) {
        if (prop === 'read') return read;
        if (prop === 'stat') return stat;
        const value: unknown = Reflect.get(t, prop, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
      },
    });
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running.push(p);
    return p;
  }

  releaseCheck(): void {
    this.check.open();
  }

  holdReads(): void {
    this.reads = gate();
  }

  releaseReads(): void {
    this.reads?.open();
  }

  /** Every call not held back has finished, and what the caller did right after it has run. */
  async quiet(): Promise<void> {
    await Promise.all(this.running);
    await new Promise((r) => setImmediate(r));
    await Promise.all(this.running);
  }
}

describe('a harvester reopening a parked file at its registry entry', () => {
  let dir: string;
  let file: string;
  let input: InputConfig;
  let registry: Registry;
  /** Stored by id, first copy wins, like the collector's idempotent ingest. */
  let stored: Map<string, { message: string }>;
  let batcher: Batcher<Source>;
  let truncations: string[];
  let ctx: HarvesterContext;
  const handles: FileHandle[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'logship-reopen-'));
    file = join(dir, 'f.log');
    const config = parseShipperConfig({
      collectors: ['http://127.0.0.1:9'],
      token: 't',
      data_dir: join(dir, 'data'),
      host: 'reopen-test',
      inputs: [{ paths: [join(dir, '*.log')], service: 'api' }],
    });
    input = config.inputs[0]!;
    registry = await Registry.open(config.data_dir, testLogger);
    stored = new Map();
    batcher = new Batcher<Source>(
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
    truncations = [];
    ctx = {
      host: 'reopen-test',
      tz: 'UTC',
      registry,
      batcher,
      logger: testLogger,
      isStopping: () => false,
      onRead: () => undefined,
      onFlagged: () => undefined,
      onTruncation: (reason) => truncations.push(reason),
      openFiles: () => [],
      exclusive: (work) => work(),
    };
  });

  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.close().catch(() => undefined)));
    await rm(dir, { recursive: true, force: true });
  });

  const openHandle = async () => {
    const fh = await open(file, 'r');
    handles.push(fh);
    return fh;
  };

  /** Round 1: 25 lines read, acknowledged and parked at the file's end (what FileTable.closeIdleFile stores). */
  async function parkedAfterFirstRound(): Promise<void> {
    writeFileSync(file, logLines(0, 25));
    const first = new Harvester(ctx, await openHandle(), file, input, false);
    await first.prepare();
    first.kick();
    await first.settled();
    registry.set(first.entryFor(first.current!, Buffer.byteLength(logLines(0, 25))));
    await first.close();
  }

  /**
   * After round 1, round 2's lines are appended and the file reopened with ordered reads: its resume decision reads
   * the stored tail (the first check read), and the check bytes before the resume offset (the second) wait while a
   * read pass starts (the poll kicks every open file every interval, also while one is being established).
   */
  async function reopenWithPassDuringCheck(
    holdPassReads: boolean,
  ): Promise<{ h: Harvester; prepared: Promise<void>; ordered: OrderedFile }> {
    await parkedAfterFirstRound();
    appendFileSync(file, logLines(25, 50));
    const ordered = new OrderedFile(await openHandle(), 1);
    const h = new Harvester(ctx, ordered.fh, file, input, false);
    const prepared = h.prepare();
    while (!ordered.checkHeld) await new Promise((r) => setTimeout(r, 5));
    if (holdPassReads) ordered.holdReads();
    const stats = ordered.stats;
    h.kick();
    expect(ordered.stats).toBe(stats + 1);
    await ordered.quiet();
    return { h, prepared, ordered };
  }

  /** Every line of [0, n) arrived once, under the first generation's ids. */
  async function expectEachLineOnce(h: Harvester, n: number): Promise<void> {
    await batcher.close();
    await h.close();
    expect(auditSequence(stored.values(), n)).toEqual({ events: n, distinct: n, duplicates: 0, gaps: 0 });
    expect(truncations).toEqual([]);
    expect(h.current?.generation).toBe(0);
  }

  it('does not start a new generation when the check bytes land while the first read pass reads', async () => {
    const { h, prepared, ordered } = await reopenWithPassDuringCheck(true);
    // The check bytes land first, then the pass's read (issued before them, if it was) returns.
    ordered.releaseCheck();
    await prepared;
    ordered.releaseReads();
    await h.settled();
    await expectEachLineOnce(h, 50);
  });

  it('does not start a new generation at the next append when the check bytes land after the first pass', async () => {
    const { h, prepared, ordered } = await reopenWithPassDuringCheck(false);
    // The pass (if it could go on) has read the new lines; only then do the check bytes land.
    ordered.releaseCheck();
    await prepared;
    await h.settled();
    // Round 3: more lines, read by the same harvester.
    appendFileSync(file, logLines(50, 75));
    h.kick();
    await h.settled();
    await expectEachLineOnce(h, 75);
  });
});
