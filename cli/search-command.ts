import { Command } from 'commander';
import type { Hit } from '../protocol/event.js';
import { ApiClient, type SearchQuery } from './api-client.js';
import { escapeForTerminal } from './escape-text.js';

interface SearchOptions {
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
  return new Command('search')
    .description('search logs through the collector API (LOGSHIP_COLLECTOR_URL, LOGSHIP_TOKEN)')
    .argument('[query]', 'query language: words, "phrases", field:value, AND/OR/NOT', '')
    .option('--from <time>', 'start: 15m, 2h, 7d, now-1h or ISO-8601', '15m')
    .option('--to <time>', 'end: now or ISO-8601', 'now')
    .option('--host <host>', 'only this host (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--limit <n>', 'how many events', '100')
    .option('--follow', 'keep printing new events (live tail)')
    .option('--json', 'one JSON hit per line')
    .action(async (query: string, opts: SearchOptions) => {
      const client = new ApiClient(
        process.env.LOGSHIP_COLLECTOR_URL ?? 'http://127.0.0.1:8080',
        process.env.LOGSHIP_TOKEN,
      );
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        process.stderr.write('--limit must be a positive whole number.\n');
        process.exit(2);
      }
      const base: SearchQuery = { q: query, from: relativeTime(opts.from), to: relativeTime(opts.to), host: opts.host };
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
      if (opts.follow) await follow(client, base, hits.at(-1), Boolean(opts.json));
    });
}

/** Polls for events after the last one printed, in ascending order, so none is skipped or repeated. */
async function follow(client: ApiClient, base: SearchQuery, last: Hit | undefined, json: boolean): Promise<never> {
  const seen = new Set<string>(last ? [last.id] : []);
  let from = last?.timestamp ?? new Date().toISOString();
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const page = await client.search({ ...base, from, to: 'now', order: 'asc', limit: PAGE });
    for (const hit of page.hits) {
      if (seen.has(hit.id)) continue;
      process.stdout.write(formatHit(hit, json) + '\n');
      if (hit.timestamp !== from) seen.clear();
      seen.add(hit.id);
      from = hit.timestamp;
    }
  }
}
