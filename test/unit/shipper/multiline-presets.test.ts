import { readFileSync } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IngestEvent } from '../../../protocol/event.js';
import { parseShipperConfig, type ShipperConfig } from '../../../shipper/config.js';
import type { Line } from '../../../shipper/line-reader.js';
import { MultilineGrouper } from '../../../shipper/multiline.js';
import { multilineStart, type MultilinePreset } from '../../../shipper/multiline-presets.js';
import { startShipper, type RunningShipper } from '../../../shipper/shipper.js';
import type { FakeCollector } from '../../support/fake-collector.js';
import { closeTestbed, linesOf, openTestbed, testbedConfig, testLogger } from '../../support/shipper-testbed.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'multiline');
const logger = testLogger;
const FAST = { pollIntervalMs: 100, registryFlushMs: 100, orphanIdleMs: 500 };

function fixture(preset: MultilinePreset): string {
  return readFileSync(join(FIXTURES, `${preset}.log`), 'utf8');
}

/** Groups a whole file with a preset, the last record flushed as the timeout would. */
function group(preset: MultilinePreset, text: string): Line[] {
  const g = new MultilineGrouper({ start: multilineStart({ preset }), maxLines: 500, maxBytes: 1 << 20 });
  const records = linesOf(text)
    .map((l) => g.push(l))
    .filter((r): r is Line => r !== undefined);
  const last = g.flush();
  if (last) records.push(last);
  return records;
}

/** Lines per event, in file order. */
const shape = (records: { text?: string; message?: string }[]): number[] =>
  records.map((r) => (r.text ?? r.message ?? '').split('\n').length);

describe('multiline presets', () => {
  it('java: keeps the exception, frames, "Caused by:", "Suppressed:" and "... n more" under their log line', () => {
    // logback and the JVM's own report of an uncaught exception in one file (scripts/fixtures/logback.sh).
    const records = group('java', fixture('java'));
    expect(shape(records)).toEqual([1, 16, 1, 1, 7, 1]);
    const error = records[1]!.text.split('\n');
    expect(error[0]).toBe(
      '2026-12-05 07:06:06.845 ERROR [http-nio-8080-exec-3] o.e.s.w.OrderController - Request GET /api/orders/4711 failed',
    );
    expect(error.filter((l) => l.startsWith('Caused by: '))).toHaveLength(2);
    expect(error).toContain('\t... 2 common frames omitted');
    expect(error).toContain('\tSuppressed: java.lang.IllegalStateException: pool is shutting down');
    expect(error.at(-1)).toBe('\t\t... 4 common frames omitted');
    const uncaught = records[4]!.text.split('\n');
    expect(uncaught[0]).toBe(
      'Exception in thread "report-exporter" java.lang.IllegalStateException: report export aborted',
    );
    expect(uncaught).toContain('Caused by: java.lang.OutOfMemoryError: Java heap space');
    expect(uncaught.at(-1)).toBe('\t... 1 more');
  });

  it('python: keeps chained tracebacks with their blank lines and final exception lines in one event', () => {
    const records = group('python', fixture('python'));
    // Python 3.11's logging (scripts/fixtures/python-traceback.sh): the chained traceback is 14 lines under its
    // record, with carets; urllib's HTTPError passes through 7 frames of the standard library.
    expect(shape(records)).toEqual([1, 15, 1, 1, 25, 1]);
    const error = records[1]!.text.split('\n');
    expect(error.filter((l) => l === 'Traceback (most recent call last):')).toHaveLength(2);
    expect(error).toContain('ZeroDivisionError: float division by zero');
    expect(error).toContain('During handling of the above exception, another exception occurred:');
    expect(error.at(-1)).toBe('shop.orders.errors.OrderError: cannot total order 4711');
    expect(records[4]!.text.split('\n').at(-1)).toBe('urllib.error.HTTPError: HTTP Error 502: Bad Gateway');
    expect(records[5]!.text).toContain('GET /api/health');
  });

  it('postgres: keeps multi-line statements and DETAIL/HINT/CONTEXT/STATEMENT lines with their message', () => {
    const records = group('postgres', fixture('postgres'));
    // By the file's lines: a record starts at each LOG, ERROR or WARNING line; DETAIL, HINT, CONTEXT, STATEMENT and
    // tab-indented lines continue it.
    expect(shape(records)).toEqual([1, 1, 1, 3, 6, 2, 2, 1, 1, 1, 1, 1, 1, 5, 4, 4, 3, 1, 1]);
    expect(records[3]!.text.split('\n').map((l) => /@shop (\w+):/.exec(l)?.[1] ?? 'continued')).toEqual([
      'ERROR',
      'DETAIL',
      'STATEMENT',
    ]);
    expect(records[4]!.text.split('\n').at(-1)).toBe('\t ORDER BY spent DESC;');
    expect(records[13]!.text.split('\n').at(-1)).toBe("\t   AND id = 'not a number';");
    expect(records[15]!.text.split('\n').map((l) => /@shop (\w+):/.exec(l)?.[1])).toEqual([
      'ERROR',
      'HINT',
      'CONTEXT',
      'STATEMENT',
    ]);
    expect(records[15]!.text.split('\n')[2]).toMatch(
      /CONTEXT: {2}PL\/pgSQL function reserve_stock\(text\) line 3 at RAISE$/,
    );
    // "DETAIL:  " inside the SQL of a one-line statement does not make it a detail line.
    expect(records[17]!.text).toContain(`LIKE '%DETAIL:  %';`);
  });

  it('rejects a multiline block with both or neither of start and preset, and unknown presets', () => {
    const base = { collectors: ['http://127.0.0.1:1'], token: 't' };
    const withMultiline = (multiline: unknown) =>
      parseShipperConfig({ ...base, inputs: [{ paths: ['/var/log/*.log'], multiline }] }, {});
    expect(withMultiline({ preset: 'java' }).inputs[0]!.multiline).toEqual({
      preset: 'java',
      max_lines: 500,
      timeout: 2000,
    });
    expect(() => withMultiline({ preset: 'java', start: '^x' })).toThrow(/exactly one of start and preset/);
    expect(() => withMultiline({ max_lines: 10 })).toThrow(/exactly one of start and preset/);
    expect(() => withMultiline({ preset: 'cobol' })).toThrow(/inputs\.0\.multiline\.preset/);
  });
});

describe('multiline presets across a restart', () => {
  let dir: string;
  let collector: FakeCollector;
  let shipper: RunningShipper | undefined;

  beforeEach(async () => {
    ({ dir, collector } = await openTestbed('logship-presets-'));
  });

  afterEach(async () => {
    await closeTestbed({ dir, collector }, shipper);
    shipper = undefined;
  });

  function configFor(timeout: string): ShipperConfig {
    return testbedConfig(
      { dir, collector },
      {
        host: 'web-test',
        inputs: (['java', 'python', 'postgres'] as const).map((preset) => ({
          paths: [join(dir, 'logs', `${preset}.log`)],
          service: preset,
          multiline: { preset, timeout },
        })),
        batch: { max_wait: '50ms' },
        heartbeat_interval: 0,
      },
    );
  }

  it('ships the same events when stopped in the middle of an event and restarted', async () => {
    const presets = ['java', 'python', 'postgres'] as const;
    // Cut each file inside a multi-line event: java in the middle of the trace, python between its chained
    // tracebacks, postgres inside the multi-line statement.
    const cuts = { java: 11, python: 9, postgres: 8 };
    const expected = Object.fromEntries(presets.map((p) => [p, group(p, fixture(p)).map((r) => r.text)]));
    for (const p of presets) {
      const lines = fixture(p).split('\n').slice(0, -1);
      await writeFile(
        join(dir, 'logs', `${p}.log`),
        lines
          .slice(0, cuts[p])
          .map((l) => `${l}\n`)
          .join(''),
      );
    }
    // A long timeout: the partial event must stay held, not be sent as a fragment.
    shipper = await startShipper(configFor('60s'), logger, FAST);
    // Before the cut: java 1 complete event, python 1, postgres 4 (the open one is held).
    await collector.waitFor(() => collector.events.size >= 6, 5_000, '6 events before the cut');
    await new Promise((r) => setTimeout(r, 400));
    expect(collector.events.size).toBe(6);
    await shipper.stop();
    shipper = undefined;

    for (const p of presets) {
      const lines = fixture(p).split('\n').slice(0, -1);
      await appendFile(
        join(dir, 'logs', `${p}.log`),
        lines
          .slice(cuts[p])
          .map((l) => `${l}\n`)
          .join(''),
      );
    }
    // A short timeout now, so the last event of each file (no successor) is sent too.
    shipper = await startShipper(configFor('300ms'), logger, FAST);
    const total = presets.reduce((n, p) => n + expected[p]!.length, 0);
    expect(total).toBe(6 + 6 + 19);
    await collector.waitFor(() => collector.events.size >= total, 10_000, `${total} events`);
    await new Promise((r) => setTimeout(r, 400));
    expect(collector.events.size).toBe(total);
    expect(collector.counters.duplicates).toBe(0);
    const events = [...collector.events.values()];
    for (const p of presets) {
      const mine = events.filter((e: IngestEvent) => e.service === p).sort((a, b) => a.offset! - b.offset!);
      expect(mine.map((e) => e.message)).toEqual(expected[p]);
    }
  });
});
