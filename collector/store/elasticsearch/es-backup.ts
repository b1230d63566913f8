/**
 * Backups of the Elasticsearch store as snapshots: the logship indices of one prefix (events, dead letters, host
 * heartbeats, alert rules and states) with the index templates, into a snapshot repository (a shared folder listed in `path.repo`, or any
 * repository type the cluster has, such as S3). A restore goes only into indices that do not exist, and undoes
 * itself when it does not complete.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackupError, backupStamp, type OnProgress } from '../backup-error.js';
import {
  countsIndex,
  dailyIndexDay,
  deadLetterPattern,
  putIndexTemplates,
  searchPattern,
  type TemplateOptions,
} from './index-templates.js';

/** One snapshot as `logship backup list` shows it. */
export interface EsSnapshot {
  name: string;
  state: string;
  started_at: string;
  indices: string[];
  shards: { total: number; failed: number };
  /** Counted just before the snapshot started (it may hold a few more, written meanwhile); null if not recorded. */
  events: number | null;
  dead_letters: number | null;
}

/** What a restore put back. */
export interface EsRestore {
  snapshot: EsSnapshot;
  indices: string[];
  events: number;
  deadLetters: number;
}

interface LogshipMetadata {
  index_prefix?: string;
  events?: number;
  dead_letters?: number;
}

const POLL_MS = 1000;

export class EsBackup {
  constructor(
    private readonly client: Client,
    private readonly indexPrefix: string,
    private readonly repository: string,
    /** Settings of the daily indices' templates, put back before a restore. */
    private readonly templates: TemplateOptions,
  ) {}

  /**
   * Makes sure the repository exists: registers a filesystem repository at `location` when it does not (the folder
   * must be listed in `path.repo` on every node), then has every node check that it can write there.
   */
  async ensureRepository(location: string | undefined): Promise<void> {
    const existing = await this.client.snapshot.getRepository({ name: this.repository }, { ignore: [404] });
    const known = (existing as Record<string, unknown>)[this.repository] !== undefined;
    if (!known) {
      if (!location)
        throw new BackupError(
          'BACKUP_NO_REPOSITORY',
          `Elasticsearch has no snapshot repository "${this.repository}"; pass --location DIR (a folder in path.repo) to register one, or register it yourself (docs/elasticsearch.md).`,
          400,
        );
      await this.client.snapshot.createRepository({
        name: this.repository,
        repository: { type: 'fs', settings: { location } },
      });
    }
    await this.client.snapshot.verifyRepository({ name: this.repository });
  }

  /** Snapshots the prefix's indices (and the cluster's templates) and waits until it is complete. */
  async create(onProgress: OnProgress, now = new Date()): Promise<EsSnapshot> {
    const name = `${this.indexPrefix}-${backupStamp(now)}`;
    const indices = await this.indexNames();
    if (indices.length === 0)
      throw new BackupError('BACKUP_NO_STORE', `Elasticsearch holds no ${this.indexPrefix}-* indices to back up.`, 400);
    const metadata = { logship: { index_prefix: this.indexPrefix, ...(await this.counts(indices)) } };
    await this.client.snapshot.create({
      repository: this.repository,
      snapshot: name,
      indices: indices.join(','),
      // The index templates live in the cluster state; feature states (the security index among them) stay out.
      include_global_state: true,
      feature_states: ['none'],
      metadata,
      wait_for_completion: false,
    });
    let done: EsSnapshot;
    for (;;) {
      const status = await this.client.snapshot.status({ repository: this.repository, snapshot: name });
      const snap = status.snapshots[0];
      if (snap)
        onProgress({ phase: 'snapshot', done: snap.shards_stats.done, total: snap.shards_stats.total, unit: 'shards' });
      // The snapshot's own state says when it is finished: its shards may all be done while it is still finalised.
      done = await this.get(name);
      if (done.state !== 'IN_PROGRESS') break;
      await sleep(POLL_MS);
    }
    if (done.state !== 'SUCCESS' || done.shards.failed > 0) {
      // A partial snapshot must not be mistaken for a backup later.
      await this.client.snapshot.delete({ repository: this.repository, snapshot: name }, { ignore: [404] });
      throw new BackupError(
        'BACKUP_FAILED',
        `Snapshot ${name} ended ${done.state} with ${done.shards.failed} of ${done.shards.total} shards failed; it was deleted.`,
      );
    }
    return done;
  }

  /** The prefix's snapshots in the repository, oldest first. */
  async list(): Promise<EsSnapshot[]> {
    const answer = await this.client.snapshot.get(
      { repository: this.repository, snapshot: `${this.indexPrefix}-*`, ignore_unavailable: true },
      { ignore: [404] },
    );
    return (answer.snapshots ?? []).map(toSnapshot).sort((a, b) => a.started_at.localeCompare(b.started_at));
  }

  /**
   * Checks a snapshot (the newest when `name` is not given): every node reaches the repository, the snapshot
   * completed without failed shards, and its per-shard files are listed in the repository.
   */
  async verify(name?: string): Promise<EsSnapshot> {
    await this.client.snapshot.verifyRepository({ name: this.repository });
    const snapshot = await this.find(name);
    if (snapshot.state !== 'SUCCESS' || snapshot.shards.failed > 0)
      throw new BackupError(
        'BACKUP_INVALID',
        `Snapshot ${snapshot.name} is ${snapshot.state} with ${snapshot.shards.failed} failed shards.`,
      );
    // Reads each shard's metadata from the repository: a missing or unreadable file fails here.
    const status = await this.client.snapshot.status({ repository: this.repository, snapshot: snapshot.name });
    const detail = status.snapshots[0];
    const listed = Object.keys(detail?.indices ?? {}).sort();
    if (detail?.state !== 'SUCCESS' || listed.join() !== [...snapshot.indices].sort().join())
      throw new BackupError(
        'BACKUP_INVALID',
        `The repository's files of snapshot ${snapshot.name} do not match its index list.`,
      );
    return snapshot;
  }

  /**
   * Restores a snapshot (the newest when `name` is not given) into a cluster that lacks its indices: the templates
   * first, then the indices; waits until every primary shard is back and counts the events. When it does not
   * complete, the indices it created are deleted again and the error says so.
   */
  async restore(name: string | undefined, onProgress: OnProgress, timeoutMs = 3_600_000): Promise<EsRestore> {
    const snapshot = await this.verify(name);
    const indices = snapshot.indices
      .filter((index) => index.startsWith(`${this.indexPrefix}-`) && !isCounts(this.indexPrefix, index))
      .sort();
    const present = await this.client.indices.get({ index: indices, ignore_unavailable: true, allow_no_indices: true });
    const clashes = Object.keys(present).sort();
    if (clashes.length)
      throw new BackupError(
        'BACKUP_RESTORE_CONFLICT',
        `The cluster already has ${clashes.length} of the snapshot's indices (${clashes.slice(0, 5).join(', ')}${clashes.length > 5 ? ', …' : ''}); restore into an empty or new cluster, or delete them first.`,
      );
    await putIndexTemplates(this.client, this.indexPrefix, this.templates);
    // Counts left from the days' earlier events would not describe the restored ones.
    const staleCounts = indices.flatMap((index) => {
      const day = dailyIndexDay(this.indexPrefix, index);
      return day?.kind === 'events' ? [countsIndex(this.indexPrefix, day.dayMs)] : [];
    });
    for (let i = 0; i < staleCounts.length; i += 50)
      await this.client.indices.delete({ index: staleCounts.slice(i, i + 50), ignore_unavailable: true });
    try {
      await this.client.snapshot.restore({
        repository: this.repository,
        snapshot: snapshot.name,
        indices: indices.join(','),
        include_global_state: false,
        include_aliases: false,
        wait_for_completion: false,
      });
      await this.waitRestored(indices, onProgress, timeoutMs);
      const counts = await this.counts(indices);
      if (snapshot.events !== null && counts.events < snapshot.events)
        throw new BackupError(
          'BACKUP_RESTORE_FAILED',
          `Restored ${counts.events} events; the snapshot was taken with ${snapshot.events}.`,
        );
      return { snapshot, indices, events: counts.events, deadLetters: counts.dead_letters };
    } catch (err) {
      await this.client.indices
        .delete({ index: indices, ignore_unavailable: true, allow_no_indices: true })
        .catch(() => undefined);
      const reason = err instanceof Error ? err.message : String(err);
      throw new BackupError(
        'BACKUP_RESTORE_FAILED',
        `Restoring ${snapshot.name} did not complete (${reason}); the ${indices.length} indices it had created were deleted again.`,
      );
    }
  }

  /** Waits until every primary shard of `indices` is started, reporting shards done; fails on a failed shard. */
  private async waitRestored(indices: string[], onProgress: OnProgress, timeoutMs: number): Promise<void> {
    const started = Date.now();
    const deadline = started + timeoutMs;
    for (;;) {
      const recovery = await this.client.indices.recovery({ index: indices.join(','), active_only: false });
      let total = 0;
      let done = 0;
      for (const index of Object.values(recovery))
        for (const shard of index.shards ?? []) {
          if (!shard.primary) continue;
          total++;
          if (shard.stage === 'DONE') done++;
        }
      onProgress({ phase: 'restore', done, total, unit: 'shards' });
      const health = await this.client.cluster.health({ index: indices.join(','), timeout: '1s', level: 'cluster' });
      const underway = total - done;
      if (health.status !== 'red' && total > 0 && underway === 0) return;
      // A primary that is neither started nor being recovered failed to restore (e.g. a file missing in the
      // repository); right after the request, shards may not be allocated yet.
      const stuck = health.unassigned_primary_shards > 0 && health.initializing_shards === 0 && underway === 0;
      if (stuck && Date.now() - started > 10_000)
        throw new Error(`${health.unassigned_primary_shards} primary shards could not be restored`);
      if (Date.now() > deadline) throw new Error(`not complete after ${Math.round(timeoutMs / 1000)} s`);
      await sleep(POLL_MS);
    }
  }

  private async find(name: string | undefined): Promise<EsSnapshot> {
    if (name !== undefined) {
      const found = (await this.list()).find((s) => s.name === name);
      if (found) return found;
    } else {
      const newest = (await this.list()).filter((s) => s.state === 'SUCCESS').at(-1);
      if (newest) return newest;
    }
    throw new BackupError(
      'BACKUP_NOT_FOUND',
      name === undefined
        ? `Repository "${this.repository}" holds no complete ${this.indexPrefix}-* snapshot.`
        : `Repository "${this.repository}" holds no snapshot ${name} (logship backup list shows them).`,
      400,
    );
  }

  private async get(name: string): Promise<EsSnapshot> {
    const answer = await this.client.snapshot.get({ repository: this.repository, snapshot: name });
    const snap = answer.snapshots?.[0];
    if (!snap) throw new BackupError('BACKUP_NOT_FOUND', `Snapshot ${name} is not in repository "${this.repository}".`);
    return toSnapshot(snap);
  }

  /**
   * The prefix's indices now (events, dead letters, heartbeats, alerts), without the event counts: each shard is
   * snapshotted at its own moment, so counts saved beside their events could describe other events than those saved.
   * The collector counts the restored days anew (es-counts.ts).
   */
  private async indexNames(): Promise<string[]> {
    const rows = await this.client.cat.indices({
      index: `${this.indexPrefix}-*`,
      format: 'json',
      h: 'index',
      expand_wildcards: 'open',
    });
    return (rows as { index?: string }[])
      .flatMap((r) => (r.index && !isCounts(this.indexPrefix, r.index) ? [r.index] : []))
      .sort();
  }

  private async counts(indices: string[]): Promise<{ events: number; dead_letters: number }> {
    await this.client.indices.refresh({ index: indices.join(','), ignore_unavailable: true, allow_no_indices: true });
    const count = async (index: string) =>
      (await this.client.count({ index, ignore_unavailable: true, allow_no_indices: true })).count;
    return {
      events: await count(searchPattern(this.indexPrefix)),
      dead_letters: await count(deadLetterPattern(this.indexPrefix)),
    };
  }
}

function isCounts(prefix: string, index: string): boolean {
  return dailyIndexDay(prefix, index)?.kind === 'counts';
}

function toSnapshot(snap: estypes.SnapshotSnapshotInfo): EsSnapshot {
  const meta = (snap.metadata?.logship ?? {}) as LogshipMetadata;
  return {
    name: snap.snapshot,
    state: snap.state ?? 'UNKNOWN',
    started_at: snap.start_time !== undefined ? new Date(snap.start_time).toISOString() : '',
    indices: [...(snap.indices ?? [])].sort(),
    shards: { total: snap.shards?.total ?? 0, failed: snap.shards?.failed ?? 0 },
    events: typeof meta.events === 'number' ? meta.events : null,
    dead_letters: typeof meta.dead_letters === 'number' ? meta.dead_letters : null,
  };
}
