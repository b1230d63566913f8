import { normalizeEvent } from '../../../../collector/ingest/normalize-event.js';

const ctx = { now: '2026-11-26T12:00:00.000Z', maxMessageBytes: 4096 };
const line = (value: Record<string, unknown>) => ({ line: 1, value, text: JSON.stringify(value) });

describe('normalisation with format parsers', () => {
  it('stores parsed ECS fields flat beside the core fields, in the shipper zone, keeping the read time', () => {
    const result = normalizeEvent(
      line({
        id: 'n1',
        host: 'web-1',
        format: 'nginx',
        tz: 'Europe/Berlin',
        read_at: '2026-11-26T11:00:05Z',
        message: '2026/11/26 12:00:01 [warn] 7#7: *9 upstream is slow, client: 10.0.0.9, server: x',
        fields: { env: 'prod' },
      }),
      ctx,
    );
    expect(result).toEqual({
      id: 'n1',
      doc: {
        '@timestamp': '2026-11-26T11:00:01.000Z',
        message: 'upstream is slow, client: 10.0.0.9, server: x',
        host: { name: 'web-1' },
        event: { id: 'n1', ingested: ctx.now, created: '2026-11-26T11:00:05.000Z', dataset: 'nginx' },
        log: { level: 'warn' },
        labels: { env: 'prod' },
        'log.original_level': 'warn',
        'process.pid': 7,
        'process.thread.id': 7,
        'nginx.error.connection_id': 9,
        'source.ip': '10.0.0.9',
        'server.address': 'x',
      },
    });
  });

  it('lets the sender level and the shipper fields win over parsed ones, and flags unparsable lines', () => {
    const json = normalizeEvent(
      line({
        format: 'json',
        level: 'error',
        message: '{"level":"info","msg":"m","env":"dev"}',
        fields: { env: 'prod' },
      }),
      ctx,
    );
    expect('doc' in json && [json.doc.log, json.doc.labels, json.doc.message]).toEqual([
      { level: 'error' },
      { env: 'prod' },
      'm',
    ]);
    const bad = normalizeEvent(line({ format: 'postgres', message: 'not postgres at all' }), ctx);
    expect('doc' in bad && [bad.doc.event.dataset, bad.doc.log, bad.doc.message]).toEqual([
      'postgres',
      { flags: ['parse_failed'] },
      'not postgres at all',
    ]);
  });

  it('rejects an unknown zone with a reason', () => {
    expect(normalizeEvent(line({ message: 'x', tz: 'Mars/Olympus' }), ctx)).toMatchObject({
      code: 'INGEST_INVALID_EVENT',
      reason: '"tz" must be an IANA zone name or ±HH:MM: Mars/Olympus',
    });
  });
});

describe('lines that were not UTF-8 on the shipper', () => {
  it('keeps the original bytes in base64 beside the repaired message, and refuses what is not base64', () => {
    const ok = normalizeEvent(
      line({
        message: 'caf\ufffd',
        flags: ['invalid_utf8'],
        original_base64: Buffer.from([0x63, 0x61, 0x66, 0xe9]).toString('base64'),
      }),
      ctx,
    );
    expect('doc' in ok && [ok.doc.log, ok.doc['event.original_base64']]).toEqual([
      { flags: ['invalid_utf8'] },
      'Y2Fm6Q==',
    ]);
    // Only base64 as it encodes: no padding missing, no stray bits, no URL alphabet (Elasticsearch refuses the
    // first and would give the others back differently).
    const verdicts = ['not base64!', 'YWI', 'Y', 'YR==', 'YWJ=', '-_8=', 'YWJj', 'YQ==', ''].map((b64) => {
      const out = normalizeEvent(line({ message: 'x', original_base64: b64 }), ctx);
      return 'doc' in out ? out.doc['event.original_base64'] : out.code;
    });
    expect(verdicts).toEqual([
      'INGEST_INVALID_EVENT',
      'INGEST_INVALID_EVENT',
      'INGEST_INVALID_EVENT',
      'INGEST_INVALID_EVENT',
      'INGEST_INVALID_EVENT',
      'INGEST_INVALID_EVENT',
      'YWJj',
      'YQ==',
      '',
    ]);
  });
});
