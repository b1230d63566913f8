/**
 * The Elasticsearch distribution we run (CONTRACT §7): the minimal integ-test-zip from Maven Central, fetched once
 * into a cache and unpacked once, where the user Elasticsearch runs as can read it.
 */
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { EsLocalError, say } from './es-local-error.js';
import { ES_USER, ensureEsUser, isRoot } from './es-user.js';
import { runTool } from './run-tool.js';

/** The Elasticsearch version we run; not every 9.x is published as an integ-test-zip (9.3.2 and 9.2.8 are). */
export const ES_VERSION = '9.3.2';
const ARTIFACT = `org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip`;
const APPROX_ZIP_MB = 115;
/** Where a root-owned ES home lives: /root is mode 700, so a home under ~/.cache would be unreadable to ES_USER. */
const ROOT_INSTALL_DIR = '/var/lib/logship-es';

/** The download cache: $LOGSHIP_CACHE_DIR or ~/.cache/logship. */
export function cacheDir(): string {
  return resolve(process.env.LOGSHIP_CACHE_DIR || join(homedir(), '.cache', 'logship'));
}

/** Downloads (once) and unpacks (once) the Elasticsearch distribution; returns its home folder. */
export async function ensureDistribution(): Promise<string> {
  const zip = await ensureZip();
  return ensureUnzipped(zip);
}

async function ensureZip(): Promise<string> {
  const dir = cacheDir();
  const zip = join(dir, `elasticsearch-${ES_VERSION}.zip`);
  if (await isNonEmptyFile(zip)) return zip;
  await mkdir(dir, { recursive: true });
  await removeStale(dir, '.download-');
  // Maven writes into a private folder that is renamed into place, so a killed download is never taken for a zip.
  const tmp = await mkdtemp(join(dir, '.download-'));
  const started = Date.now();
  say(`Downloading Elasticsearch ${ES_VERSION} (about ${APPROX_ZIP_MB} MB) with Maven into ${dir}; this happens once.`);
  const ticker = setInterval(() => say(`  still downloading… ${Math.round((Date.now() - started) / 1000)} s`), 15_000);
  try {
    const args = ['-q', '-B', 'dependency:copy', `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${tmp}`];
    const result = await runTool('mvn', args, { cwd: tmp });
    if (result.error)
      throw new EsLocalError(
        'ES_DOWNLOAD_FAILED',
        `Cannot run Maven (${result.error.message}); install it (apt-get install maven) or put ${zip} there by hand.`,
      );
    const fetched = join(tmp, `elasticsearch-${ES_VERSION}.zip`);
    if (result.code !== 0 || !(await isNonEmptyFile(fetched)))
      throw new EsLocalError(
        'ES_DOWNLOAD_FAILED',
        `mvn dependency:copy -Dartifact=${ARTIFACT} failed (exit ${result.code}):\n${result.output.trim()}`,
      );
    await rename(fetched, zip);
  } finally {
    clearInterval(ticker);
    await rm(tmp, { recursive: true, force: true });
  }
  const mb = ((await stat(zip)).size / 1e6).toFixed(0);
  say(`Downloaded ${zip} (${mb} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return zip;
}

async function ensureUnzipped(zip: string): Promise<string> {
  const root = isRoot() ? ROOT_INSTALL_DIR : cacheDir();
  const home = join(root, `elasticsearch-${ES_VERSION}`);
  // The home appears only by rename after a complete unzip (and chown), so its presence means it is whole.
  if (await isDir(home)) return home;
  await mkdir(root, { recursive: true, mode: 0o755 });
  await removeStale(root, '.unzip-');
  const tmp = await mkdtemp(join(root, '.unzip-'));
  const started = Date.now();
  try {
    const result = await runTool('unzip', ['-q', zip, '-d', tmp], { cwd: tmp });
    if (result.error)
      throw new EsLocalError('ES_UNZIP_FAILED', `Cannot run unzip (${result.error.message}); apt-get install unzip.`);
    const unpacked = join(tmp, `elasticsearch-${ES_VERSION}`);
    if (result.code !== 0 || !(await isDir(join(unpacked, 'bin'))))
      throw new EsLocalError(
        'ES_UNZIP_FAILED',
        `unzip ${zip} failed (exit ${result.code}); delete it to download again:\n${result.output.trim()}`,
      );
    // ES writes its keystore into config/ on first start, so the user it runs as must own the home.
    if (isRoot()) {
      const user = ensureEsUser();
      const chowned = await runTool('chown', ['-R', `${user.uid}:${user.gid}`, unpacked], { cwd: tmp });
      if (chowned.code !== 0)
        throw new EsLocalError('ES_UNZIP_FAILED', `chown -R ${ES_USER} ${unpacked} failed: ${chowned.output.trim()}`);
    }
    try {
      await rename(unpacked, home);
    } catch (err) {
      // Another process finished the same unzip first: its copy is as good as ours.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw err;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  say(`Unpacked Elasticsearch ${ES_VERSION} into ${home} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return home;
}

async function isNonEmptyFile(path: string): Promise<boolean> {
  try {
    const st = await stat(path);
    return st.isFile() && st.size > 0;
  } catch {
    return false;
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Removes leftovers of a killed download or unzip (older than 10 minutes, so a running one is left alone). */
async function removeStale(dir: string, prefix: string): Promise<void> {
  const cutoff = Date.now() - 10 * 60_000;
  for (const name of await readdir(dir)) {
    if (!name.startsWith(prefix)) continue;
    const path = join(dir, name);
    const st = await stat(path).catch(() => undefined);
    if (st && st.mtimeMs < cutoff) await rm(path, { recursive: true, force: true });
  }
}
