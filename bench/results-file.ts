import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const RESULTS = join(ROOT, 'bench', 'results');

/**
 * Writes a benchmark's figures to bench/results/<name>.json, where they are committed and compared. The file is
 * laid out by the project's prettier (JSON.stringify puts every number of an array on its own line, which
 * `npm run lint` refuses), so a fresh result can be committed as written.
 */
export function writeResults(name: string, report: unknown): void {
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${name}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--write', file], {
    cwd: ROOT,
    stdio: 'ignore',
  });
}
