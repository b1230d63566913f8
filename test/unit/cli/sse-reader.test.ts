import { readSse } from '../../../cli/sse-reader.js';

async function* chunks(parts: string[]) {
  for (const p of parts) yield Buffer.from(p);
}

describe('SSE reader', () => {
  it('splits frames across chunk boundaries, skips comments, keeps an id without data and joins multi-line data', async () => {
    const frames = [];
    for await (const f of readSse(
      chunks([
        'retry: 2000\nid: 0\n\n: hello\n\nid: 1\nda',
        'ta: {"a":1}\n\n',
        'event: error\r\ndata: x\r\ndata: y\r\n\r\n',
      ]),
    ))
      frames.push(f);
    expect(frames).toEqual([{ id: '0' }, { id: '1', data: '{"a":1}' }, { event: 'error', data: 'x\ny' }]);
  });

  it('gives each comment as a frame of its own, before its block, when asked', async () => {
    const frames = [];
    for await (const f of readSse(chunks([': tail started\n\nid: 2\n: keep-alive now\ndata: {}\n\n']), {
      comments: true,
    }))
      frames.push(f);
    expect(frames).toEqual([{ comment: 'tail started' }, { comment: 'keep-alive now' }, { id: '2', data: '{}' }]);
  });
});
