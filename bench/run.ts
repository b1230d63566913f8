/**
 * `npm run bench`: every benchmark in bench/, one after another (they would distort each other side by side on two
 * cores), each printing its figures and ratios against its peers and writing bench/results/<name>.json.
 * `npm run bench -- shipper-vs-peers ui-first-paint` runs only the named ones.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** In the order that shares the most set-up: the peer benchmarks first (they swap syslog packages), then the stores. */
const BENCHES = [
  'shipper-vs-peers',
  'end-to-end-vs-peers',
  'parse-formats',
  'ingest-throughput',
  'collector-overload',
  'search-latency',
  'embedded-store',
  'embedded-writer-cost',
  'fts-docids',
  'ui-first-paint',
  'es-sizing',
  'pattern-accuracy',
  'export-memory',
  'alert-evaluation',
];

const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !BENCHES.includes(name));
if (unknown.length) {
  process.stderr.write(`Unknown benchmark ${unknown.join(', ')}; choose from ${BENCHES.join(', ')}.\n`);
  process.exit(2);
}
const failed: string[] = [];
for (const name of chosen.length ? chosen : BENCHES) {
  process.stdout.write(`\n=== ${name}\n`);
  const args = [join(import.meta.dirname, `${name}.js`)];
  // The peer benchmarks replace rsyslog with syslog-ng for a while: hold the lock other users of rsyslog take.
  const [command, argv] =
    name === 'shipper-vs-peers' || name === 'end-to-end-vs-peers'
      ? ['flock', ['/tmp/logship-peer.lock', process.execPath, ...args]]
      : [process.execPath, args];
  const run = spawnSync(command, argv, { stdio: 'inherit' });
  if (run.status !== 0) failed.push(name);
}
if (failed.length) {
  process.stderr.write(`\nFailed: ${failed.join(', ')}\n`);
  process.exit(1);
}
