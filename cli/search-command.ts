import { Command } from 'commander';
import { Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { pipeline } from 'node:stream/promises';
import type { Hit } from '../protocol/event.js';
import { csvHeader } from '../protocol/export-format.js';
import type { ApiClient, SearchQuery } from './api-client.js';
import { collectorClient, withConnectionOptions, type ConnectionOptions } from './collector-client.js';
import { formatHit, outputOption, type Output } from './hit-format.js';

interface SearchOptions extends ConnectionOptions {
  from: string;
  to: string;
  host: string[];
  limit: string;
  follow?: boolean;
  json?: boolean;
  output: Output;
  all?: boolean;
}

/** `--from 15m` is shorthand for `now-15m`; ISO times and `now…` pass through. */
export function relativeTime(text: string): string {
  return /^\d+[smhdw]$/.test(text) ? `now-${text}` : text;
}

const PAGE = 10_000;

/** `logship search`: newest matches, printed oldest first like `tail`; `--follow` keeps printing new ones. */
export function searchCommand(): Command {
  return withConnectionOptions(new Command('search'))
    .description('search logs through the collector API (LOGSHIP_COLLECTOR_URL, LOGSHIP_TOKEN)')
    .argument('[query]', 'query language: words, "phrases", field:value, AND/OR/NOT', '')
    .option('--from <time>', 'start: 15m, 2h, 7d, now-1h or ISO-8601', '15m')
    .option('--to <time>', 'end: now or ISO-8601', 'now')
    .option('--host <host>', 'only this host (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--limit <n>', 'how many events', '100')
    .option('--follow', 'keep printing new events (live tail)')
    .option('--json', 'one JSON hit per line (same as --output ndjson)')
    .option('--output <format>', 'text, ndjson or csv (CSV cells safe to open in a spreadsheet)', outputOption, 'text')
    .option('--all', 'every matching event, streamed by the collector (up to its export limit), oldest first')
    .action(async (query: string, opts: SearchOptions) => {
      const output: Output = opts.json ? 'ndjson' : opts.output;
      const client = await collectorClient(opts);
      if (opts.all && opts.follow) {
        process.stderr.write('--all and --follow cannot be combined.\n');
        process.exit(2);
      }
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        process.stderr.write('--limit must be a positive whole number.\n');
        process.exit(2);
      }
      const base: SearchQuery = { q: query, from: relativeTime(opts.from), to: relativeTime(opts.to), host: opts.host };
      if (opts.all) {
        await exportAll(client, base, output);
        return;
      }
      // Subscribe before reading the history, so an event stored in between is printed rather than lost.
      const live = opts.follow ? await Follower.start(client, base, output) : undefined;
      const hits: Hit[] = [];
      let cursor: string | undefined;
      while (hits.length < limit) {
        const page = await client.search({ ...base, limit: Math.min(PAGE, limit - hits.length), cursor });
        hits.push(...page.hits);
        if (!page.next_cursor) break;
        cursor = page.next_cursor;
      }
      hits.reverse();
      if (output === 'csv') process.stdout.write(csvHeader());
      for (const hit of hits) process.stdout.write(formatHit(hit, output));
      if (live) await live.printAfter(hits);
    });
}

/**
 * `--all`: the collector's export streams every match; CSV passes through as sent, text and NDJSON are printed line
 * by line from the NDJSON stream. A capped export (more matches than the collector's limit) is said on stderr.
 */
async function exportAll(client: ApiClient, base: SearchQuery, output: Output): Promise<void> {
  const query = { ...base, format: output === 'csv' ? 'csv' : 'ndjson', limit: 'max' };
  let answer: { total: string; limit: number };
  if (output === 'csv') {
    answer = await client.export(query, process.stdout);
  } else {
    const printer = ndjsonPrinter(output);
    const printing = pipeline(printer, process.stdout, { end: false });
    answer = await client.export(query, printer);
    printer.end();
    await printing;
  }
  const total = Number.parseInt(answer.total, 10);
  if (answer.total.endsWith('+') || total > answer.limit) {
    process.stderr.write(`${answer.total} events match; the collector exports at most ${answer.limit}.\n`);
  }
}

/**
 * NDJSON hits in, lines as `formatHit` prints them out (a line may arrive split across chunks): text, or JSON with
 * the characters that drive a terminal escaped.
 */
function ndjsonPrinter(output: Exclude<Output, 'csv'>): Transform {
  let rest = '';
  // A chunk may end inside a multi-byte character: the decoder keeps its first bytes for the next chunk.
  const decoder = new StringDecoder('utf8');
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const lines = (rest + decoder.write(chunk)).split('\n');
      rest = lines.pop() ?? '';
      done(
        null,
        lines
          .filter(Boolean)
          .map((l) => formatHit(JSON.parse(l) as Hit, output))
          .join(''),
      );
    },
    flush(done) {
      rest += decoder.end();
      done(null, rest ? formatHit(JSON.parse(rest) as Hit, output) : '');
    },
  });
}

/**
 * `--follow`: the collector's live tail (`/api/v1/tail`), opened before the history is read. Events arriving
 * meanwhile wait in a buffer and are printed after the history, skipping those the history already showed; a
 * dropped stream resumes by `Last-Event-ID` inside the client, so nothing is lost or printed twice.
 */
class Follower {
  private buffer: Hit[] | undefined = [];
  private readonly printed = new Set<string>();
  private readonly stop = new AbortController();
  private done!: Promise<void>;

  private constructor(private readonly output: Output) {}

  static async start(client: ApiClient, base: SearchQuery, output: Output): Promise<Follower> {
    const follower = new Follower(output);
    const { q, host, service, level } = base;
    process.once('SIGINT', () => follower.stop.abort());
    await new Promise<void>((opened, failed) => {
      follower.done = client.tail(
        { q, host, service, level },
        (hit) => follower.onHit(hit),
        follower.stop.signal,
        opened,
      );
      follower.done.then(opened, failed);
    });
    return follower;
  }

  /** Prints what arrived while the history was read, then every new event until Ctrl-C. */
  async printAfter(history: readonly Hit[]): Promise<void> {
    for (const hit of history) this.printed.add(hit.id);
    const waiting = this.buffer ?? [];
    this.buffer = undefined;
    for (const hit of waiting) this.onHit(hit);
    await this.done;
  }

  private onHit(hit: Hit): void {
    if (this.buffer) {
      this.buffer.push(hit);
      return;
    }
    if (this.printed.has(hit.id)) return;
    // Only the overlap with the history needs remembering; the stream itself never repeats.
    if (this.printed.size > 100_000) this.printed.clear();
    this.printed.add(hit.id);
    process.stdout.write(formatHit(hit, this.output));
  }
}
