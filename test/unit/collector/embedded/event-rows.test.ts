import Database from 'better-sqlite3';
import { toHit } from '../../../../collector/store/ecs-document.js';
import { migrate } from '../../../../collector/store/embedded/embedded-schema.js';
import { keyLayout, MILLISECOND_KEYS, SECOND_KEYS } from '../../../../collector/store/embedded/event-key.js';
import {
  eventColumns,
  EventRowReader,
  rowToHit,
  sortRows,
  type EventRow,
} from '../../../../collector/store/embedded/event-rows.js';
import { blockRef, encodeBlock } from '../../../../collector/store/embedded/message-blocks.js';
import { QueryFunctions } from '../../../../collector/store/embedded/sql-functions.js';
import { restoreDocument } from '../../../../collector/store/embedded/stored-document.js';
import { NameCodes, nameCode } from '../../../../collector/store/embedded/stored-names.js';

/**
 * Rows as every event read takes them: names looked up in JavaScript (codes, older rows' texts, none), a message
 * kept without its time given it back, and a plain line's hit built from its columns alone, which must be exactly
 * the hit of the whole document (toHit(restoreDocument())).
 */
const AT = Date.parse('2026-11-20T10:00:00.123Z');

interface Inserted {
  n: number;
  ms: number;
  id: string;
  host: string | Buffer | null;
  service: string | Buffer | null;
  level: string | Buffer | null;
  source: string | Buffer | null;
  off: number | null;
  /** A block reference (message-blocks.ts) is a bigint: better-sqlite3 binds a number as a REAL. */
  message: string | Buffer | bigint;
  doc: string;
  dataset: string | Buffer | null;
}

/** A file holding `rows`, and the message blocks (block → texts) they refer to. */
function fileWith(rows: (names: NameCodes) => Inserted[], blocks: Record<number, string[]> = {}): Database.Database {
  const db = new Database(':memory:');
  migrate(db);
  new QueryFunctions().register(db);
  for (const [block, texts] of Object.entries(blocks)) {
    db.prepare(`INSERT INTO message_blocks(block, last, data) VALUES (?, ?, ?)`).run(block, AT, encodeBlock(texts));
  }
  const names = new NameCodes(db);
  // A new file keys its rows by the second, with the millisecond within it in `msx` (event-key.ts).
  const insert = db.prepare(
    `INSERT INTO events(rowid, id, host, service, level, source, off, ingested, message, doc, dataset, msx)
     VALUES (${SECOND_KEYS.sqlKey('?', '?')}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (const r of rows(names)) {
      const [unit, msx] = [SECOND_KEYS.unitOf(r.ms), SECOND_KEYS.msWithin(r.ms)];
      insert.run(
        unit,
        r.n,
        r.id,
        r.host,
        r.service,
        r.level,
        r.source,
        r.off,
        // Ingested 5 ms after the event: such a file keeps the difference.
        SECOND_KEYS.ingestedValue(r.ms, r.ms + 5),
        r.message,
        r.doc,
        r.dataset,
        msx,
      );
    }
  })();
  return db;
}

function read(db: Database.Database): EventRow[] {
  return new EventRowReader(db).all(
    db.prepare(`SELECT ${eventColumns(keyLayout(db))} FROM events e ORDER BY e.rowid`),
    [],
  );
}

describe('event rows as reads take them', () => {
  it('gives names, messages and times back from codes, blocks, older texts and rows without them', () => {
    const db = fileWith(
      (names) => [
        // Messages in a block (schema version 8): one kept without its leading time, one as written.
        ...[0, 1].map((i) => ({
          n: 2 + i,
          ms: AT,
          id: `block-${i}`,
          host: names.code('web-1'),
          service: null,
          level: null,
          source: null,
          off: null,
          message: BigInt(blockRef(3, 1 + i, i === 0)),
          doc: '{}',
          dataset: null,
        })),
        // A plain line as the writer keeps it now: codes, and the message without its leading time.
        {
          n: 0,
          ms: AT,
          id: 'coded',
          host: names.code('web-1'),
          service: names.code('api'),
          level: names.code('warn'),
          source: names.code('/var/log/api.log'),
          off: 120,
          message: Buffer.from(' WARN slow request'),
          doc: '{}',
          dataset: names.code('plain'),
        },
        // As schema version 2 wrote it: the texts themselves (the host's until version 6), and a message as written.
        {
          n: 1,
          ms: AT,
          id: 'older',
          host: 'db-1',
          service: 'api',
          level: 'error',
          source: '/var/log/old.log',
          off: null,
          message: 'disk full',
          doc: '{}',
          dataset: 'plain',
        },
        // No service, level or source at all, and a code that names nothing (read as none, as in SQL).
        {
          n: 0,
          ms: 0,
          id: 'bare',
          host: null,
          service: null,
          level: null,
          source: null,
          off: null,
          message: Buffer.from(''),
          doc: '{}',
          dataset: nameCode(999),
        },
      ],
      { 3: ['', ' INFO in a block', 'as written in a block'] },
    );
    // The file keeps each ingest time as its 5 ms after the event, and reads give the time itself back.
    expect(db.prepare(`SELECT DISTINCT ingested FROM events`).pluck().all()).toEqual([5]);
    const rows = read(db);
    expect(rows).toEqual([
      {
        ms: 0,
        time: '1970-01-01T00:00:00.000Z',
        id: 'bare',
        host: null,
        service: null,
        level: null,
        source: null,
        off: null,
        message: '1970-01-01T00:00:00.000Z',
        doc: '{}',
        ingested: 5,
        dataset: null,
      },
      {
        ms: AT,
        time: '2026-11-20T10:00:00.123Z',
        id: 'coded',
        host: 'web-1',
        service: 'api',
        level: 'warn',
        source: '/var/log/api.log',
        off: 120,
        message: '2026-11-20T10:00:00.123Z WARN slow request',
        doc: '{}',
        ingested: AT + 5,
        dataset: 'plain',
      },
      {
        ms: AT,
        time: '2026-11-20T10:00:00.123Z',
        id: 'older',
        host: 'db-1',
        service: 'api',
        level: 'error',
        source: '/var/log/old.log',
        off: null,
        message: 'disk full',
        doc: '{}',
        ingested: AT + 5,
        dataset: 'plain',
      },
      ...['2026-11-20T10:00:00.123Z INFO in a block', 'as written in a block'].map((message, i) => ({
        ms: AT,
        time: '2026-11-20T10:00:00.123Z',
        id: `block-${i}`,
        host: 'web-1',
        service: null,
        level: null,
        source: null,
        off: null,
        message,
        doc: '{}',
        ingested: AT + 5,
        dataset: null,
      })),
    ]);
    // A second reader of the file finds the same names (each reader remembers its own).
    expect(read(db).map((r) => [r.host, r.source])).toEqual([
      [null, null],
      ['web-1', '/var/log/api.log'],
      ['db-1', '/var/log/old.log'],
      ['web-1', null],
      ['web-1', null],
    ]);
    db.close();
  });

  it("builds a plain line's hit from its columns, exactly the whole document's hit, and others from the document", () => {
    const db = fileWith((names) =>
      [null, names.code('db-2')].flatMap((host, h) =>
        [null, names.code('info')].flatMap((level, l) =>
          [null, 7].map((off, o) => ({
            n: h * 4 + l * 2 + o,
            ms: AT,
            id: `p-${h}${l}${o}`,
            host,
            service: h === 0 ? null : names.code('db'),
            level,
            source: o === 0 ? null : names.code('/var/log/db.log'),
            off,
            message: 'plain line',
            doc: '{}',
            dataset: names.code('plain'),
          })),
        ),
      ),
    );
    const rows = read(db);
    // A document with more than its columns: labels, a parsed field, flags and its own event fields.
    const fuller: EventRow = {
      ...rows[7]!,
      id: 'fuller',
      doc: JSON.stringify({
        log: { flags: ['multiline'] },
        event: { created: '2026-11-20T10:00:00.100Z' },
        labels: { env: 'prod' },
        'http.response.status_code': 503,
      }),
    };
    const hits = [...rows, fuller].map((row) => JSON.stringify(rowToHit(row)));
    const whole = [...rows, fuller].map((row) => JSON.stringify(toHit(row.id, restoreDocument(row))));
    expect(hits).toEqual(whole);
    expect(rowToHit(rows[7]!)).toEqual({
      id: 'p-111',
      timestamp: '2026-11-20T10:00:00.123Z',
      host: 'db-2',
      service: 'db',
      level: 'info',
      source: '/var/log/db.log',
      offset: 7,
      message: 'plain line',
      fields: {},
    });
    expect(rowToHit(fuller).fields).toEqual({
      env: 'prod',
      'http.response.status_code': 503,
      'log.flags': ['multiline'],
    });
    db.close();
  });

  it('sorts only the events of one millisecond, by host, source, offset and id, in both orders', () => {
    const row = (ms: number, id: string, host: string | null, off: number | null): EventRow => ({
      ms,
      time: new Date(ms).toISOString(),
      id,
      host,
      service: null,
      level: null,
      source: '/var/log/a.log',
      off,
      message: '',
      doc: '{}',
      ingested: ms,
      dataset: null,
    });
    const asc = [
      row(1, 'a', 'web-2', 1),
      row(2, 'b', 'web-2', 5),
      row(2, 'c', null, 9),
      row(2, 'd', 'web-1', 3),
      row(2, 'e', 'web-1', 3),
      row(2, 'f', 'web-1', null),
      row(3, 'g', 'web-1', 1),
      row(4, 'h', null, null),
    ];
    expect(sortRows(asc, 'asc', MILLISECOND_KEYS).map((r) => r.id)).toEqual(['a', 'c', 'f', 'd', 'e', 'b', 'g', 'h']);
    const desc = [row(4, 'h', null, null), row(3, 'g', 'web-1', 1), ...asc.slice(1, 6).reverse(), asc[0]!];
    expect(sortRows(desc, 'desc', MILLISECOND_KEYS).map((r) => r.id)).toEqual(['h', 'g', 'b', 'e', 'd', 'f', 'c', 'a']);
  });
});
