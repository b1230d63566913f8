import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeEvent } from '../../../../collector/ingest/normalize-event.js';
import { toHit, type StoredEvent } from '../../../../collector/store/ecs-document.js';
import { hitToStoredEvent } from '../../../../collector/store/hit-to-document.js';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'fixtures');
const NOW = '2026-11-26T10:00:00.000Z';

function firstLine(path: string): string {
  return readFileSync(join(FIXTURES, path), 'utf8').split('\n')[0]!;
}

function normalized(value: Record<string, unknown>): StoredEvent {
  const event = normalizeEvent({ line: 1, value, text: JSON.stringify(value) }, { now: NOW, maxMessageBytes: 1 << 20 });
  if (!('doc' in event)) throw new Error(`rejected: ${event.reason}`);
  return event;
}

describe('hitToStoredEvent', () => {
  it.each([
    ['an nginx access line with parsed HTTP fields', { format: 'nginx', message: firstLine('nginx/access.log') }],
    [
      'a JSON line whose own keys become labels and ECS fields',
      { format: 'json', message: firstLine('json/pino.log') },
    ],
    ['a syslog line', { format: 'syslog', message: firstLine('syslog/messages.log') }],
    [
      'a plain line with shipper fields, a dotted field name and flags',
      {
        format: 'plain',
        message: 'payment 7 declined \ufffd',
        fields: { env: 'prod', 'team.name': 'payments' },
        flags: ['invalid_utf8'],
        original_base64: 'cGF5bWVudCA3IGRlY2xpbmVkIP8=',
      },
    ],
  ])('rebuilds the stored document of %s from its hit', (_name, line) => {
    const stored = normalized({
      id: 'ev-1',
      host: 'web-1',
      service: 'api',
      source: '/var/log/a.log',
      offset: 42,
      ...line,
    });
    const hit = toHit(stored.id, stored.doc);
    const rebuilt = hitToStoredEvent(hit, { dataset: stored.doc.event.dataset, ingested: stored.doc.event.ingested });
    expect(rebuilt).toEqual(stored);
    expect(toHit(rebuilt.id, rebuilt.doc)).toEqual(hit);
  });

  it('leaves out what the hit does not have: host, service, level, source and offset', () => {
    const stored = normalized({ id: 'ev-2', message: 'no metadata at all', format: 'plain' });
    expect(hitToStoredEvent(toHit(stored.id, stored.doc), { dataset: 'plain', ingested: NOW })).toEqual(stored);
  });
});
