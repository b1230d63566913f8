import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/**
 * A small tmpfs mounted on `dir`, to fill a disk for real (the suite runs as root, as CI does). Returns the function
 * that unmounts it.
 */
export function mountTmpfs(dir: string, options: string): () => void {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(
      `This test mounts a small tmpfs to fill a disk and needs root (as CI runs): mount failed: ${(err as Error).message}`,
    );
  }
  return () => execFileSync('umount', ['-l', dir]);
}
