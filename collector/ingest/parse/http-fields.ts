import { isIP } from 'node:net';
import type { Level } from '../../../protocol/event.js';
import type { FieldValue } from './parsed-line.js';

const METHOD = /^[A-Z][A-Z_-]{0,19}$/;

/**
 * Splits an HTTP request line (`GET /a?b=1 HTTP/1.1`) into ECS fields. Garbage request lines (TLS handshakes sent to
 * a plain port, scanners) keep only `url.original`, so a bad line still stores instead of being refused.
 */
export function addRequestLine(fields: Record<string, FieldValue>, request: string): void {
  if (request === '-' || request === '') return;
  const first = request.indexOf(' ');
  const method = first > 0 ? request.slice(0, first) : '';
  if (!METHOD.test(method)) {
    fields['url.original'] = request;
    return;
  }
  fields['http.request.method'] = method;
  let target = request.slice(first + 1);
  const last = target.lastIndexOf(' ');
  if (last >= 0 && target.startsWith('HTTP/', last + 1)) {
    fields['http.version'] = target.slice(last + 6);
    target = target.slice(0, last);
  }
  addTarget(fields, target);
}

/** `url.original`, `url.path`, `url.query` of a request target (origin-form or absolute-form). */
export function addTarget(fields: Record<string, FieldValue>, target: string): void {
  if (!target) return;
  fields['url.original'] = target;
  let pathStart = 0;
  if (!target.startsWith('/')) {
    const scheme = target.indexOf('://');
    if (scheme < 0) return;
    const slash = target.indexOf('/', scheme + 3);
    fields['url.domain'] = target.slice(scheme + 3, slash < 0 ? undefined : slash).replace(/:\d+$/, '');
    if (slash < 0) return;
    pathStart = slash;
  }
  const q = target.indexOf('?', pathStart);
  if (q < 0) {
    fields['url.path'] = target.slice(pathStart);
  } else {
    fields['url.path'] = target.slice(pathStart, q);
    if (q + 1 < target.length) fields['url.query'] = target.slice(q + 1);
  }
}

/** `source.ip` when the text is an IP (the mapping is `ip`, so anything else would refuse the event), else `source.address`. */
export function addSource(fields: Record<string, FieldValue>, address: string): void {
  if (!address || address === '-') return;
  if (isIP(address)) fields['source.ip'] = address;
  else fields['source.address'] = address;
}

/** `client 1.2.3.4:5678` / `[::1]:443` / `::1` forms: ip and port apart. */
export function addSourceWithPort(fields: Record<string, FieldValue>, text: string): void {
  if (isIP(text)) {
    fields['source.ip'] = text;
    return;
  }
  const colon = text.lastIndexOf(':');
  if (colon > 0) {
    let host = text.slice(0, colon);
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
    const port = Number(text.slice(colon + 1));
    if (isIP(host) && Number.isInteger(port) && port > 0 && port < 65536) {
      fields['source.ip'] = host;
      fields['source.port'] = port;
      return;
    }
  }
  addSource(fields, text);
}

/** HTTP status >= 500 is an error, 4xx a warning, the rest info. */
export function levelOfStatus(status: number): Level {
  return status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
}

/** Undoes the escaping nginx (`\x22`) and apache (`\"`) apply inside quoted log fields. */
export function unescapeQuoted(text: string): string {
  if (!text.includes('\\')) return text;
  return text.replace(/\\(x[0-9A-Fa-f]{2}|.)/g, (_, e: string) =>
    e.length === 3 ? String.fromCharCode(parseInt(e.slice(1), 16)) : e === 'n' ? '\n' : e === 't' ? '\t' : e,
  );
}
