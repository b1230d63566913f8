import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RESULTS = join(import.meta.dirname, '..', '..', 'bench', 'results');

/** Writes a benchmark's figures to bench/results/<name>.json, where they are committed and compared. */
export function writeResults(name: string, report: unknown): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, `${name}.json`), JSON.stringify(report, null, 2) + '\n');
}
