import { Command } from 'commander';
import type { Hit } from '../protocol/event.js';
import type { ApiClient, SearchQuery } from './api-client.js';
import { collectorClient, withConnectionOptions, type ConnectionOptions } from './collector-client.js';
import { escapeForTerminal } from './escape-text.js';

interface SearchOptions extends ConnectionOptions {
  from: string;
  to: string;
  host: string[];
  limit: string;
  follow?: boolean;
  json?: boolean;
}

/** `--from 15m` is shorthand for `now-15m`; ISO times and `now…` pass through. */
export function relativeTime(text: string): string {
  return /^\d+[smhdw]$/.test(text) ? `now-${text}` : text;
}

function formatHit(hit: Hit, json: boolean): string {
  if (json) return JSON.stringify(hit);
  const level = (hit.level ?? '-').toUpperCase().padEnd(5);
  const message = escapeForTerminal(hit.message).replaceAll('\n', '\n    ');
  return `${hit.timestamp} ${escapeForTerminal(hit.host ?? '-')} ${level} ${message}`;
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
    .option('--json', 'one JSON hit per line')
    .action(async (query: string, opts: SearchOptions) => {
      const client = await collectorClient(opts);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        process.stderr.write('--limit must be a positive whole number.\n');
        process.exit(2);
      }
      const base: SearchQuery = { q: query, from: relativeTime(opts.from), to: relativeTime(opts.to), host: opts.host };
      // Subscribe before reading the history, so an event stored in between is printed rather than lost.
      const live = opts.follow ? await Follower.start(client, base, Boolean(opts.json)) : undefined;
      const hits: Hit[] = [];
      let cursor: string | undefined;
      while (hits.length < limit) {
        const page = await client.search({ ...base, limit: Math.min(PAGE, limit - hits.length), cursor });
        hits.push(...page.hits);
        if (!page.next_cursor) break;
        cursor = page.next_cursor;
      }
      hits.reverse();
      for (const hit of hits) process.stdout.write(formatHit(hit, Boolean(opts.json)) + '\n');
      if (live) await live.printAfter(hits);
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

  private constructor(private readonly json: boolean) {}

  static async start(client: ApiClient, base: SearchQuery, json: boolean): Promise<Follower> {
    const follower = new Follower(json);
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
    process.stdout.write(formatHit(hit, this.json) + '\n');
  }
}
