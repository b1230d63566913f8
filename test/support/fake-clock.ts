import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Environment that runs a process with its clock shifted by `offset` (libfaketime, e.g. "+120s" or "-90s"). The
 * library is preloaded into the process itself rather than through the `faketime` wrapper, which forks: the
 * spawned pid must be logship's own, so that killing it kills the daemon (Debian: apt-get install faketime).
 */
export function fakeClockEnv(offset: string): Record<string, string> {
  const lib = readdirSync('/usr/lib')
    .map((arch) => join('/usr/lib', arch, 'faketime', 'libfaketime.so.1'))
    .find((path) => existsSync(path));
  if (!lib) throw new Error('This test needs libfaketime: apt-get install faketime (.ci/run installs it).');
  return { LD_PRELOAD: lib, FAKETIME: offset };
}
