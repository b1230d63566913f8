import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config-error.js';
import { CodedError } from '../protocol/coded-error.js';
import { alertCommand } from './alert-command.js';
import { backupCommand } from './backup-command.js';
import { contextCommand } from './context-command.js';
import { migrateCommand } from './migrate-command.js';
import { searchCommand } from './search-command.js';
import { statusCommand } from './status-command.js';
import { tlsCommand } from './tls-command.js';
import { tokenCommand } from './token-command.js';

/** Exit code for bad config or arguments (see docs/cli.md). */
const EXIT_USAGE = 2;

function program(): Command {
  const root = new Command('logship')
    .description('Centralized log shipping and search.')
    .showHelpAfterError()
    .exitOverride();
  root
    .command('collector')
    .description('run the collector: HTTP API and UI, storing into Elasticsearch or the embedded store')
    .option('--config <file>', 'collector.yml')
    .action(async (opts: { config?: string }) => {
      // Before the collector's modules are loaded: loading them grew V8's young generation to its largest.
      const { sizeCollectorHeap } = await import('../collector/heap-sizing.js');
      sizeCollectorHeap();
      const { runCollector } = await import('../collector/main.js');
      await runCollector(opts);
    });
  root
    .command('shipper')
    .description('run the shipper: tail local log files and ship them to the collector')
    .option('--config <file>', 'shipper.yml')
    .action(async (opts: { config?: string }) => {
      const { runShipper } = await import('../shipper/main.js');
      await runShipper(opts);
    });
  root
    .command('standalone')
    .description('collector + UI + a shipper for this host, on one machine (what `npm start` runs)')
    .action(async () => {
      const { runStandalone } = await import('./standalone.js');
      await runStandalone();
    });
  root.addCommand(searchCommand());
  root.addCommand(statusCommand());
  root.addCommand(contextCommand());
  root.addCommand(tokenCommand());
  root.addCommand(migrateCommand());
  root.addCommand(backupCommand());
  root.addCommand(tlsCommand());
  root.addCommand(alertCommand());
  for (const cmd of [root, ...root.commands, ...root.commands.flatMap((c) => c.commands)]) {
    cmd.exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s) });
  }
  return root;
}

/** The `logship` command line: every command answers --help; bad config or arguments exit with code 2. */
export async function main(argv: string[]): Promise<void> {
  // `logship search … | head` closes our stdout early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  try {
    await program().parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
    }
    if (err instanceof ConfigError) {
      process.stderr.write(err.code === 'CONFIG_INVALID' ? `${err.message}\n` : `${err.code}: ${err.message}\n`);
      process.exit(EXIT_USAGE);
    }
    if (err instanceof CodedError) {
      process.stderr.write(`${err.code}: ${err.message}\n`);
      process.exit(err.status === 400 ? EXIT_USAGE : 1);
    }
    throw err;
  }
}
