import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePrivateDir, ensurePrivateFile, openToOthers } from '../../../config/private-files.js';

const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8);

describe('private files', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'private-files-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates every missing folder owner-only', () => {
    ensurePrivateDir(join(root, 'a', 'b', 'c'));
    expect([mode(join(root, 'a')), mode(join(root, 'a', 'b')), mode(join(root, 'a', 'b', 'c'))]).toEqual([
      '700',
      '700',
      '700',
    ]);
  });

  it('never changes the mode of a folder that existed, such as a sticky shared /tmp or /var/lib', () => {
    const shared = join(root, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const lib = join(root, 'lib');
    mkdirSync(lib);
    chmodSync(lib, 0o755);
    ensurePrivateDir(shared);
    ensurePrivateDir(join(lib, 'logship'));
    expect([mode(shared), mode(lib), mode(join(lib, 'logship'))]).toEqual(['1777', '755', '700']);
    expect([openToOthers(shared), openToOthers(lib), openToOthers(join(lib, 'logship'))]).toEqual([true, true, false]);
  });

  it('creates a missing file 0600 and tightens an existing one of ours', () => {
    const created = join(root, 'new.db');
    ensurePrivateFile(created);
    const loose = join(root, 'tokens.json');
    writeFileSync(loose, '{}', { mode: 0o644 });
    chmodSync(loose, 0o644);
    ensurePrivateFile(loose);
    expect([mode(created), mode(loose)]).toEqual(['600', '600']);
  });
});
