import Database from 'better-sqlite3';
import { migrate } from '../../../../collector/store/embedded/embedded-schema.js';
import { nameCode, NameCodes, nameSql } from '../../../../collector/store/embedded/stored-names.js';

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
});
