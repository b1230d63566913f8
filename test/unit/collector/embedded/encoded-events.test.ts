import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StoredEvent } from '../../../../collector/store/ecs-document.js';
import {
  deadLetterRows,
  EncodedEventReader,
  encodeEvents,
  type EncodedEvent,
} from '../../../../collector/store/embedded/encoded-events.js';
import { writerWorkerFile } from '../../../../collector/store/embedded/writer-worker-file.js';

function decodeAll(events: readonly StoredEvent[]): EncodedEvent[] {
  const reader = new EncodedEventReader(encodeEvents(events));
  const out: EncodedEvent[] = [];
  while (reader.next()) out.push({ ...reader.event });
  return out;
}

describe('events encoded for the writer thread', () => {
  it('reads back every field, nulls and an offset of 0 included, with the document JSON lacking the column values', () => {
    const full: StoredEvent = {
      id: 'f-1',
      doc: {
        '@timestamp': '2026-11-26T10:00:00.123Z',
        message: 'naïve café ☕ 𝄞 line\nwith a newline',
        host: { name: 'web-1' },
        service: { name: 'api' },
        log: { level: 'warn', file: { path: '/var/log/app.log' }, offset: 0 },
        event: { id: 'f-1', ingested: '2026-11-26T10:00:01.000Z', dataset: 'plain' },
        'http.response.status_code': 503,
      },
    };
    const bare: StoredEvent = {
      id: 'b-2',
      doc: {
        '@timestamp': 'not a time',
        message: '',
        event: { id: 'b-2', ingested: '2026-11-26T10:00:01.000Z', dataset: 'auto' },
      },
    };
    const [a, b] = decodeAll([full, bare]);
    expect(a).toEqual({
      ms: Date.parse('2026-11-26T10:00:00.123Z'),
      ingestedMs: Date.parse('2026-11-26T10:00:01.000Z'),
      group: 0,
      id: 'f-1',
      host: 'web-1',
      service: 'api',
      level: 'warn',
      source: '/var/log/app.log',
      offset: 0,
      message: 'naïve café ☕ 𝄞 line\nwith a newline',
      timeElided: false,
      // The values with a column of their own, and the time the row key gives back, are left out (stored-document.ts).
      doc: '{"http.response.status_code":503}',
      dataset: 'plain',
    });
    expect(b).toMatchObject({ ms: NaN, group: 1, id: 'b-2', host: null, service: null, level: null, source: null });
    // A time the key cannot hold stays in the document (the writer refuses the event with its text).
    expect(b!.doc).toBe('{"@timestamp":"not a time"}');
    expect(b!.offset).toBeNull();
    expect(b!.message).toBe('');
    // The caller's document keeps its message: encoding hides it only for the one JSON.stringify call.
    expect(full.doc.message).toBe('naïve café ☕ 𝄞 line\nwith a newline');
    expect(Object.keys(full.doc)).toContain('message');
  });

  it('keeps 2,000 events apart exactly, whatever characters their strings hold', () => {
    const events: StoredEvent[] = Array.from({ length: 2000 }, (_, i) => ({
      id: `id-${i}`,
      doc: {
        '@timestamp': new Date(1_790_000_000_000 + i).toISOString(),
        message: `line ${i} ${'\u0000|\t'.repeat(i % 5)} end`,
        host: { name: `h${i % 7}` },
        event: { id: `id-${i}`, ingested: '2026-11-26T10:00:01.000Z', dataset: 'plain' },
      },
    }));
    const decoded = decodeAll(events);
    expect(decoded).toHaveLength(2000);
    expect(decoded[1999]).toMatchObject({
      id: 'id-1999',
      host: 'h4',
      message: `line 1999 ${'\u0000|\t'.repeat(4)} end`,
    });
    expect(decoded.filter((e, i) => e.id !== `id-${i}` || e.ms !== 1_790_000_000_000 + i)).toEqual([]);
  });

  it('names one rollup key per minute, host, service, level and source, telling a missing host from an empty one', () => {
    const at = (ms: number, host: string | undefined, level?: 'info' | 'error', path?: string): StoredEvent => ({
      id: `k-${ms}-${host}`,
      doc: {
        '@timestamp': new Date(ms).toISOString(),
        message: 'x',
        ...(host === undefined ? {} : { host: { name: host } }),
        ...(level ? { log: { level, ...(path ? { file: { path } } : {}) } } : {}),
        event: { id: 'k', ingested: '2026-11-26T10:00:01.000Z', dataset: 'plain' },
      },
    });
    const minute = 29_000_000;
    const encoded = encodeEvents([
      at(minute * 60_000, 'web-1', 'info'),
      at(minute * 60_000 + 59_999, 'web-1', 'info'),
      at((minute + 1) * 60_000, 'web-1', 'info'),
      at(minute * 60_000, 'web-1', 'error'),
      at(minute * 60_000, undefined),
      at(minute * 60_000, ''),
      // Back to the first minute after others: the same key as the first event.
      at(minute * 60_000 + 1, 'web-1', 'info'),
      at(minute * 60_000 + 2, 'web-1', 'info', '/var/log/app.log'),
      at(minute * 60_000 + 3, 'web-1', 'info', '/var/log/other.log'),
      at(minute * 60_000 + 4, 'web-1', 'info', '/var/log/app.log'),
    ]);
    expect(encoded.groups).toEqual([
      [minute, 'web-1', null, 'info', null],
      [minute + 1, 'web-1', null, 'info', null],
      [minute, 'web-1', null, 'error', null],
      [minute, null, null, null, null],
      [minute, '', null, null, null],
      [minute, 'web-1', null, 'info', '/var/log/app.log'],
      [minute, 'web-1', null, 'info', '/var/log/other.log'],
    ]);
    const reader = new EncodedEventReader(encoded);
    const groups: number[] = [];
    while (reader.next()) groups.push(reader.event.group);
    expect(groups).toEqual([0, 0, 1, 2, 3, 4, 0, 5, 6, 5]);
  });

  it("turns dead letters into rows of primitives, bytes as base64, with the whole original's length and hash", () => {
    const rows = deadLetterRows([
      {
        receivedAt: '2026-11-26T10:00:00.000Z',
        code: 'INGEST_INVALID_JSON',
        reason: 'bad',
        original: '{x',
        tokenName: 't',
      },
      {
        receivedAt: '2026-11-26T10:00:00.000Z',
        code: 'INGEST_INVALID_UTF8',
        reason: 'bytes',
        original: Buffer.from([0xff, 0xfe]),
        originalBytes: 2,
        originalSha256: 'ab',
      },
    ]);
    expect(rows).toEqual([
      [
        Date.parse('2026-11-26T10:00:00.000Z'),
        '2026-11-26T10:00:00.000Z',
        'INGEST_INVALID_JSON',
        'bad',
        't',
        '{x',
        null,
        null,
        null,
      ],
      [
        Date.parse('2026-11-26T10:00:00.000Z'),
        '2026-11-26T10:00:00.000Z',
        'INGEST_INVALID_UTF8',
        'bytes',
        null,
        null,
        '//4=',
        2,
        'ab',
      ],
    ]);
  });
});

describe('the writer thread file', () => {
  it('is the compiled worker in dist/ when the store runs from its TypeScript source', () => {
    const file = writerWorkerFile();
    expect(file.pathname).toMatch(/\/dist\/collector\/store\/embedded\/writer-worker\.js$/);
  });

  it('names `npm run build` when the compiled worker is missing', () => {
    const root = mkdtempSync(join(tmpdir(), 'logship-no-build-'));
    try {
      const source = pathToFileURL(join(root, 'collector', 'store', 'embedded', 'writer-worker-file.ts')).href;
      expect(() => writerWorkerFile(source)).toThrow(/writer-worker\.js is missing: run `npm run build`/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
