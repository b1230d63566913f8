import { storedDocument } from '../../../../collector/store/elasticsearch/es-document.js';

describe('storedDocument', () => {
  it('puts each field of a synthetic _source back where the collector wrote it', () => {
    // As Elasticsearch rebuilds it: dotted names as objects, keys in name order, parsed fields merged into the core
    // objects that share their root.
    const synthetic = {
      '@timestamp': '2026-11-21T08:15:06.125Z',
      event: { dataset: 'json', duration: 1532117, id: 'ev-1', ingested: '2026-11-21T08:15:07.000Z' },
      host: { hostname: 'web-1.internal', name: 'web-1' },
      http: { response: { status_code: 502 } },
      labels: JSON.parse('{"__proto__":"label","env":"prod"}') as Record<string, string>,
      log: { file: { path: '/var/log/app.json' }, flags: ['truncated', 'invalid_utf8'], level: 'warn', logger: 'api' },
      message: 'm',
    };
    const doc = storedDocument(structuredClone(synthetic));
    expect(doc).toEqual({
      '@timestamp': '2026-11-21T08:15:06.125Z',
      message: 'm',
      host: { name: 'web-1' },
      log: { level: 'warn', file: { path: '/var/log/app.json' }, flags: ['truncated', 'invalid_utf8'] },
      event: { id: 'ev-1', ingested: '2026-11-21T08:15:07.000Z', dataset: 'json' },
      labels: JSON.parse('{"__proto__":"label","env":"prod"}') as Record<string, string>,
      'event.duration': 1532117,
      'host.hostname': 'web-1.internal',
      'http.response.status_code': 502,
      'log.logger': 'api',
    });
    // A label named `__proto__` is a label, not the object's prototype.
    expect(Object.getPrototypeOf(doc.labels)).toBe(Object.prototype);
    expect(Object.keys(doc.labels!)).toEqual(['__proto__', 'env']);
  });

  it('gives a stored _source (days written before) back unchanged, keys in their order', () => {
    const stored = {
      '@timestamp': '2026-11-21T08:15:02.250Z',
      message: 'GET /',
      event: { id: 'ev-2', ingested: '2026-11-21T08:15:03.941Z', dataset: 'nginx' },
      'url.path': '/',
      'http.request.method': 'GET',
      host: { name: 'web-2' },
      log: { offset: 0 },
      labels: { team: 'payments', env: 'prod' },
    };
    const doc = storedDocument(structuredClone(stored));
    expect(doc).toEqual(stored);
    expect(Object.keys(doc)).toEqual(Object.keys(stored));
    expect(Object.keys(doc.labels!)).toEqual(['team', 'env']);
  });
});
