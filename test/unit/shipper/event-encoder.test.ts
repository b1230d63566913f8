import { EventEncoder, writeJsonString } from '../../../shipper/event-encoder.js';
import { eventIdPrefix } from '../../../shipper/event-id.js';
import type { Line } from '../../../shipper/line-reader.js';
import { seededRandom } from '../../support/seeded-random.js';

const HOST = 'web-1';
const TZ = 'Europe/Berlin';
const INPUT = { service: 'api', format: 'auto' as const, fields: { env: 'prod', 'team"name': 'a\\b' } };
const PATH = '/var/log/app "weird" \\ name.log';
const ID_KEY = 'c:' + 'ab'.repeat(32);
const NOW = Date.UTC(2026, 10, 26, 10, 0, 0, 123);

/** What JSON.stringify writes for the event of a plain line: the reference the encoder must match byte for byte. */
function reference(message: string, offset: number, path = PATH, idKey = ID_KEY, now = NOW): string {
  return JSON.stringify({
    host: HOST,
    service: INPUT.service,
    source: path,
    format: INPUT.format,
    fields: INPUT.fields,
    tz: TZ,
    read_at: new Date(now).toISOString(),
    id: eventIdPrefix(HOST, idKey) + offset.toString(36),
    offset,
    message,
  });
}

/** A line straight from the reader: its bytes in the middle of a larger buffer, as in a read chunk. */
function byteLine(bytes: Buffer, offset: number): Line {
  const buf = Buffer.concat([Buffer.from('garbage"\\\n'), bytes, Buffer.from('\n"more\\')]);
  return {
    offset,
    nextOffset: offset + bytes.length + 1,
    text: bytes.toString('utf8'),
    originalBytes: undefined,
    invalidUtf8: false,
    buf,
    start: 10,
    end: 10 + bytes.length,
  };
}

/** A line with text only (a multiline record). */
function textLine(text: string, offset: number): Line {
  return { offset, nextOffset: offset + 1, text, originalBytes: undefined, invalidUtf8: false };
}

/** Encodes a plain line into a fresh buffer, checking that it stays within maxBytes(). */
function encode(encoder: EventEncoder, line: Line): string {
  const max = encoder.maxBytes(line);
  const out = Buffer.alloc(max + 16, 0xee);
  const end = encoder.write(out, 8, line);
  expect(end - 8).toBeLessThanOrEqual(max);
  expect(out[end]).toBe(0xee); // nothing written past the end it reported
  return out.toString('utf8', 8, end);
}

/** Characters that stress JSON escaping, drawn at random. */
const POOL = [
  ...Array.from({ length: 0x20 }, (_, c) => String.fromCharCode(c)),
  '"',
  '\\',
  '/',
  '\u007f',
  '\u0080',
  'é',
  '日',
  '😀',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\ufffd',
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  'a',
  'b',
  ' ',
];

function randomText(random: () => number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    // Mostly plain runs of varying length (short and long runs take different copy paths), then a special.
    if (random() < 0.5) s += 'x'.repeat(Math.floor(random() * 80));
    s += POOL[Math.floor(random() * POOL.length)]!;
  }
  return s;
}

describe('event encoder', () => {
  it('writes every ASCII byte as JSON.stringify does', () => {
    for (let c = 0; c < 0x80; c++) {
      const bytes = Buffer.from([0x61, c, 0x62]);
      const out = Buffer.alloc(bytes.length * 6 + 2);
      const end = writeJsonString(out, 0, bytes, 0, bytes.length);
      expect(out.toString('utf8', 0, end)).toBe(JSON.stringify(String.fromCharCode(0x61, c, 0x62)));
    }
  });

  it('matches JSON.stringify byte for byte on 2,000 random lines with controls, quotes, surrogates and emoji', () => {
    const random = seededRandom(20);
    const encoder = new EventEncoder({ host: HOST, tz: TZ, input: INPUT });
    encoder.at(PATH, ID_KEY, NOW);
    let offset = 0;
    let escaped = 0;
    for (let i = 0; i < 2_000; i++) {
      const text = randomText(random, Math.floor(random() * 40));
      // From bytes, lone surrogates are U+FFFD (what valid UTF-8 on disk decodes to); from text they stay.
      const bytes = Buffer.from(text, 'utf8');
      const fromBytes = encode(encoder, byteLine(bytes, offset));
      expect(fromBytes).toBe(reference(bytes.toString('utf8'), offset));
      expect(encode(encoder, textLine(text, offset))).toBe(reference(text, offset));
      if (fromBytes.includes('\\u00')) escaped++;
      offset += bytes.length + 1;
    }
    // The random input did exercise the long escapes.
    expect(escaped).toBeGreaterThan(1_000);
  });

  it('matches JSON.stringify on huge lines: 2 MiB of plain text, of control bytes, and of mixed text', () => {
    const encoder = new EventEncoder({ host: HOST, tz: TZ, input: INPUT });
    encoder.at(PATH, ID_KEY, NOW);
    const random = seededRandom(4);
    const huge = [
      'y'.repeat(2 * 1024 * 1024),
      '\u0001'.repeat(2 * 1024 * 1024), // the worst case: every byte becomes 6
      randomText(random, 60_000),
    ];
    for (const text of huge) {
      const bytes = Buffer.from(text, 'utf8');
      const offset = 987_654_321_012;
      expect(encode(encoder, byteLine(bytes, offset))).toBe(reference(bytes.toString('utf8'), offset));
    }
  });

  it('rebuilds the shared start when the path, the generation or the millisecond changes', () => {
    const encoder = new EventEncoder({ host: HOST, tz: TZ, input: INPUT });
    const line = byteLine(Buffer.from('hello'), 42);
    encoder.at(PATH, ID_KEY, NOW);
    expect(encode(encoder, line)).toBe(reference('hello', 42));
    encoder.at('/var/log/renamed.log', ID_KEY, NOW);
    expect(encode(encoder, line)).toBe(reference('hello', 42, '/var/log/renamed.log'));
    encoder.at('/var/log/renamed.log', `${ID_KEY}:g1`, NOW);
    expect(encode(encoder, line)).toBe(reference('hello', 42, '/var/log/renamed.log', `${ID_KEY}:g1`));
    encoder.at('/var/log/renamed.log', `${ID_KEY}:g1`, NOW + 1);
    expect(encode(encoder, line)).toBe(reference('hello', 42, '/var/log/renamed.log', `${ID_KEY}:g1`, NOW + 1));
    // A read time whose ISO form is longer (year 10000 and later: +010000-…) than the one it replaces.
    const far = Date.UTC(10_000, 0, 1);
    encoder.at('/var/log/renamed.log', `${ID_KEY}:g1`, far);
    expect(encode(encoder, line)).toBe(reference('hello', 42, '/var/log/renamed.log', `${ID_KEY}:g1`, far));
    encoder.at('/var/log/renamed.log', `${ID_KEY}:g1`, NOW + 2);
    expect(encode(encoder, line)).toBe(reference('hello', 42, '/var/log/renamed.log', `${ID_KEY}:g1`, NOW + 2));
  });

  it('leaves out a missing service, as JSON.stringify does', () => {
    const encoder = new EventEncoder({ host: HOST, tz: TZ, input: { format: 'plain', fields: {} } });
    encoder.at(PATH, ID_KEY, NOW);
    const json = encode(encoder, byteLine(Buffer.from('x'), 0));
    expect(JSON.parse(json)).toEqual({
      host: HOST,
      source: PATH,
      format: 'plain',
      fields: {},
      tz: TZ,
      read_at: '2026-11-26T10:00:00.123Z',
      id: eventIdPrefix(HOST, ID_KEY) + '0',
      offset: 0,
      message: 'x',
    });
    expect(json.startsWith('{"host":"web-1","source":')).toBe(true);
  });

  it('encodes truncated and invalid UTF-8 lines with their flags, original length and original bytes', () => {
    const encoder = new EventEncoder({ host: HOST, tz: TZ, input: INPUT });
    encoder.at(PATH, ID_KEY, NOW);
    const raw = Buffer.from([0x61, 0xff, 0x62]);
    const line: Line = {
      offset: 7,
      nextOffset: 5000,
      text: 'a\ufffdb',
      originalBytes: 4990,
      invalidUtf8: true,
      raw,
    };
    expect(EventEncoder.isPlain(line)).toBe(false);
    expect(EventEncoder.isPlain(byteLine(Buffer.from('ok'), 0))).toBe(true);
    expect(JSON.parse(encoder.flagged(line))).toEqual({
      id: eventIdPrefix(HOST, ID_KEY) + '7',
      host: HOST,
      service: 'api',
      source: PATH,
      offset: 7,
      format: 'auto',
      message: 'a\ufffdb',
      fields: INPUT.fields,
      read_at: '2026-11-26T10:00:00.123Z',
      tz: TZ,
      flags: ['truncated', 'invalid_utf8'],
      original_bytes: 4990,
      original_base64: 'Yf9i',
    });
  });
});
