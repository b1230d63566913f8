import { resolve } from 'node:path';
import { Command } from 'commander';
import { ConfigError } from '../config/config-error.js';
import { CodedError } from '../protocol/coded-error.js';
import { loadCollectorConfig, type CollectorConfig } from '../collector/config.js';
import type { BackupProgress } from '../collector/store/backup-error.js';

interface BackupOptions {
  config?: string;
  dataDir?: string;
  location?: string;
  repository: string;
  replace?: boolean;
}

/** Progress lines at most this often when stderr is not a terminal. */
const PROGRESS_EVERY_MS = 5000;

/**
 * `logship backup create|list|verify|restore`: snapshots of the Elasticsearch indices, or online copies of the
 * embedded store, whichever store the collector's config names (docs/runbook.md). Progress goes to stderr, results
 * to stdout; a failure exits 1 with a coded error and never leaves a half-made backup or restore behind as done.
 */
export function backupCommand(): Command {
  const backup = new Command('backup').description(
    'back up and restore the store: Elasticsearch snapshots, or online copies of the embedded store',
  );
  const common = (cmd: Command): Command =>
    cmd
      .option('--config <file>', 'collector.yml: its elasticsearch settings or data_dir choose the store')
      .option('--data-dir <dir>', 'embedded store: the collector data folder (default: $LOGSHIP_DATA_DIR or ./data)')
      .option(
        '--location <dir>',
        'embedded store: the folder of the backups; Elasticsearch: the path.repo folder of a repository to register',
      )
      .option('--repository <name>', 'Elasticsearch: the snapshot repository', 'logship');
  common(backup.command('create').description('make a backup now (safe while the collector runs)')).action(
    (opts: BackupOptions) => run(opts, 'create'),
  );
  common(backup.command('list').description('list the backups, oldest first')).action((opts: BackupOptions) =>
    run(opts, 'list'),
  );
  common(backup.command('verify [name]').description('check a backup (default: the newest)')).action(
    (name: string | undefined, opts: BackupOptions) => run(opts, 'verify', name),
  );
  common(
    backup
      .command('restore [name]')
      .description('restore a backup (default: the newest) into an empty cluster or a stopped data folder')
      .option('--replace', 'embedded store: move a store already in the data folder aside instead of refusing'),
  ).action((name: string | undefined, opts: BackupOptions) => run(opts, 'restore', name));
  return backup;
}

type Action = 'create' | 'list' | 'verify' | 'restore';

async function run(opts: BackupOptions, action: Action, name?: string): Promise<void> {
  const config = loadCollectorConfig(opts.config, {
    ...process.env,
    ...(opts.dataDir !== undefined && { LOGSHIP_DATA_DIR: opts.dataDir }),
  });
  const progress = progressPrinter();
  try {
    const backup: BackupRun = { config, opts, action, name, progress };
    await (config.elasticsearch ? elasticsearch(backup) : embedded(backup));
  } finally {
    progress.end();
  }
}

/** One `logship backup` invocation: the collector config, the options, the action and its backup name. */
interface BackupRun {
  config: CollectorConfig;
  opts: BackupOptions;
  action: Action;
  name: string | undefined;
  progress: ProgressPrinter;
}

async function embedded({ config, opts, action, name, progress }: BackupRun): Promise<void> {
  if (!opts.location)
    throw new ConfigError('The arguments of `logship backup` are invalid.', [
      '--location: is required for the embedded store (the folder that holds its backups)',
    ]);
  const backups = await import('../collector/store/embedded/embedded-backup.js');
  const dataDir = resolve(config.data_dir);
  if (action === 'create') {
    const made = await backups.createEmbeddedBackup(dataDir, opts.location, progress);
    progress.end();
    console.log(
      `created ${made.name}: ${made.events} events, ${made.dead_letters} dead letters, ${made.bytes} bytes, integrity ok (${made.path})`,
    );
  } else if (action === 'list') {
    for (const b of backups.listEmbeddedBackups(opts.location))
      console.log(`${b.name}\t${b.created_at}\t${b.events} events\t${b.dead_letters} dead letters\t${b.bytes} bytes`);
  } else if (action === 'verify') {
    const b = await backups.verifyEmbeddedBackup(opts.location, name);
    console.log(`verified ${b.name}: ${b.events} events, ${b.dead_letters} dead letters, checksum and integrity ok`);
  } else {
    const restored = await backups.restoreEmbeddedBackup(
      opts.location,
      name,
      dataDir,
      { replace: Boolean(opts.replace) },
      progress,
    );
    progress.end();
    if (restored.replaced) console.error(`The store that was there is kept at ${restored.replaced}.`);
    if (restored.stateFilesRestored.length)
      console.error(`Restored ${restored.stateFilesRestored.join(' and ')} (they were missing in ${dataDir}).`);
    console.log(
      `restored ${restored.backup.name}: ${restored.backup.events} events, ${restored.backup.dead_letters} dead letters into ${restored.store}`,
    );
  }
}

async function elasticsearch({ config, opts, action, name, progress }: BackupRun): Promise<void> {
  const [{ Client }, { esStoreOptions }, { esClientOptions }, { classifyEsError }, { EsBackup }] = await Promise.all([
    import('@elastic/elasticsearch'),
    import('../collector/store/create-store.js'),
    import('../collector/store/elasticsearch/es-connection.js'),
    import('../collector/store/elasticsearch/es-problems.js'),
    import('../collector/store/elasticsearch/es-backup.js'),
  ]);
  const options = esStoreOptions(config);
  // Snapshots and restores are waited for by polling; one request never takes long.
  const client = new Client(esClientOptions(options, 120_000));
  const backups = new EsBackup(client, options.indexPrefix, opts.repository, options.templates);
  try {
    if (action === 'create') {
      await backups.ensureRepository(opts.location);
      const snap = await backups.create(progress);
      progress.end();
      console.log(
        `created ${snap.name} in repository ${opts.repository}: ${snap.indices.length} indices, ${snap.shards.total} shards, ${snap.events} events, ${snap.dead_letters} dead letters`,
      );
    } else if (action === 'list') {
      for (const s of await backups.list())
        console.log(`${s.name}\t${s.started_at}\t${s.state}\t${s.indices.length} indices\t${s.events ?? '?'} events`);
    } else if (action === 'verify') {
      const snap = await backups.verify(name);
      console.log(
        `verified ${snap.name}: ${snap.state}, ${snap.indices.length} indices, ${snap.shards.total} shards, 0 failed`,
      );
    } else {
      const restored = await backups.restore(name, progress);
      progress.end();
      console.log(
        `restored ${restored.snapshot.name}: ${restored.indices.length} indices, ${restored.events} events, ${restored.deadLetters} dead letters`,
      );
    }
  } catch (err) {
    // Unreachable, untrusted, refused: the same codes as the collector's.
    const problem = classifyEsError(err);
    if (problem) throw new CodedError(problem.problem, problem.message);
    if (err instanceof CodedError) throw err;
    const reason = (err as { meta?: { body?: { error?: { reason?: string } } } }).meta?.body?.error?.reason;
    throw new CodedError('BACKUP_FAILED', `Elasticsearch refused the ${action}: ${reason ?? (err as Error).message}`);
  } finally {
    await client.close();
  }
}

type ProgressPrinter = ((p: BackupProgress) => void) & { end(): void };

/** On a terminal, one line rewritten in place; otherwise a line every few seconds (logs of a timer unit). */
function progressPrinter(): ProgressPrinter {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  let open = false;
  const print = (p: BackupProgress): void => {
    const pct = p.total > 0 ? ` (${Math.floor((100 * p.done) / p.total)} %)` : '';
    const line = `${p.phase}: ${p.done} of ${p.total} ${p.unit}${pct}`;
    if (tty) {
      process.stderr.write(`\r\x1b[K${line}`);
      open = true;
    } else if (Date.now() - last >= PROGRESS_EVERY_MS || p.done === p.total) {
      last = Date.now();
      process.stderr.write(`${line}\n`);
    }
  };
  return Object.assign(print, {
    end() {
      if (open) process.stderr.write('\n');
      open = false;
    },
  });
}
