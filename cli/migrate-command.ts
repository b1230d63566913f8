import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { ConfigError } from '../config/config-error.js';
import { CodedError } from '../protocol/coded-error.js';
import { loadCollectorConfig } from '../collector/config.js';
import { parseTimeExpression } from '../collector/query/time-expression.js';
import type { MigrationCounts, MigrationProgress } from '../collector/store/store-migration.js';

interface MigrateOptions {
  config?: string;
  esUrl?: string;
  dataDir?: string;
  indexPrefix?: string;
  from?: string;
  to?: string;
  batch: string;
  deadLetters: boolean;
}

/** The arguments after validation. */
interface MigratePlan {
  esUrl: string;
  dataDir: string;
  indexPrefix: string;
  from: Date;
  to: Date;
  batch: number;
  deadLetters: boolean;
}

/** The earliest and latest times a JavaScript Date holds: no window unless --from/--to narrow it. */
const ALL_FROM = new Date(-8_640_000_000_000_000);
const ALL_TO = new Date(8_640_000_000_000_000);
const INDEX_PREFIX = /^[a-z0-9][a-z0-9_-]*$/;
/** Progress lines at most this often. */
const PROGRESS_EVERY_MS = 2000;
/** Refused events listed on stderr at most; the summary counts them all. */
const MAX_FAILURES_SHOWN = 20;

/**
 * `logship migrate`: copies the embedded store of a data folder into Elasticsearch (docs/embedded-store.md,
 * "Moving to Elasticsearch"). Progress goes to stderr, one summary line to stdout; the exit code is 1 when any
 * event could not be stored.
 */
export function migrateCommand(): Command {
  return new Command('migrate')
    .description('copy the events and dead letters of the embedded store into Elasticsearch (idempotent)')
    .option('--es-url <url>', 'the Elasticsearch to copy into (default: $LOGSHIP_ES_URL or elasticsearch.url)')
    .option('--data-dir <dir>', 'the data folder holding store/events.db (default: $LOGSHIP_DATA_DIR or ./data)')
    .option('--index-prefix <prefix>', 'daily indices <prefix>-YYYY.MM.DD (default: logship)')
    .option('--config <file>', 'collector.yml of the target collector: its data_dir and elasticsearch settings')
    .option('--from <time>', 'only events at or after this time: ISO-8601 or now-7d (default: the oldest)')
    .option('--to <time>', 'only events at or before this time: ISO-8601 or now (default: the newest)')
    .option('--batch <n>', 'events read and written per request (1-10000)', '2000')
    .option('--no-dead-letters', 'copy only events, not the dead letters')
    .addHelpText(
      'after',
      '\nSafe while a collector runs on the data folder (WAL snapshot reads; nothing is written to the store).\n' +
        'Events keep their ids: running it again stores nothing twice and reports duplicates.\n' +
        'Summary on stdout; exit code 1 when any event was not stored. See docs/embedded-store.md.',
    )
    .action(async (opts: MigrateOptions) => {
      const config = loadCollectorConfig(opts.config, {
        ...process.env,
        ...(opts.dataDir !== undefined && { LOGSHIP_DATA_DIR: opts.dataDir }),
        ...(opts.esUrl !== undefined && validUrl(opts.esUrl) && { LOGSHIP_ES_URL: opts.esUrl }),
      });
      const plan = validate(opts, config);
      const counts = await runMigration(plan, config);
      const events = counts.events;
      const dead = counts.deadLetters;
      process.stdout.write(
        `migrated: read ${events.read}, stored ${events.stored}, duplicates ${events.duplicates}, failed ${events.failed}` +
          (dead
            ? `; dead letters: read ${dead.read}, stored ${dead.stored}, duplicates ${dead.duplicates}, failed ${dead.failed}`
            : '') +
          '\n',
      );
      if (events.failed > 0 || (dead?.failed ?? 0) > 0) process.exitCode = 1;
    });
}

function validUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** Checks every argument once and names each one that is wrong (exit code 2). */
function validate(opts: MigrateOptions, config: ReturnType<typeof loadCollectorConfig>): MigratePlan {
  const problems: string[] = [];
  if (opts.esUrl !== undefined && !validUrl(opts.esUrl))
    problems.push(`--es-url: must be an http:// or https:// URL, got "${opts.esUrl.slice(0, 200)}"`);
  const es = config.elasticsearch;
  if (opts.esUrl === undefined && !es)
    problems.push('--es-url: is required (or LOGSHIP_ES_URL, or elasticsearch.url or nodes in --config)');
  // Scheme, host and port only: the URL is printed in messages.
  const esUrl = (es?.nodes ?? (es?.url ? [es.url] : [])).map((node) => new URL(node).origin).join(', ');
  if (opts.indexPrefix !== undefined && !INDEX_PREFIX.test(opts.indexPrefix))
    problems.push(`--index-prefix: lower-case letters, digits, _ and - only, got "${opts.indexPrefix.slice(0, 200)}"`);
  const now = new Date();
  const time = (text: string | undefined, name: string, fallback: Date): Date => {
    if (text === undefined) return fallback;
    try {
      return parseTimeExpression(text, now, name);
    } catch {
      problems.push(`${name}: must be ISO-8601 or now, now-15m, now-2h, now-7d; got "${text.slice(0, 64)}"`);
      return fallback;
    }
  };
  const from = time(opts.from, '--from', ALL_FROM);
  const to = time(opts.to, '--to', ALL_TO);
  if (from > to) problems.push('--from: must not be later than --to');
  const batch = Number(opts.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000)
    problems.push(`--batch: must be a whole number from 1 to 10000, got "${opts.batch}"`);
  if (problems.length) throw new ConfigError('The arguments of `logship migrate` are invalid.', problems);
  return {
    esUrl,
    dataDir: resolve(config.data_dir),
    indexPrefix: opts.indexPrefix ?? config.elasticsearch!.index_prefix,
    from,
    to,
    batch,
    deadLetters: opts.deadLetters,
  };
}

async function runMigration(
  plan: MigratePlan,
  config: ReturnType<typeof loadCollectorConfig>,
): Promise<{ events: MigrationCounts; deadLetters: MigrationCounts | null }> {
  // Loaded here: the Elasticsearch client and SQLite are not needed for `--help` or a wrong argument.
  const [{ default: pino }, { EmbeddedStore }, { EsStore }, { esStoreOptions }, { MigrationError }, migration] =
    await Promise.all([
      import('pino'),
      import('../collector/store/embedded/embedded-store.js'),
      import('../collector/store/elasticsearch/es-store.js'),
      import('../collector/store/create-store.js'),
      import('../collector/store/migration-error.js'),
      import('../collector/store/store-migration.js'),
    ]);
  const storeDir = join(plan.dataDir, 'store');
  // Checked first: opening the store would create an empty one, and "0 events migrated" would hide a wrong folder.
  if (!existsSync(join(storeDir, 'events.db'))) {
    throw new MigrationError(
      'MIGRATE_NO_STORE',
      `--data-dir: ${plan.dataDir} holds no embedded store (store/events.db); name the collector's data folder.`,
      400,
    );
  }
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const source = new EmbeddedStore(
    {
      dir: storeDir,
      // Unused: the migration reads with exportEvents and listDeadLetters, which neither search nor count.
      searchTimeoutMs: 10 * 60_000,
      exactTotalUpTo: 1,
      // A running collector may hold the write lock for a commit while the store is opened.
      lockTimeoutMs: 5000,
    },
    logger,
  );
  // --es-url reached the config as LOGSHIP_ES_URL, so the config names the target.
  const target = new EsStore({ ...esStoreOptions(config), indexPrefix: plan.indexPrefix }, logger);
  try {
    await source.init();
    const problem = source.readinessProblem();
    if (problem) throw new CodedError(problem.code, problem.message, 503);
    if (!(await target.ready())) {
      throw new MigrationError(
        'MIGRATE_TARGET_UNAVAILABLE',
        `Elasticsearch at ${plan.esUrl} is not usable: ${target.readinessProblem()?.message ?? 'its health is red'}`,
        503,
      );
    }
    // The index template first: the first event of a day must not create its index with guessed field types.
    await target.init();
    const now = new Date();
    const progress = progressPrinter();
    let failuresShown = 0;
    const events = await migration.migrateEvents(source, target, {
      from: plan.from,
      to: plan.to,
      pageSize: plan.batch,
      onProgress: progress,
      onFailure: (id, code, reason) => {
        if (failuresShown++ < MAX_FAILURES_SHOWN) process.stderr.write(`Event ${id} was refused: ${code}: ${reason}\n`);
      },
    });
    progress.flush();
    const deadLetters = plan.deadLetters
      ? await migration.migrateDeadLetters(source, target, { from: plan.from, to: plan.to, now, onProgress: progress })
      : null;
    progress.flush();
    // What was written is searchable when the command returns, and a second run sees every dead letter it wrote.
    await target.client.indices.refresh({
      index: `${plan.indexPrefix}-*`,
      ignore_unavailable: true,
      allow_no_indices: true,
    });
    return { events, deadLetters };
  } finally {
    await source.close();
    await target.close();
  }
}

/** Prints a progress line to stderr at most every PROGRESS_EVERY_MS; flush() prints the latest one now. */
function progressPrinter(): ((p: MigrationProgress) => void) & { flush(): void } {
  let last = 0;
  let pending: MigrationProgress | null = null;
  const print = (p: MigrationProgress) => {
    const c = p.counts;
    process.stderr.write(
      `Migrating ${p.phase}: read ${c.read}, stored ${c.stored}, duplicates ${c.duplicates}, failed ${c.failed}\n`,
    );
  };
  const onProgress = (p: MigrationProgress) => {
    pending = p;
    if (Date.now() - last >= PROGRESS_EVERY_MS) {
      last = Date.now();
      pending = null;
      print(p);
    }
  };
  return Object.assign(onProgress, {
    flush() {
      if (pending) print(pending);
      pending = null;
    },
  });
}
