import { accessSync, constants, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { ES_VERSION } from './es-distribution.js';
import { EsLocalError } from './es-local-error.js';

const MIN_JAVA = 21;
const JVM_DIR = '/usr/lib/jvm';

/** The Java feature version of a JDK folder from its `release` file (`17.0.15` → 17, `1.8.0_402` → 8). */
export function javaVersion(home: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(home, 'release'), 'utf8');
    accessSync(join(home, 'bin', 'java'), constants.X_OK);
  } catch {
    return undefined;
  }
  const m = /^JAVA_VERSION="?(\d+)(?:\.(\d+))?/m.exec(text);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] ? Number(m[2]) : first;
}

/** The JDK to run Elasticsearch on: ES_JAVA_HOME if set (must be >= 21), else the newest >= 21 on this machine. */
export function findJavaHome(): string {
  const explicit = process.env.ES_JAVA_HOME;
  if (explicit) {
    const version = javaVersion(explicit);
    if (version === undefined)
      throw new EsLocalError('ES_NO_JDK', `ES_JAVA_HOME=${explicit} is not a JDK (no release file or no bin/java).`);
    if (version < MIN_JAVA)
      throw new EsLocalError(
        'ES_NO_JDK',
        `ES_JAVA_HOME=${explicit} is Java ${version}; Elasticsearch ${ES_VERSION} needs Java >= ${MIN_JAVA}.`,
      );
    return explicit;
  }
  const candidates = new Map<string, number | undefined>();
  const consider = (path: string): void => {
    try {
      const real = realpathSync(path);
      if (!candidates.has(real)) candidates.set(real, javaVersion(real));
    } catch {
      // A dangling symlink in /usr/lib/jvm is not a JDK.
    }
  };
  if (process.env.JAVA_HOME) consider(process.env.JAVA_HOME);
  try {
    for (const name of readdirSync(JVM_DIR)) consider(join(JVM_DIR, name));
  } catch {
    // No /usr/lib/jvm: only JAVA_HOME counts.
  }
  let best: { home: string; version: number } | undefined;
  for (const [home, version] of candidates) {
    if (version !== undefined && version >= MIN_JAVA && (!best || version > best.version)) best = { home, version };
  }
  if (best) return best.home;
  const seen = [...candidates].filter(([, v]) => v !== undefined).map(([h, v]) => `${h} (Java ${v})`);
  throw new EsLocalError(
    'ES_NO_JDK',
    `No JDK >= ${MIN_JAVA} found for Elasticsearch (looked at JAVA_HOME and ${JVM_DIR}` +
      `${seen.length ? `; found ${seen.join(', ')}` : ''}). Install one (e.g. Temurin 21 or newer) or set ES_JAVA_HOME to its folder.`,
  );
}
