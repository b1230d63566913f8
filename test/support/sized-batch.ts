/**
 * `count` events of host `tag` (ids `${tag}-i`) as NDJSON of exactly `bytes` bytes, the last message padded: bodies
 * sized to the byte against a limit.
 */
export function sizedBatch(tag: string, count: number, bytes: number): Buffer {
  const now = Date.now();
  const lines = Array.from({ length: count }, (_, i) =>
    JSON.stringify({ id: `${tag}-${i}`, timestamp: new Date(now - i).toISOString(), host: tag, message: '' }),
  );
  const pad = bytes - (lines.join('\n').length + 1);
  if (pad < 0) throw new Error(`${count} events do not fit in ${bytes} bytes`);
  lines[count - 1] = lines[count - 1]!.replace('"message":""', `"message":"${'x'.repeat(pad)}"`);
  const body = Buffer.from(`${lines.join('\n')}\n`);
  if (body.length !== bytes) throw new Error(`the batch came out ${body.length} bytes, not ${bytes}`);
  return body;
}
