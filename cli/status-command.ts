import { Command } from 'commander';
import type { ServiceStatus } from '../protocol/status.js';
import { collectorClient, withConnectionOptions, type ConnectionOptions } from './collector-client.js';
import { escapeForTerminal } from './escape-text.js';

interface StatusOptions extends ConnectionOptions {
  json?: boolean;
}

/** Host names come from the senders: printed with every control character visible, on one line. */
function name(text: string): string {
  return escapeForTerminal(text).replaceAll('\n', '\\n').replaceAll('\t', '\\t');
}

/** `95 s`, `14 min`, `3.2 h`, `2.0 d`. */
export function duration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

/** `512 B`, `3.4 MiB`. */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The status as a person reads it: one line per part, the hosts that need a look indented below. */
export function formatStatus(s: ServiceStatus, collector: string): string {
  const lines = [`logship status of ${collector} at ${s.at}`];
  const row = (label: string, text: string) => lines.push(`${label.padEnd(13)}${text}`);
  row(
    'store',
    `${s.store.kind}, ${s.store.ready ? 'ready' : 'NOT READY'}` +
      (s.store.problem ? `: ${s.store.problem.code} ${s.store.problem.message}` : ''),
  );
  row(
    'ingest',
    s.ingest
      ? `${s.ingest.events_per_s} events/s (${s.ingest.events_last_minute} stored in the last minute)`
      : 'unknown',
  );
  if (s.hosts) {
    row('hosts', `${s.hosts.total} (${s.hosts.silent_count} silent, ${s.hosts.lagging_count} lagging)`);
    for (const h of s.hosts.silent) {
      const since = h.silent_for_s === null ? 'never heard of' : `silent for ${duration(h.silent_for_s)}`;
      lines.push(`  silent     ${name(h.host)}  ${since}${h.last_seen ? ` (last seen ${h.last_seen})` : ''}`);
    }
    if (s.hosts.silent_count > s.hosts.silent.length)
      lines.push(`  silent     … and ${s.hosts.silent_count - s.hosts.silent.length} more`);
    for (const h of s.hosts.lagging) {
      const parts = [
        ...(h.lag_s === null ? [] : [`lines stored ${duration(h.lag_s)} after read`]),
        ...(h.backlog_bytes === null ? [] : [`${bytes(h.backlog_bytes)} not yet shipped`]),
      ];
      lines.push(`  lagging    ${name(h.host)}  ${parts.join(', ')}`);
    }
    if (s.hosts.lagging_count > s.hosts.lagging.length)
      lines.push(`  lagging    … and ${s.hosts.lagging_count - s.hosts.lagging.length} more`);
  } else row('hosts', 'unknown');
  if (s.dead_letters) {
    const codes = Object.entries(s.dead_letters.by_code)
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${code} ${n}`);
    row('dead letters', `${s.dead_letters.last_hour} in the last hour${codes.length ? `: ${codes.join(', ')}` : ''}`);
  } else row('dead letters', 'unknown');
  if (s.alerts) {
    const { evaluator, firing, firing_count, failing_rules } = s.alerts;
    const by = evaluator ? `evaluated by ${name(evaluator.holder)}` : 'NO COLLECTOR EVALUATES THE RULES';
    row('alerts', `${firing_count === 0 ? 'none' : firing_count} firing (${by})`);
    for (const a of firing) {
      const host = a.host === null ? '' : ` on ${name(a.host)}`;
      lines.push(`  firing     ${name(a.rule)}${host}  since ${a.since}, count ${a.value}`);
    }
    if (firing_count > firing.length) lines.push(`  firing     … and ${firing_count - firing.length} more`);
    for (const r of failing_rules)
      lines.push(`  failing    ${name(r.name)}  ${r.error ? `${r.error.code} ${name(r.error.message)}` : ''}`);
  } else row('alerts', 'unknown');
  for (const e of s.errors) lines.push(`! ${e.section}: ${e.code} ${name(e.message)}`);
  return lines.join('\n') + '\n';
}

/**
 * `logship status`: the service on one screen, through the collector API (a read or admin token). Exit code 0 when
 * the store is ready, 1 when it is not (or the collector cannot be asked), so scripts can check it too.
 */
export function statusCommand(): Command {
  return withConnectionOptions(new Command('status'))
    .description(
      'store health, ingest rate, silent and lagging hosts, dead letters, alerts (LOGSHIP_COLLECTOR_URL, LOGSHIP_TOKEN)',
    )
    .option('--json', 'the collector answer as JSON')
    .action(async (opts: StatusOptions) => {
      const client = await collectorClient(opts);
      const status = await client.status();
      process.stdout.write(
        opts.json
          ? JSON.stringify(status, null, 2) + '\n'
          : formatStatus(status, process.env.LOGSHIP_COLLECTOR_URL ?? 'http://127.0.0.1:8080'),
      );
      if (!status.store.ready) process.exitCode = 1;
    });
}
