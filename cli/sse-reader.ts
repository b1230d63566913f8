/**
 * One Server-Sent Events frame; a frame with an id and no data only moves the resume point. Comment lines are
 * skipped, or with `comments` each comes as a frame of its own, before the frame of its block.
 */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** Splits a byte stream into SSE frames (WHATWG framing: fields per line, a blank line ends a frame). */
export async function* readSse(
  body: AsyncIterable<Buffer | Uint8Array>,
  options: { comments?: boolean } = {},
): AsyncGenerator<SseFrame> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const frame: SseFrame = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          if (options.comments) yield { comment: line.slice(1).trim() };
          continue;
        }
        if (line === '') continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
        else if (field === 'id') frame.id = value;
        else if (field === 'event') frame.event = value;
      }
      if (frame.data !== undefined || frame.id !== undefined) yield frame;
    }
  }
}
