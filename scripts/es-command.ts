/** `npm run es:start` / `npm run es:stop` (bin/logship-es.js): a local single-node Elasticsearch for development. */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { CodedError } from '../protocol/coded-error.js';
import { ES_VERSION } from './es/es-distribution.js';
import { startElasticsearch, stopElasticsearch } from './es/es-process.js';

/** Exit code for bad arguments, as the logship CLI. */
const EXIT_USAGE = 2;

interface EsOptions {
  port: number;
  dataDir: string;
}

function port(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > 65535)
    throw new InvalidArgumentError(`"${text}" is not a port number (1-65535)`);
  return value;
}

function program(): Command {
  const root = new Command('logship-es')
    .description(`a local single-node Elasticsearch ${ES_VERSION} for development`)
    .showHelpAfterError()
    .addHelpText(
      'after',
      '\nEnvironment: ES_JAVA_HOME (a JDK >= 21; default: the newest in /usr/lib/jvm), ES_JAVA_OPTS.',
    );
  const withOptions = (cmd: Command): Command =>
    cmd
      .option('--port <n>', 'HTTP port', port, 9200)
      .option('--data-dir <dir>', 'data, logs and pid file', './data/es');
  withOptions(
    root
      .command('start')
      .description(
        `start Elasticsearch on 127.0.0.1 (downloaded once into ~/.cache/logship or $LOGSHIP_CACHE_DIR) and wait ` +
          'until it answers; prints its URL; reuses one already running',
      ),
  ).action(async (opts: EsOptions) => {
    const started = Date.now();
    console.error(`Starting Elasticsearch ${ES_VERSION} on 127.0.0.1:${opts.port} with data in ${opts.dataDir}…`);
    const es = await startElasticsearch({ port: opts.port, dataDir: opts.dataDir });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.error(
      es.reused
        ? `Elasticsearch was already running${es.pid ? ` (pid ${es.pid})` : ''}.`
        : `Elasticsearch is ready after ${seconds} s (pid ${es.pid}); stop it with npm run es:stop.`,
    );
    // The URL alone on stdout, so scripts can capture it.
    console.log(es.url);
  });
  withOptions(root.command('stop').description('stop the Elasticsearch whose pid file is in the data folder')).action(
    async (opts: EsOptions) => {
      await stopElasticsearch(opts.dataDir);
      console.error(`Elasticsearch with data in ${opts.dataDir} is stopped.`);
    },
  );
  for (const cmd of [root, ...root.commands]) {
    cmd.exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s) });
  }
  return root;
}

/** Runs `start` or `stop`; exit code 0 on success, 1 when Elasticsearch fails, 2 on bad arguments. */
export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    if (!(err instanceof CodedError)) throw err;
    console.error(`logship-es: ${err.code}: ${err.message}`);
    process.exitCode = 1;
  }
}
