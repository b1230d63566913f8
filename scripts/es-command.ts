/** `npm run es:start` / `npm run es:stop` (bin/logship-es.js): a local single-node Elasticsearch for development. */
import { parseArgs } from 'node:util';
import { CodedError } from '../protocol/coded-error.js';
import { ES_VERSION, startElasticsearch, stopElasticsearch } from './es-local.js';

const HELP = `Usage: logship-es <start|stop> [--port N] [--data-dir DIR]

  start   start Elasticsearch ${ES_VERSION} on 127.0.0.1 (downloaded once into ~/.cache/logship or
          $LOGSHIP_CACHE_DIR) and wait until it answers; prints its URL; reuses one already running
  stop    stop the Elasticsearch whose pid file is in the data folder

Options:
  --port N          HTTP port (default 9200)
  --data-dir DIR    data, logs and pid file (default ./data/es)
  -h, --help        this help

Environment: ES_JAVA_HOME (a JDK >= 21; default: the newest in /usr/lib/jvm), ES_JAVA_OPTS.`;

/** Runs `start` or `stop`; exit code 0 on success, 1 when Elasticsearch fails, 2 on bad arguments. */
export async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string', default: '9200' },
        'data-dir': { type: 'string', default: './data/es' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    return usageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return;
  }
  const [command, ...extra] = positionals;
  if (command !== 'start' && command !== 'stop')
    return usageError(`expected "start" or "stop", got "${command ?? ''}"`);
  if (extra.length) return usageError(`unexpected argument "${extra[0]}"`);
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port < 1 || port > 65535)
    return usageError(`--port: "${values.port}" is not a port number (1-65535)`);
  const dataDir = values['data-dir'];

  const started = Date.now();
  try {
    if (command === 'stop') {
      await stopElasticsearch(dataDir);
      console.error(`Elasticsearch with data in ${dataDir} is stopped.`);
      return;
    }
    console.error(`Starting Elasticsearch ${ES_VERSION} on 127.0.0.1:${port} with data in ${dataDir}…`);
    const es = await startElasticsearch({ port, dataDir });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.error(
      es.reused
        ? `Elasticsearch was already running${es.pid ? ` (pid ${es.pid})` : ''}.`
        : `Elasticsearch is ready after ${seconds} s (pid ${es.pid}); stop it with npm run es:stop.`,
    );
    // The URL alone on stdout, so scripts can capture it.
    console.log(es.url);
  } catch (err) {
    if (!(err instanceof CodedError)) throw err;
    console.error(`logship-es ${command}: ${err.code}: ${err.message}`);
    process.exitCode = 1;
  }
}

function usageError(message: string): void {
  console.error(`logship-es: ${message}\n\n${HELP}`);
  process.exitCode = 2;
}
