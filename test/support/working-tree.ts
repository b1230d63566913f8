import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The files `git status` shows as changed (modified, added, deleted, untracked and not ignored), each with a hash of
 * its content: a file that was already being edited before the run still counts as changed by the run when its
 * content moves. Undefined outside a git checkout.
 */
function changedFiles(root: string): Map<string, string> | undefined {
  let out: string;
  try {
    out = execFileSync('git', ['status', '--porcelain=v1', '-z', '--untracked-files=all'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return undefined;
  }
  const files = new Map<string, string>();
  const entries = out.split('\0');
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.length < 4) continue;
    const path = entry.slice(3);
    // A rename or copy is followed by its source path, which is not a file of its own here.
    if (entry[0] === 'R' || entry[0] === 'C') i++;
    const full = join(root, path);
    const hash =
      existsSync(full) && statSync(full).isFile()
        ? createHash('sha256').update(readFileSync(full)).digest('hex')
        : 'absent';
    files.set(path, hash);
  }
  return files;
}

/**
 * Remembers which files of the checkout differ from git now, and returns a check that throws, naming them, when the
 * run changed any file that is not ignored: tests write into temporary folders, so a clean checkout stays clean
 * after `npm test` (docs/screenshots once changed on every run).
 */
export function watchWorkingTree(root: string): () => void {
  const before = changedFiles(root);
  return () => {
    if (!before) return;
    const after = changedFiles(root) ?? new Map<string, string>();
    const touched = [...new Set([...before.keys(), ...after.keys()])].filter((p) => before.get(p) !== after.get(p));
    if (touched.length > 0) {
      throw new Error(
        `The tests changed ${touched.length} file(s) of the checkout that git does not ignore: ${touched.sort().join(', ')}. ` +
          'Tests must write into temporary folders.',
      );
    }
  };
}
