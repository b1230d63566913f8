/**
 * A read thread of the embedded store (started by read-pool.ts): it holds one read-only connection and answers one
 * request at a time. Reads run here rather than on the main thread so that a costly query never holds up writes,
 * `/healthz` or a shutdown: the store answers QUERY_TIMEOUT at the deadline, stops the statement through the
 * shared cancel flag, and ends the thread if it does not stop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { CodedError } from '../../../protocol/coded-error.js';
import { restoreDocument } from './stored-document.js';
import { AlertRecordListing } from './embedded-alert-records.js';
import { EmbeddedAggregations } from './embedded-aggregations.js';
import { EmbeddedDeadLetters } from './embedded-dead-letters.js';
import { configureReader } from './embedded-schema.js';
import { clampMs, EmbeddedSearch } from './embedded-search.js';
import { keyLayout, type KeyLayout } from './event-key.js';
import {
  packPage,
  type ReadFailure,
  type ReadRequest,
  type ReadResponse,
  type ReadWorkerData,
} from './read-protocol.js';
import { QueryFunctions } from './sql-functions.js';

const data = workerData as ReadWorkerData;

interface Reader {
  /** How the file keys its rows (event-key.ts): the export's cursor is a key. */
  keys: KeyLayout;
  search: EmbeddedSearch;
  aggregations: EmbeddedAggregations;
  deadLetters: EmbeddedDeadLetters;
  alertRecords: AlertRecordListing;
}

let reader: Reader | null = null;

/** Opens the connection on the first request, so a missing or damaged file is answered as that request's error. */
function open(): Reader {
  if (reader) return reader;
  const db = new Database(data.path, { readonly: true, fileMustExist: true });
  try {
    configureReader(db);
    const functions = new QueryFunctions(new Int32Array(data.cancel));
    functions.register(db);
    const keys = keyLayout(db);
    reader = {
      keys,
      search: new EmbeddedSearch(db, functions, data, keys),
      aggregations: new EmbeddedAggregations(db, functions, data.searchTimeoutMs, keys),
      deadLetters: new EmbeddedDeadLetters(db),
      alertRecords: new AlertRecordListing(db),
    };
    return reader;
  } catch (err) {
    db.close();
    throw err;
  }
}

function run(request: ReadRequest): unknown {
  const r = open();
  switch (request.op) {
    case 'search':
      return packPage(r.search.search(request.args));
    case 'histogram':
      return r.aggregations.histogram(request.args);
    case 'fields':
      return r.aggregations.fields(request.args);
    case 'topValues':
      return r.aggregations.topValues(request.args);
    case 'context':
      return r.search.context(request.args);
    case 'event': {
      const row = r.search.eventRow(request.args.id);
      return row ? { id: row.id, doc: restoreDocument(row) } : null;
    }
    case 'hosts':
      return r.aggregations.hosts(request.args.now);
    case 'hostClocks':
      return r.aggregations.hostClocks();
    case 'tail':
      return r.search.tail(request.args);
    case 'tailCount':
      return r.search.tailCount(request.args);
    case 'deadLetters':
      return r.deadLetters.list(request.args);
    case 'deadLetterCounts':
      return r.deadLetters.count(request.args.fromMs, request.args.toMs);
    case 'alertRecords':
      return r.alertRecords.list(request.args.kind);
    case 'exportEvents': {
      const { from, to, after, limit } = request.args;
      const rows = r.search.keyedRows(clampMs(from.getTime()), clampMs(to.getTime()), after, limit);
      const last = rows.at(-1);
      return {
        events: rows.map((row) => ({ id: row.id, doc: restoreDocument(row) })),
        next: last && rows.length === limit ? r.keys.keyOf(last.ms, last.n) : null,
      };
    }
  }
}

function failure(err: unknown): ReadFailure {
  if (err instanceof CodedError) {
    return { message: err.message, code: err.code, status: err.status, details: err.details };
  }
  const code = (err as { code?: unknown }).code;
  return { message: (err as Error).message ?? String(err), ...(typeof code === 'string' ? { code } : {}) };
}

const port = parentPort;
if (!port) throw new Error('read-worker.js runs only as a worker thread of the embedded store.');
port.on('message', (request: ReadRequest) => {
  let answer: ReadResponse;
  try {
    answer = { id: request.id, ok: true, value: run(request) };
  } catch (err) {
    answer = { id: request.id, ok: false, error: failure(err) };
  }
  port.postMessage(answer);
});
