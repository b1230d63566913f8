import { decodedLines } from '../../support/decoded-lines.js';
import { normalizeEvent } from '../../../collector/ingest/normalize-event.js';
import { detectLevel } from '../../../collector/ingest/parse/level-names.js';
import { leadingTimestamp } from '../../../collector/ingest/parse/leading-timestamp.js';

const ctx = { now: '2026-11-26T12:00:00.000Z', maxMessageBytes: 1024 };

describe('NDJSON decoding', () => {
  it('numbers lines as in the body, skipping blank and CRLF-terminated lines correctly', () => {
    const body = Buffer.from('{"message":"a"}\r\n\n{"message":"b"}\nnope\n[1]\n');
    const { lines, rejected } = decodedLines(body, 1000);
    expect(lines.map((l) => [l.line, l.value.message])).toEqual([
      [1, 'a'],
      [3, 'b'],
    ]);
    expect(rejected.map((r) => [r.line, r.code])).toEqual([
      [4, 'INGEST_INVALID_JSON'],
      [5, 'INGEST_INVALID_EVENT'],
    ]);
  });

  it('keeps the exact bytes of a line that is not UTF-8', () => {
    const bad = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const { rejected } = decodedLines(bad, 1000);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.code).toBe('INGEST_INVALID_UTF8');
    expect(Buffer.compare(rejected[0]!.original as Buffer, bad)).toBe(0);
  });

  it('decodes the valid lines of a body that has one line not in UTF-8, with their line numbers', () => {
    const body = Buffer.concat([
      Buffer.from('{"message":"é1"}\n'),
      Buffer.from([0x7b, 0xff, 0x7d, 0x0a]),
      Buffer.from('{"message":"ü3"}\r\n'),
    ]);
    const { lines, rejected } = decodedLines(body, 1000);
    expect(lines.map((l) => [l.line, l.value.message, l.text])).toEqual([
      [1, 'é1', '{"message":"é1"}'],
      [3, 'ü3', '{"message":"ü3"}'],
    ]);
    expect(rejected.map((r) => [r.line, r.code])).toEqual([[2, 'INGEST_INVALID_UTF8']]);
  });

  it('measures a line in UTF-8 bytes, not characters', () => {
    // 398 characters but 1,178 bytes: over a 1,000-byte limit.
    const { lines, rejected } = decodedLines(Buffer.from(`{"message":"a"}\n{"m":"${'€'.repeat(390)}"}\n`), 1000);
    expect(lines.map((l) => l.line)).toEqual([1]);
    expect(rejected.map((r) => [r.line, r.code, r.reason])).toEqual([
      [2, 'INGEST_EVENT_TOO_LARGE', 'The line is 1178 bytes; the limit is 1000.'],
    ]);
  });

  it('refuses an over-long line without parsing it', () => {
    const { rejected } = decodedLines(Buffer.from(`{"message":"${'x'.repeat(2000)}"}`), 1000);
    expect(rejected.map((r) => r.code)).toEqual(['INGEST_EVENT_TOO_LARGE']);
  });
});

describe('event normalisation', () => {
  const line = (value: Record<string, unknown>) => ({ line: 1, value, text: JSON.stringify(value) });

  it('builds the ECS document with the line time, level and labels', () => {
    const result = normalizeEvent(
      line({
        id: 'e1',
        host: 'web-1',
        service: 'api',
        source: '/var/log/app.log',
        offset: 42,
        message: '2026-11-26 03:12:00,250 ERROR db: timeout',
        fields: { env: 'prod' },
        read_at: '2026-11-26T03:12:01Z',
      }),
      ctx,
    );
    expect(result).toEqual({
      id: 'e1',
      doc: {
        '@timestamp': '2026-11-26T03:12:00.250Z',
        message: '2026-11-26 03:12:00,250 ERROR db: timeout',
        host: { name: 'web-1' },
        service: { name: 'api' },
        log: { level: 'error', file: { path: '/var/log/app.log' }, offset: 42 },
        event: { id: 'e1', ingested: ctx.now, created: '2026-11-26T03:12:01.000Z', dataset: 'plain' },
        labels: { env: 'prod' },
      },
    });
  });

  it('falls back to the read time, then the ingest time', () => {
    const withRead = normalizeEvent(line({ message: 'no time here', read_at: '2026-11-26T01:00:00Z' }), ctx);
    expect('doc' in withRead && withRead.doc['@timestamp']).toBe('2026-11-26T01:00:00.000Z');
    const bare = normalizeEvent(line({ message: 'no time here' }), ctx);
    expect('doc' in bare && bare.doc['@timestamp']).toBe(ctx.now);
  });

  it('rejects events of the wrong shape with a reason', () => {
    expect(normalizeEvent(line({ msg: 'x' }), ctx)).toMatchObject({ code: 'INGEST_INVALID_EVENT' });
    expect(normalizeEvent(line({ message: 'x', offset: -1 }), ctx)).toMatchObject({ code: 'INGEST_INVALID_EVENT' });
    expect(normalizeEvent(line({ message: 'x', level: 'loud' }), ctx)).toMatchObject({ code: 'INGEST_INVALID_EVENT' });
    expect(normalizeEvent(line({ message: 'x', timestamp: 'yesterday' }), ctx)).toMatchObject({
      code: 'INGEST_INVALID_EVENT',
    });
    expect(normalizeEvent(line({ message: 'y'.repeat(1025) }), ctx)).toMatchObject({ code: 'INGEST_EVENT_TOO_LARGE' });
  });

  it('detects levels and leading timestamps in common shapes', () => {
    expect(detectLevel('2026-11-26 10:00:00 WARNING disk 91% full')).toBe('warn');
    expect(detectLevel('[Thu Nov 26 10:00:00 2026] [error] [client 1.2.3.4] oops')).toBe('error');
    expect(detectLevel('an error happened in a sentence')).toBeUndefined();
    expect(leadingTimestamp('[2026-11-26 10:00:00 +0100] x')).toBe('2026-11-26T09:00:00.000Z');
    expect(leadingTimestamp('2026-11-26T10:00:00.123456Z x')).toBe('2026-11-26T10:00:00.123Z');
    expect(leadingTimestamp('Nov 26 10:00:00 host x')).toBeUndefined();
  });
});
