import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The environment that makes a process's clock run shifted, as Debian's `faketime -f OFFSET COMMAND` does: libfaketime
 * preloaded with FAKETIME set. Set directly on the process rather than through the `faketime` command, because that
 * command stays the parent of the program it starts, and a test must signal the program itself. Monotonic time is
 * left alone: timers and timeouts measure durations, which a shifted wall clock does not change.
 */
export function fakeTimeEnv(offset: string): Record<string, string> {
  return { LD_PRELOAD: libFakeTime(), FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: '1' };
}

function libFakeTime(): string {
  const candidates = ['/usr/lib', '/usr/lib64']
    .filter(existsSync)
    .flatMap((root) => [
      join(root, 'faketime', 'libfaketime.so.1'),
      ...readdirSync(root).map((arch) => join(root, arch, 'faketime', 'libfaketime.so.1')),
    ]);
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new Error("libfaketime is not installed: install Debian's faketime package (.ci/run does).");
  }
  return found;
}
