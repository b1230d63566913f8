import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchWorkingTree } from '../../support/working-tree.js';

let repo: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'logship-tree-'));
  git('init', '-q');
  writeFileSync(join(repo, '.gitignore'), 'out/\n');
  writeFileSync(join(repo, 'shot.png'), 'v1');
  writeFileSync(join(repo, 'edited.ts'), 'v1');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'init');
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

describe('the working-tree check of a whole test run', () => {
  it('passes when the run wrote only ignored files, and keeps edits made before the run', () => {
    writeFileSync(join(repo, 'edited.ts'), 'being edited');
    const check = watchWorkingTree(repo);
    execFileSync('mkdir', ['-p', join(repo, 'out')]);
    writeFileSync(join(repo, 'out', 'shot.png'), 'temporary');
    expect(check).not.toThrow();
  });

  it('names a tracked file the run rewrote, a new file, and a file already edited whose content moved', () => {
    writeFileSync(join(repo, 'edited.ts'), 'being edited');
    const check = watchWorkingTree(repo);
    writeFileSync(join(repo, 'shot.png'), 'v2');
    writeFileSync(join(repo, 'new.txt'), 'x');
    writeFileSync(join(repo, 'edited.ts'), 'changed by a test');
    expect(check).toThrow(
      'The tests changed 3 file(s) of the checkout that git does not ignore: edited.ts, new.txt, shot.png.',
    );
  });

  it('does nothing outside a git checkout', () => {
    const plain = mkdtempSync(join(tmpdir(), 'logship-plain-'));
    try {
      const check = watchWorkingTree(plain);
      writeFileSync(join(plain, 'x'), 'y');
      expect(check).not.toThrow();
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });
});
