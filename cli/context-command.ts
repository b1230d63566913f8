import { Command } from 'commander';
import type { AlignedContextResult, AlignedHit } from '../protocol/context.js';
import type { Hit } from '../protocol/event.js';
import { csvHeader } from '../protocol/export-format.js';
import { collectorClient, withConnectionOptions, type ConnectionOptions } from './collector-client.js';
import { formatHit, outputOption, type Output } from './hit-format.js';

interface ContextOptions extends ConnectionOptions {
  before: string;
  after: string;
  window?: string;
  host: string[];
  alignClocks?: boolean;
  output: Output;
}

/** The answer of the context endpoint, aligned or not. */
type ContextAnswer = { anchor: Hit; before: Hit[]; after: Hit[] } | AlignedContextResult;

function wholeNumber(value: string, name: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value)) {
    process.stderr.write(`${name} must be a whole number.\n`);
    process.exit(2);
  }
  return n;
}

/** `+90.012 s` for a shift in ms. */
function signedSeconds(ms: number): string {
  return `${ms >= 0 ? '+' : '-'}${(Math.abs(ms) / 1000).toFixed(3)} s`;
}

/**
 * `logship context <id>`: the events from every host around one event, oldest first, the event itself marked with
 * `>`. `--align-clocks` orders them by each host's measured clock offset: a shifted row shows its aligned time and
 * notes the shift and the time its line carries.
 */
export function contextCommand(): Command {
  return withConnectionOptions(new Command('context'))
    .description('events from every host around one event (LOGSHIP_COLLECTOR_URL, LOGSHIP_TOKEN)')
    .argument('<id>', 'the event id (as search --output ndjson prints it)')
    .option('--before <n>', 'events before it', '20')
    .option('--after <n>', 'events after it', '20')
    .option('--window <duration>', 'only events this close in time, e.g. 30s or 5m')
    .option('--host <host>', 'only this host (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--align-clocks', "shift each host's events by its measured clock offset")
    .option('--output <format>', 'text, ndjson or csv', outputOption, 'text')
    .action(async (id: string, opts: ContextOptions) => {
      const client = await collectorClient(opts);
      const answer = (await client.context(id, {
        before: wholeNumber(opts.before, '--before'),
        after: wholeNumber(opts.after, '--after'),
        window: opts.window,
        host: opts.host,
        align: opts.alignClocks ? 'clocks' : undefined,
      })) as ContextAnswer;
      if (opts.output === 'csv') process.stdout.write(csvHeader());
      for (const hit of [...answer.before, answer.anchor, ...answer.after]) {
        const aligned = 'aligned' in answer ? (hit as AlignedHit) : undefined;
        const shifted = aligned !== undefined && aligned.shift_ms !== 0;
        process.stdout.write(
          formatHit(hit, opts.output, {
            mark: hit.id === answer.anchor.id ? '> ' : '  ',
            ...(aligned ? { time: aligned.aligned_timestamp } : {}),
            ...(shifted ? { note: `  [clock ${signedSeconds(aligned.shift_ms)}; line time ${hit.timestamp}]` } : {}),
          }),
        );
      }
    });
}
