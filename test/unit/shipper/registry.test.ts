import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { identityKey } from '../../../shipper/file-identity.js';
import { Registry, type RegistryEntry } from '../../../shipper/registry.js';

const logger = pino({ level: 'silent' });

function entry(ino: string, offset: number): RegistryEntry {
  return { path: `/var/log/app/${ino}.log`, dev: '2049', ino, fingerprint: 'f'.repeat(64), offset };
}

describe('offset registry', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'logship-registry-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('survives a reread after an atomic write, leaving no temp file', async () => {
    const data = join(dir, 'data');
    const reg = await Registry.open(data, logger);
    reg.set(entry('11', 4096));
    reg.set(entry('12', 0));
    reg.set(entry('11', 8192));
    await reg.save();
    expect(readdirSync(data)).toEqual(['registry.json']);
    expect(statSync(join(data, 'registry.json')).mode & 0o777).toBe(0o600);

    const again = await Registry.open(data, logger);
    expect(again.size).toBe(2);
    expect(again.get(identityKey(entry('11', 0)))).toEqual(entry('11', 8192));
    expect(again.get(identityKey(entry('12', 0)))?.offset).toBe(0);
  });

  it('writes only when something changed', async () => {
    const reg = await Registry.open(dir, logger);
    reg.set(entry('1', 10));
    await reg.save();
    const file = join(dir, 'registry.json');
    // Every write renames a new file into place, so an unchanged inode proves nothing was written.
    const before = statSync(file).ino;
    await reg.save();
    expect(statSync(file).ino).toBe(before);
    reg.set(entry('1', 20));
    await reg.save();
    expect(statSync(file).ino).not.toBe(before);
    reg.delete(identityKey(entry('1', 0)));
    await reg.save();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, files: [] });
  });

  it('moves an unreadable registry aside and starts empty', async () => {
    writeFileSync(join(dir, 'registry.json'), '{"version":1,"files":[{"path":');
    const reg = await Registry.open(dir, logger);
    expect(reg.size).toBe(0);
    expect(existsSync(join(dir, 'registry.json'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('registry.json.corrupt-'))).toHaveLength(1);
  });
});
