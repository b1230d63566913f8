import Database from 'better-sqlite3';
import { migrate } from '../../../../collector/store/embedded/embedded-schema.js';
import {
  codeEqualsParams,
  codeEqualsSql,
  keyValueSql,
  nameCode,
  NameCodes,
  nameKeySql,
  NameReader,
  nameSql,
  namesKeySql,
} from '../../../../collector/store/embedded/stored-names.js';

function newFile(): Database.Database {
  const db = new Database(':memory:');
  migrate(db);
  return db;
}

describe('name codes', () => {
  it('numbers names big-endian in as few bytes as they need', () => {
    expect([...nameCode(1)]).toEqual([1]);
    expect([...nameCode(255)]).toEqual([255]);
    expect([...nameCode(256)]).toEqual([1, 0]);
    expect([...nameCode(65_535)]).toEqual([255, 255]);
    expect([...nameCode(65_536)]).toEqual([1, 0, 0]);
    expect(() => nameCode(0)).toThrow('No name code for 0.');
  });

  it('gives each value one code, keeps null as null, and reads codes and older texts back alike', () => {
    const db = newFile();
    const names = new NameCodes(db);
    const insert = db.prepare(`INSERT INTO events(id, ingested, message, doc, source) VALUES (?, 0, '', '{}', ?)`);
    db.transaction(() => {
      for (let i = 0; i < 600; i++) insert.run(`e${i}`, names.code(`/var/log/app-${i % 300}.log`));
      insert.run('null', names.code(null));
      // A row as schema version 2 wrote it: the text itself.
      insert.run('text', '/var/log/app-7.log');
    })();
    expect(db.prepare(`SELECT count(*) FROM names`).pluck().get()).toBe(300);
    expect(db.prepare(`SELECT count(*) FROM events WHERE typeof(source) = 'blob'`).pluck().get()).toBe(600);
    // The first 255 names take one byte, the rest two.
    const lengths = db.prepare(
      `SELECT length(source) AS n, count(*) AS c FROM events WHERE typeof(source) = 'blob' GROUP BY n ORDER BY n`,
    );
    expect(lengths.all()).toEqual([
      { n: 1, c: 510 },
      { n: 2, c: 90 },
    ]);
    const read = db.prepare(`SELECT ${nameSql('source')} FROM events e WHERE e.id = ?`).pluck();
    expect(read.get('e0')).toBe('/var/log/app-0.log');
    expect(read.get('e299')).toBe('/var/log/app-299.log');
    expect(read.get('e599')).toBe('/var/log/app-299.log');
    expect(read.get('null')).toBeNull();
    expect(read.get('text')).toBe('/var/log/app-7.log');
    expect(
      db
        .prepare(`SELECT count(*) FROM events e WHERE ${nameSql('source')} = '/var/log/app-7.log'`)
        .pluck()
        .get(),
    ).toBe(3);
  });

  it('forgets codes of a rolled-back transaction, which would otherwise name nothing', () => {
    const db = newFile();
    const names = new NameCodes(db);
    const failing = db.transaction(() => {
      names.code('lost');
      throw new Error('rolled back');
    });
    expect(() => failing()).toThrow('rolled back');
    expect(db.prepare(`SELECT count(*) FROM names`).pluck().get()).toBe(0);
    names.forget();
    names.transactionEnded();
    db.transaction(() => {
      expect([...names.code('kept')!]).toEqual([1]);
      expect([...names.code('lost')!]).toEqual([2]);
    })();
    expect(db.prepare(`SELECT name FROM names ORDER BY code`).pluck().all()).toEqual(['kept', 'lost']);
  });

  it("reads a row's five names as one key: codes, hosts kept as text, older texts, null, and codes not named yet", () => {
    const db = newFile();
    const names = new NameCodes(db);
    const insert = db.prepare(
      `INSERT INTO events(id, ingested, message, doc, host, service, level, source, dataset)
       VALUES (?, 0, '', '{}', ?, ?, ?, ?, ?)`,
    );
    const [api, warn, log] = ['api', 'warn', '/a.log'].map((name) => names.code(name));
    db.transaction(() => {
      insert.run('coded', names.code('web-1'), api, warn, log, null);
      insert.run('no host', null, api, warn, log, names.code('plain'));
      // Hosts an upgraded file keeps as text, after codes: quote() would end the first at its NUL.
      insert.run('host text', "db-'1'\0x", api, warn, log, null);
      insert.run('host text cut', "db-'1'", api, warn, log, null);
      // Texts as rows of schema 2 hold them: the JSON form, with characters JSON escapes.
      insert.run('texts', 'db "1"\\', 'api', null, '/a.log\0', names.code('plain'));
      insert.run('unknown', nameCode(200), nameCode(201), null, null, null);
    })();
    const reader = new NameReader(db);
    const key = db.prepare(`SELECT ${namesKeySql()} FROM events e WHERE e.id = ?`).pluck();
    const read = (id: string) => reader.rowNames(key.get(id) as string);
    expect(read('coded')).toEqual(['web-1', 'api', 'warn', '/a.log', null]);
    expect(read('no host')).toEqual([null, 'api', 'warn', '/a.log', 'plain']);
    expect(read('host text')).toEqual(["db-'1'\0x", 'api', 'warn', '/a.log', null]);
    expect(read('host text cut')).toEqual(["db-'1'", 'api', 'warn', '/a.log', null]);
    expect(read('texts')).toEqual(['db "1"\\', 'api', null, '/a.log\0', 'plain']);
    expect(read('unknown')).toEqual([null, null, null, null, null]);
    expect(['coded', 'host text', 'texts'].map((id) => (key.get(id) as string).charAt(0))).toEqual(['X', 'X', '[']);
    // Another writer names codes 200 and 201 later: the key was not remembered without them.
    db.prepare(`INSERT INTO names(code, name) VALUES (?, ?), (?, ?)`).run(nameCode(200), 'late', nameCode(201), 'x');
    expect(read('unknown')).toEqual(['late', 'x', null, null, null]);
    // Rows of the same names share what was looked up once.
    expect(read('coded')).toBe(read('coded'));
  });

  it('finds names another writer added to the file', () => {
    const db = newFile();
    db.prepare(`INSERT INTO names(code, name) VALUES (?, ?)`).run(nameCode(1), 'nginx');
    const names = new NameCodes(db);
    db.transaction(() => {
      expect([...names.code('nginx')!]).toEqual([1]);
      expect([...names.code('app')!]).toEqual([2]);
    })();
    names.transactionEnded();
    // Between two of this writer's transactions, another adds a name: the next number is counted again.
    db.prepare(`INSERT INTO names(code, name) VALUES (?, ?)`).run(nameCode(3), 'api');
    db.transaction(() => expect([...names.code('db')!]).toEqual([4]))();
    expect(db.prepare(`SELECT name FROM names ORDER BY length(code), code`).pluck().all()).toEqual([
      'nginx',
      'app',
      'api',
      'db',
    ]);
  });

  it('keeps one value per host: a code, or the text of a host an upgraded file held as text', () => {
    const db = newFile();
    // As the upgrade to version 6 leaves a file: older rows with host texts, which host_texts lists.
    const insert = db.prepare(
      `INSERT INTO events(rowid, id, host, ingested, message, doc) VALUES (?, ?, ?, 0, '', '{}')`,
    );
    for (let i = 0; i < 4; i++) insert.run(i, `old-${i}`, ['web-1', 'db-1'][i % 2]);
    db.exec(`INSERT INTO host_texts(name) SELECT DISTINCT host FROM events`);
    // A name another column holds already has a code; it is not the host's.
    db.prepare(`INSERT INTO names(code, name) VALUES (?, ?)`).run(nameCode(1), 'web-1');
    const names = new NameCodes(db);
    db.transaction(() => {
      for (let i = 4; i < 12; i++) insert.run(i, `new-${i}`, names.host(['web-1', 'db-1', 'cache-1', null][i % 4]!));
    })();
    expect(
      db.prepare(`SELECT typeof(host) AS type, count(*) AS n FROM events GROUP BY type ORDER BY type`).all(),
    ).toEqual([
      { type: 'blob', n: 2 },
      { type: 'null', n: 2 },
      { type: 'text', n: 8 },
    ]);
    const find = (host: string) =>
      db
        .prepare(`SELECT e.id FROM events e WHERE ${codeEqualsSql('host')} ORDER BY e.rowid`)
        .pluck()
        .all(...codeEqualsParams('host', host));
    expect(find('web-1')).toEqual(['old-0', 'old-2', 'new-4', 'new-8']);
    expect(find('db-1')).toEqual(['old-1', 'old-3', 'new-5', 'new-9']);
    expect(find('cache-1')).toEqual(['new-6', 'new-10']);
    expect(find('nowhere')).toEqual([]);
    expect(
      db
        .prepare(`SELECT ${nameSql('host')} FROM events e WHERE id = 'new-6'`)
        .pluck()
        .get(),
    ).toBe('cache-1');
    // The same values for a joined list of hosts, looked up once per host and reader: the keys its rows read as.
    const reader = new NameReader(db);
    expect(['web-1', 'cache-1', 'nowhere'].map((h) => reader.hostKey(h))).toEqual(['=web-1', '02', '=nowhere']);
    const keys = db
      .prepare(`SELECT ${nameKeySql('host')} FROM events e WHERE e.id IN ('old-0', 'new-6') ORDER BY e.rowid`)
      .pluck();
    expect(keys.all()).toEqual(['=web-1', '02']);
    expect(reader.name('02')).toBe('cache-1');
    // The same as values to bind.
    expect(['web-1', 'cache-1', 'nowhere'].map((h) => reader.hostValue(h))).toEqual([
      'web-1',
      Buffer.from([2]),
      'nowhere',
    ]);
    const dbOrCache = ['old-1', 'old-3', 'new-5', 'new-6', 'new-9', 'new-10'];
    const bound = db.prepare(`SELECT e.id FROM events e WHERE e.host IN (?, ?) ORDER BY e.rowid`).pluck();
    expect(bound.all(reader.hostValue('db-1'), reader.hostValue('cache-1'))).toEqual(dbOrCache);
    const joined = db
      .prepare(
        `SELECT e.id FROM json_each(?) j CROSS JOIN events e ON e.host = ${keyValueSql('j.value')} ORDER BY e.rowid`,
      )
      .pluck();
    expect(joined.all(JSON.stringify(['db-1', 'cache-1', 'nowhere'].map((h) => reader.hostKey(h))))).toEqual(dbOrCache);
    // Each joined host is found in its index (the rare level's walk joins (host, slot) pairs so).
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT e.id FROM json_each(?) j CROSS JOIN events e
         ON e.host = ${keyValueSql('j.value')} AND e.rowid BETWEEN 0 AND 9`,
      )
      .all('[]') as { detail: string }[];
    expect(plan.map((r) => r.detail).filter((d) => d.includes('events_host'))).toEqual([
      'SEARCH e USING INDEX events_host (host=? AND rowid>? AND rowid<?)',
    ]);
  });

  it('finds a host, and several hosts ORed, in its index within the key range, in key order', () => {
    const db = newFile();
    const plan = (where: string) =>
      (
        db
          .prepare(
            `EXPLAIN QUERY PLAN SELECT e.rowid FROM events e WHERE (${where}) AND e.rowid BETWEEN ? AND ? ORDER BY e.rowid DESC`,
          )
          .all(...Array.from({ length: (where.match(/\?/g) ?? []).length + 2 }, () => 'x')) as { detail: string }[]
      ).map((r) => r.detail);
    const host = `(${codeEqualsSql('host')})`;
    // One value in the index, walked newest first: no sort of every event of the host in the window.
    expect(plan(host).filter((d) => d.includes('events_host') || d.includes('B-TREE'))).toEqual([
      'SEARCH e USING COVERING INDEX events_host (host=? AND rowid>? AND rowid<?)',
    ]);
    // Several hosts: each found within the range (a count, which needs no order).
    expect(plan(Array(8).fill(host).join(' OR ')).filter((d) => d.includes('events_host'))).toEqual([
      'SEARCH e USING COVERING INDEX events_host (host=? AND rowid>? AND rowid<?)',
    ]);
  });
});
