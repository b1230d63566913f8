import { readdirSync, readFileSync } from 'node:fs';
import {
  generalIsoTimestamp,
  generalLeadingTimestamp,
  isoTimestamp,
  leadingTimestamp,
} from '../../../../collector/ingest/parse/leading-timestamp.js';
import { normalizeLevel } from '../../../../collector/ingest/parse/level-names.js';

/**
 * leadingTimestamp and isoTimestamp answer a time written exactly as toISOString() writes it without parsing it
 * (canonical-time.ts): they must answer what their general paths answer for every text, shortcut or not.
 */
const ZONES = [undefined, 'UTC', 'Europe/Berlin', '-05:00', '+05:30'];
const CANONICAL = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z/;

function fixtureFiles(): string[] {
  const root = new URL('../../../fixtures/', import.meta.url);
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(log|csv)$/.test(file))
    .sort();
}

function fixtureLines(file: string): string[] {
  const lines = readFileSync(new URL(`../../../fixtures/${file}`, import.meta.url), 'utf8').split('\n');
  lines.pop();
  return lines;
}

/** Every string anywhere in a JSON value. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

describe("times in toISOString()'s form, read without parsing", () => {
  it('answer as the general path does for every line of every fixture, and every string of the JSON ones', () => {
    const files = fixtureFiles();
    expect(files).toHaveLength(25);
    let lines = 0;
    let values = 0;
    let canonicalValues = 0;
    const differ: string[] = [];
    for (const file of files) {
      for (const line of fixtureLines(file)) {
        lines++;
        for (const tz of ZONES) {
          if (leadingTimestamp(line, tz) !== generalLeadingTimestamp(line, tz)) differ.push(`${file}: ${line}`);
        }
        if (!file.startsWith('json/')) continue;
        for (const text of strings(JSON.parse(line))) {
          values++;
          if (CANONICAL.test(text) && text.length === 24) canonicalValues++;
          for (const tz of ZONES) {
            if (isoTimestamp(text, tz) !== generalIsoTimestamp(text, tz)) differ.push(`${file}: ${text}`);
          }
        }
      }
    }
    expect(differ).toEqual([]);
    // `cat` of the 25 files: 1,036 lines; their JSON lines hold 463 strings.
    expect(lines).toBe(1036);
    expect(values).toBe(463);
    // winston's `timestamp` (9), bunyan's `time` (8) and ECS's `@timestamp` (6) take the shortcut.
    expect(canonicalValues).toBe(23);
  });

  it('answer as the general path does for 6,000 times of years 0000-9999, real days or not, with what follows', () => {
    const followers = ['', ' INFO [app] started', '\tx', 'Z', 'foo', '+01:00 x', ',5 x', '9 x'];
    // Days and times that do not exist, or render back otherwise: left to the general path, which decides.
    const odd = [
      '2026-02-29T10:00:00.000Z',
      '2024-02-29T10:00:00.000Z',
      '2026-02-30T10:00:00.000Z',
      '2026-04-31T10:00:00.000Z',
      '2026-13-01T10:00:00.000Z',
      '2026-00-10T10:00:00.000Z',
      '2026-12-00T10:00:00.000Z',
      '2026-12-05T24:00:00.000Z',
      '2026-12-05T23:60:00.000Z',
      '2026-12-05T23:59:60.000Z',
      '0000-01-01T00:00:00.000Z',
      '0050-06-15T12:00:00.000Z',
      '0099-12-31T23:59:59.999Z',
      '0100-01-01T00:00:00.000Z',
      '0999-12-31T23:59:59.999Z',
      '1000-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
      '2026-12-05T10:11:12.34xZ',
      '2026-12-05 10:11:12.345Z',
    ];
    const times = [...odd];
    let seed = 11;
    const span = Date.parse('9999-12-31T23:59:59.999Z') - Date.parse('0000-01-01T00:00:00.000Z');
    for (let i = 0; i < 6000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      const ms = Date.parse('0000-01-01T00:00:00.000Z') + Math.floor((seed / 2 ** 31) * span);
      // Runs of times within a day, as a batch has, between jumps across the years.
      times.push(new Date(i % 20 === 0 ? ms : ms - (ms % 86_400_000) + i * 997).toISOString());
    }
    let compared = 0;
    const differ: string[] = [];
    // The zone matters only to the general path's answer for what is not canonical.
    const zones = [undefined, 'Europe/Berlin'];
    for (const time of times) {
      for (const tz of zones) {
        if (isoTimestamp(time, tz) !== generalIsoTimestamp(time, tz)) differ.push(`iso ${time} ${tz}`);
        for (const rest of followers) {
          const line = time + rest;
          if (leadingTimestamp(line, tz) !== generalLeadingTimestamp(line, tz)) differ.push(`line ${line} ${tz}`);
          compared++;
        }
      }
    }
    expect(differ).toEqual([]);
    expect(compared).toBe((6000 + odd.length) * zones.length * followers.length);
    // The years Date.UTC reads as 1900-1999 keep the general path's answer.
    expect(leadingTimestamp('0050-06-15T12:00:00.000Z x')).toBe('1950-06-15T12:00:00.000Z');
    expect(leadingTimestamp('2026-12-05T10:11:12.345Z INFO x')).toBe('2026-12-05T10:11:12.345Z');
  });
});

describe('level words', () => {
  it('are found in lower, upper and mixed case, with a digit after, and never among Object properties', () => {
    const words = ['ERROR', 'error', 'Error', 'eRRoR', 'WARNING', 'Info', 'DEBUG3', 'debug5', 'TRACE1', 'E', 'w'];
    expect(words.map(normalizeLevel)).toEqual([
      'error',
      'error',
      'error',
      'error',
      'warn',
      'info',
      'debug',
      'debug',
      'trace',
      'error',
      'warn',
    ]);
    const none = ['constructor', 'CONSTRUCTOR', '__proto__', 'toString', 'hasOwnProperty', 'ERRORS', 'x', '', '1'];
    expect(none.map(normalizeLevel)).toEqual(none.map(() => undefined));
  });
});
