import { errors, type Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { MAX_ALERT_RECORDS, type AlertRecord, type AlertRecordKind } from '../alert-records.js';
import { guardEs } from './es-errors.js';
import { alertsIndex } from './index-templates.js';

interface AlertDoc {
  kind: AlertRecordKind;
  id: string;
  body: unknown;
}

/** Elasticsearch's optimistic-concurrency pair as one opaque version; it never repeats for an id. */
function versionOf(seqNo: number | undefined, primaryTerm: number | undefined): string {
  return `${seqNo ?? 0}:${primaryTerm ?? 0}`;
}

function parseVersion(version: string): { if_seq_no: number; if_primary_term: number } | null {
  const m = /^(\d+):(\d+)$/.exec(version);
  return m ? { if_seq_no: Number(m[1]), if_primary_term: Number(m[2]) } : null;
}

function isStatus(err: unknown, status: number): boolean {
  return err instanceof errors.ResponseError && err.statusCode === status;
}

/**
 * Alert records in one small index, `<prefix>-alerts`, one document per record (`<kind>:<id>`). Conditional writes
 * use `if_seq_no`/`if_primary_term`, which Elasticsearch checks on the primary shard, so two collectors can never
 * both win. Every write refreshes the index before it answers: listing right after sees it, and the index is tiny.
 */
export class EsAlertRecords {
  constructor(
    private readonly client: Client,
    private readonly indexPrefix: string,
    private readonly logger: Logger,
  ) {}

  private get index(): string {
    return alertsIndex(this.indexPrefix);
  }

  async list(kind: AlertRecordKind): Promise<AlertRecord[]> {
    const response = await guardEs(this.logger, () =>
      this.client.search<AlertDoc>({
        index: this.index,
        ignore_unavailable: true,
        allow_no_indices: true,
        query: { term: { kind } },
        size: MAX_ALERT_RECORDS,
        seq_no_primary_term: true,
      }),
    );
    return response.hits.hits
      .filter((hit) => hit._source)
      .map((hit) => ({
        kind,
        id: hit._source!.id,
        version: versionOf(hit._seq_no, hit._primary_term),
        body: hit._source!.body,
      }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async get(kind: AlertRecordKind, id: string): Promise<AlertRecord | null> {
    try {
      // A get is real-time: it sees the latest write even before a refresh, which compare-and-set relies on.
      const doc = await guardEs(this.logger, () =>
        this.client.get<AlertDoc>({ index: this.index, id: `${kind}:${id}` }),
      );
      if (!doc.found || !doc._source) return null;
      return { kind, id, version: versionOf(doc._seq_no, doc._primary_term), body: doc._source.body };
    } catch (err) {
      // 404: no such document, or no alerts index yet.
      if (isStatus(err, 404)) return null;
      throw err;
    }
  }

  async put(kind: AlertRecordKind, id: string, body: object, expected: string | null): Promise<string | null> {
    const document: AlertDoc = { kind, id, body };
    const docId = `${kind}:${id}`;
    try {
      if (expected === null) {
        const created = await guardEs(this.logger, () =>
          this.client.create({ index: this.index, id: docId, document, refresh: true }),
        );
        return versionOf(created._seq_no, created._primary_term);
      }
      const condition = parseVersion(expected);
      if (!condition) return null;
      const written = await guardEs(this.logger, () =>
        this.client.index({ index: this.index, id: docId, document, refresh: true, ...condition }),
      );
      return versionOf(written._seq_no, written._primary_term);
    } catch (err) {
      // 409: the version moved on (or, for a create, the record exists); 404: the index is gone.
      if (isStatus(err, 409) || isStatus(err, 404)) return null;
      throw err;
    }
  }

  async delete(kind: AlertRecordKind, id: string, expected?: string): Promise<boolean> {
    const condition = expected === undefined ? {} : parseVersion(expected);
    if (condition === null) return false;
    try {
      await guardEs(this.logger, () =>
        this.client.delete({ index: this.index, id: `${kind}:${id}`, refresh: true, ...condition }),
      );
      return true;
    } catch (err) {
      if (isStatus(err, 404) || isStatus(err, 409)) return false;
      throw err;
    }
  }
}
