import { toHit, type EcsDocument, type StoredEvent } from '../../../../collector/store/ecs-document.js';
import { EncodedEventReader, encodeEvents } from '../../../../collector/store/embedded/encoded-events.js';
import { restoreDocument } from '../../../../collector/store/embedded/stored-document.js';

/**
 * What the writer stores for an event, read back as the search reads a row (whose reader puts a left-out time
 * back: elided-time.test.ts checks that against SQLite).
 */
function roundTrip(event: StoredEvent): EcsDocument {
  const reader = new EncodedEventReader(encodeEvents([event]));
  reader.next();
  const e = reader.event;
  const message = e.timeElided ? new Date(e.ms).toISOString() + e.message : e.message;
  return restoreDocument({ ...e, message, off: e.offset, ingested: e.ingestedMs });
}

const base = (id: string): StoredEvent => ({
  id,
  doc: {
    '@timestamp': '2026-11-26T10:00:00.123Z',
    message: 'GET /health 200',
    host: { name: 'web-1' },
    service: { name: 'nginx' },
    log: { level: 'info', file: { path: '/var/log/nginx/access.log' }, offset: 0, flags: ['multiline'] },
    event: { id, ingested: '2026-11-26T10:00:01.000Z', created: '2026-11-26T10:00:00.900Z', dataset: 'nginx' },
    labels: { env: 'prod' },
    'http.response.status_code': 200,
    'url.path': '/health',
  },
});

describe('the document as stored', () => {
  it('gives back the document as written, from a slim JSON and the columns', () => {
    const event = base('s-1');
    const copy = structuredClone(event.doc);
    expect(roundTrip(event)).toEqual(copy);
    expect(toHit('s-1', roundTrip(event))).toEqual(toHit('s-1', copy));
    // Encoding hides values only for the time of one JSON.stringify: the caller's document is untouched.
    expect(event.doc).toEqual(copy);
    expect(Object.keys(event.doc)).toEqual(Object.keys(copy));
  });

  it('keeps in the JSON what a column would not give back exactly', () => {
    const event = base('s-2');
    event.doc.event = { id: 'other-id', ingested: '2026-11-26T10:00:01Z', dataset: 'nginx' };
    (event.doc.host as Record<string, unknown>).ip = '10.0.0.1';
    (event.doc.log as Record<string, unknown>).file = { path: '/var/log/a.log', inode: 12 };
    const copy = structuredClone(event.doc);
    expect(roundTrip(event)).toEqual(copy);
  });

  it('leaves out log and host entirely when the columns hold all of them, and restores no empty ones', () => {
    const event: StoredEvent = {
      id: 's-3',
      doc: {
        '@timestamp': '2026-11-26T10:00:00.000Z',
        message: 'plain line',
        event: { id: 's-3', ingested: '2026-11-26T10:00:01.000Z', dataset: 'plain' },
      },
    };
    expect(roundTrip(event)).toEqual(event.doc);
    const reader = new EncodedEventReader(encodeEvents([base('s-4')]));
    reader.next();
    expect(JSON.parse(reader.event.doc)).toEqual({
      log: { flags: ['multiline'] },
      event: { created: '2026-11-26T10:00:00.900Z' },
      labels: { env: 'prod' },
      'http.response.status_code': 200,
      'url.path': '/health',
    });
  });

  it('reads rows written with the whole document, whose own values win', () => {
    const { message, ...rest } = base('s-5').doc;
    const restored = restoreDocument({
      ms: Date.parse('2026-11-26T10:00:00.123Z'),
      id: 's-5',
      host: 'web-1',
      service: 'nginx',
      level: 'info',
      source: '/var/log/nginx/access.log',
      off: 0,
      ingested: Date.parse('2026-11-26T10:00:01.000Z'),
      message,
      doc: JSON.stringify(rest),
      dataset: null,
    });
    expect(restored).toEqual(base('s-5').doc);
    expect(Object.keys(restored)[0]).toBe('@timestamp');
  });

  it('stores a plain line as an empty document, its time, dataset and ids in the key and columns', () => {
    const event: StoredEvent = {
      id: 's-6',
      doc: {
        '@timestamp': '2026-11-26T10:00:00.123Z',
        message: '2026-11-26T10:00:00.123Z INFO [app] started',
        host: { name: 'web-1' },
        service: { name: 'web' },
        log: { level: 'info', file: { path: '/var/log/web-1/app.log' }, offset: 120 },
        event: { id: 's-6', ingested: '2026-11-26T10:00:01.000Z', dataset: 'plain' },
      },
    };
    const reader = new EncodedEventReader(encodeEvents([event]));
    reader.next();
    expect(reader.event.doc).toBe('{}');
    expect(reader.event.dataset).toBe('plain');
    // The message's leading time is its @timestamp: the key gives it back too.
    expect(reader.event).toMatchObject({ message: ' INFO [app] started', timeElided: true });
    const copy = structuredClone(event.doc);
    const restored = roundTrip(event);
    expect(restored).toEqual(copy);
    expect(Object.keys(restored)[0]).toBe('@timestamp');
  });

  it('keeps a @timestamp in the document that the row key would not give back as written', () => {
    const event = base('s-7');
    // The same instant with an offset: the key holds the instant, not the text.
    event.doc['@timestamp'] = '2026-11-26T11:00:00.123+01:00';
    const reader = new EncodedEventReader(encodeEvents([event]));
    reader.next();
    expect(JSON.parse(reader.event.doc)['@timestamp']).toBe('2026-11-26T11:00:00.123+01:00');
    expect(roundTrip(event)).toEqual(structuredClone(event.doc));
  });
});
