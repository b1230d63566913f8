import { finished } from 'node:stream';
import zlib from 'node:zlib';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import getRawBody from 'raw-body';
import type { BufferPool } from '../store/buffer-pool.js';

type InflateSync = (body: Buffer, options: { maxOutputLength: number }) => Buffer;

type Inflate = (
  body: Buffer,
  options: { maxOutputLength: number; chunkSize: number },
  done: (err: (Error & { code?: string }) | null, inflated: Buffer) => void,
) => void;

/** The encodings a write body may come in (those Express's body reader took before this one), zstd where Node has it. */
const INFLATERS: Record<string, Inflate> = { gzip: zlib.gunzip, deflate: zlib.inflate, br: zlib.brotliDecompress };
const zstd = (zlib as unknown as { zstdDecompress?: Inflate }).zstdDecompress;
if (zstd) INFLATERS.zstd = zstd;
/** The same, all at once, to inflate a body a second time (bodyAgain). */
const INFLATERS_SYNC: Record<string, InflateSync> = {
  gzip: zlib.gunzipSync,
  deflate: zlib.inflateSync,
  br: zlib.brotliDecompressSync,
};
const zstdSync = (zlib as unknown as { zstdDecompressSync?: InflateSync }).zstdDecompressSync;
if (zstdSync) INFLATERS_SYNC.zstd = zstdSync;

/** Output pieces for a body whose inflated size is not declared (deflate, br, zstd): rare, so simply 64 KiB. */
const UNKNOWN_SIZE_CHUNK = 64 * 1024;
/** Deflate cannot shrink data below about 1/1032 of its size: a gzip trailer claiming more is a lie. */
const MAX_DEFLATE_RATIO = 1032;

/**
 * Reads a write request's body into `req.body`, one Buffer, inflating gzip (deflate, br) with the limit on the
 * inflated size, so a small bomb cannot make the collector hold gigabytes. It runs after auth and admission.
 *
 * Inflating as the body arrived (Express's body reader) turned a 150 KB gzip body into ~60 pieces of 16 KiB, held
 * across several event-loop turns, then copied into one Buffer: two copies of every body at the peak, and pieces that
 * lived long enough to reach V8's old generation, freed only by its next full collection. Here the compressed body
 * (small, its size bounded before it is read) is read whole, then inflated in one go into one buffer sized by the
 * gzip trailer's length field. That field is only a hint, never trusted past `maxBytes` or what deflate can hold: a
 * body that lies about its size is still cut at `maxBytes` (413) or found corrupt (400), just with one more copy.
 */
export function readWriteBody(maxBytes: number, pool: BufferPool): RequestHandler {
  /**
   * The body is handed on in pooled memory, given back once the answer is sent or at `releaseBody`. A fresh buffer
   * per body lived through the request's decoding, long enough to reach the old generation whenever young-generation
   * collections ran meanwhile; there it waited for a full collection, which V8 runs only after 64 MB more of memory
   * outside its heap: 60 MB of dead bodies at the peak under one shipper's load. The buffer zlib (or the body reader)
   * filled is dropped right after the copy, young.
   */
  const hold = (req: Request, res: Response, body: Buffer, compressed?: Compressed): void => {
    if (compressed) compressedBodies.set(req, compressed);
    const pooled = pool.take(body.length);
    body.copy(pooled.bytes);
    req.body = pooled.bytes;
    leases.set(req, pooled.release);
    // 'finish', not 'close': a client that goes away does not end the handler, which may still read the body (the
    // _bulk door keeps refused lines as slices of it until they are stored). Its memory is then simply not reused.
    res.once('finish', pooled.release);
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!hasBody(req)) {
      next();
      return;
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    const inflate = encoding === 'identity' ? undefined : INFLATERS[encoding];
    if (encoding !== 'identity' && !inflate) {
      next(bodyError(415, `unsupported content encoding "${encoding}"`, 'encoding.unsupported'));
      return;
    }
    const limit = inflate ? compressedLimit(maxBytes) : maxBytes;
    getRawBody(req, { length: req.headers['content-length'], limit }, (err, raw) => {
      if (err) {
        // Read the rest off before answering, or the answer would wait behind the unread body on a kept-alive connection.
        afterRest(req, () => next(err));
        return;
      }
      if (!inflate) {
        hold(req, res, raw);
        next();
        return;
      }
      const hint = encoding === 'gzip' ? gzipSizeHint(raw, maxBytes) : 0;
      // One byte more than the content, so zlib does not allocate a second buffer to learn that nothing follows.
      const chunkSize = hint > 0 ? Math.max(zlib.constants.Z_MIN_CHUNK, hint + 1) : UNKNOWN_SIZE_CHUNK;
      inflate(raw, { maxOutputLength: maxBytes, chunkSize }, (inflateErr, inflated) => {
        if (inflateErr?.code === 'ERR_BUFFER_TOO_LARGE') {
          next(bodyError(413, 'request entity too large', 'entity.too.large'));
        } else if (inflateErr) {
          // zlib's Z_ codes say the body is corrupt or cut short (400).
          next(inflateErr);
        } else {
          hold(req, res, inflated, { raw, encoding, maxBytes });
          next();
        }
      });
    });
  };
}

/** A body as it came, compressed, and how to inflate it again. */
interface Compressed {
  raw: Buffer;
  encoding: string;
  maxBytes: number;
}

/** The compressed bytes of each inflated body, for bodyAgain. */
const compressedBodies = new WeakMap<Request, Compressed>();

/**
 * For a body that came compressed: a function that inflates it again from its compressed bytes (about a tenth of its
 * size), the same bytes as `req.body` had, for a handler that rarely needs the body after answering starts (the
 * lines of events the store refused). Undefined for a body sent as it is: keep what is needed of it instead.
 */
export function bodyAgain(req: Request): (() => Buffer) | undefined {
  const compressed = compressedBodies.get(req);
  const inflate = compressed && INFLATERS_SYNC[compressed.encoding];
  if (!compressed || !inflate) return undefined;
  return () => inflate(compressed.raw, { maxOutputLength: compressed.maxBytes });
}

/** The pooled memory of each request's body, until given back. */
const leases = new WeakMap<Request, () => void>();

/**
 * Gives the memory of `req.body` back before the answer is sent, for a handler done with the body (it decoded it
 * synchronously); the body must not be read after.
 */
export function releaseBody(req: Request): void {
  leases.get(req)?.();
  leases.delete(req);
  req.body = undefined;
}

/**
 * The largest compressed body whose content could fit `maxBytes`: incompressible data grows a little when compressed
 * (deflate's stored blocks add 5 bytes per block of 16 KiB or more, brotli and zstd less, plus headers, trailers).
 */
export function compressedLimit(maxBytes: number): number {
  return maxBytes + Math.ceil(maxBytes / 16_384) * 8 + 1024;
}

/** The inflated size a gzip body declares in its trailer (ISIZE), within what it could hold and `maxBytes`; else 0. */
export function gzipSizeHint(gzip: Buffer, maxBytes: number): number {
  if (gzip.length < 18) return 0;
  return Math.min(gzip.readUInt32LE(gzip.length - 4), maxBytes, gzip.length * MAX_DEFLATE_RATIO);
}

/** A request has a body when it declares a length or is chunked (what Express's body reader checks). */
function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || !Number.isNaN(Number(req.headers['content-length']));
}

/** An error shaped as Express's body reader raises them: the error handler gives each `type` its code. */
function bodyError(status: number, message: string, type: string): Error {
  return Object.assign(new Error(message), { status, type });
}

/** Calls `done` once the rest of the request's body has been read and dropped (or the connection is gone). */
function afterRest(req: Request, done: () => void): void {
  if (req.complete || req.destroyed) {
    done();
    return;
  }
  finished(req, () => done());
  req.resume();
}
