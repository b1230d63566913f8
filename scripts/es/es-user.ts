import { spawnSync } from 'node:child_process';
import { realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { EsLocalError } from './es-local-error.js';

/** The unprivileged user Elasticsearch runs as when we are root (Elasticsearch refuses root). */
export const ES_USER = 'logship-es';

export interface EsUser {
  uid: number;
  gid: number;
}

export const isRoot = (): boolean => process.getuid?.() === 0;

let esUser: EsUser | undefined;

/** The uid/gid of ES_USER, creating the system user the first time (root only). */
export function ensureEsUser(): EsUser {
  if (esUser) return esUser;
  let found = lookupUser(ES_USER);
  if (!found) {
    const made = spawnSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', ES_USER],
      { encoding: 'utf8' },
    );
    // A concurrent start may have created it between our lookup and useradd; look again before failing.
    found = lookupUser(ES_USER);
    if (!found)
      throw new EsLocalError(
        'ES_USER_FAILED',
        `Cannot create the user ${ES_USER} that Elasticsearch runs as (Elasticsearch refuses root): ` +
          `${made.error?.message ?? made.stderr.trim()}`,
      );
  }
  esUser = found;
  return found;
}

function lookupUser(name: string): EsUser | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** `command args…` as ES_USER when we are root (setpriv), else as it is. */
export function asEsUser(command: string, args: readonly string[]): [string, string[]] {
  if (!isRoot()) return [command, [...args]];
  const user = ensureEsUser();
  return ['setpriv', ['--reuid', String(user.uid), '--regid', String(user.gid), '--init-groups', command, ...args]];
}

/** Fails early, with the folder to fix, when ES_USER cannot reach `path` through its parents (e.g. under /root). */
export function assertReachable(path: string, user: EsUser): void {
  const real = realpathSync(path);
  const chain: string[] = [];
  for (let dir = real; ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of chain) {
    const st = statSync(dir);
    const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0)
      throw new EsLocalError(
        'ES_DIR_NOT_ACCESSIBLE',
        `${path} is not reachable by the user ${ES_USER} that Elasticsearch runs as (it refuses root): ` +
          `${dir} is mode ${(st.mode & 0o777).toString(8)}. Use a folder outside it or allow access (chmod o+x ${dir}).`,
      );
  }
}
