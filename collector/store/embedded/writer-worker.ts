/**
 * The writer thread of the embedded store (started by writer-thread.ts): it holds the only writing connection, so
 * inserting and committing (SQLite and the fsync of `synchronous = FULL`) run beside the parsing on the main
 * thread instead of after it. Requests are handled in arrival order; writes waiting together are committed in one
 * transaction.
 */
import { parentPort, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { AlertRecordTable } from './embedded-alert-records.js';
import { configureWriter, migrate } from './embedded-schema.js';
import { EmbeddedWriter } from './embedded-writer.js';
import type { WriterFailure, WriterRequest, WriterResponse } from './writer-protocol.js';

/** Requests committed together at most (bounds one transaction's time, and what a failure hands back). */
const MAX_GROUP = 16;

interface OpenFile {
  db: Database.Database;
  writer: EmbeddedWriter;
  alerts: AlertRecordTable;
}

let file: OpenFile | null = null;

function failure(err: unknown): WriterFailure {
  const code = (err as { code?: unknown }).code;
  return {
    message: (err as Error).message ?? String(err),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

function opened(): OpenFile {
  // The store sends `open` before anything else and after every `close`; reaching this is a bug in the store.
  if (!file) throw new Error('The writer thread got a request before the store file was opened.');
  return file;
}

function open(path: string, lockTimeoutMs: number): void {
  closeFile();
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: lockTimeoutMs });
    configureWriter(db, lockTimeoutMs);
    migrate(db);
    file = { db, writer: new EmbeddedWriter(db), alerts: new AlertRecordTable(db) };
  } catch (err) {
    db?.close();
    throw err;
  }
}

function closeFile(): void {
  const current = file;
  file = null;
  current?.db.close();
}

/** Runs one request other than a write. */
function run(request: WriterRequest): unknown {
  switch (request.op) {
    case 'open':
      return open(request.path, request.lockTimeoutMs);
    case 'close':
      return closeFile();
    case 'write':
      return opened().writer.write([request.events])[0];
    case 'deadLetters':
      return opened().writer.writeDeadLetters(request.rows);
    case 'probe':
      return opened().writer.probe();
    case 'heartbeat':
      return opened().writer.recordHeartbeat(request.host, request.receivedAt, request.heartbeat, request.clock);
    case 'expire':
      return opened().writer.expire(request.cutoffMs, request.budgetMs);
    case 'expireDeadLetters':
      return opened().writer.expireDeadLetters(request.cutoffMs);
    case 'alertPut':
      return opened().alerts.put(request.kind, request.recordId, request.body, request.expected);
    case 'alertDelete':
      return opened().alerts.delete(request.kind, request.recordId, request.expected);
    case 'alertGet':
      return opened().alerts.get(request.kind, request.recordId);
  }
}

/** Handles queued requests in order; a run of writes becomes one transaction, failing or succeeding together. */
function handle(port: MessagePort, queue: WriterRequest[]): void {
  let i = 0;
  while (i < queue.length) {
    const writes: Extract<WriterRequest, { op: 'write' }>[] = [];
    for (let r = queue[i]; r?.op === 'write' && writes.length < MAX_GROUP; r = queue[++i]) writes.push(r);
    if (writes.length > 0) {
      let answers: WriterResponse[];
      try {
        const outcomes = opened().writer.write(writes.map((w) => w.events));
        answers = writes.map((w, k) => ({ id: w.id, ok: true, value: outcomes[k] }));
      } catch (err) {
        const error = failure(err);
        answers = writes.map((w) => ({ id: w.id, ok: false, error }));
      }
      for (const answer of answers) port.postMessage(answer);
      continue;
    }
    const request = queue[i++]!;
    let answer: WriterResponse;
    try {
      answer = { id: request.id, ok: true, value: run(request) };
    } catch (err) {
      answer = { id: request.id, ok: false, error: failure(err) };
    }
    port.postMessage(answer);
  }
}

const port = parentPort;
if (!port) throw new Error('writer-worker.js runs only as a worker thread of the embedded store.');
port.on('message', (first: WriterRequest) => {
  // Everything that arrived while the last transaction ran is taken now, so waiting writes share one commit.
  const queue = [first];
  for (let next = receiveMessageOnPort(port); next; next = receiveMessageOnPort(port)) {
    queue.push(next.message as WriterRequest);
  }
  handle(port, queue);
});
