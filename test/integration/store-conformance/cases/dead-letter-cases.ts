import type { CaseContext } from '../case-context.js';

/** Dead letters: kept with their reason and sender, text or bytes, listed newest first. */
export function deadLetterCases(ctx: CaseContext): void {
  describe('dead letters', () => {
    it('keeps rejected lines with code, reason and token, and lists them newest first', async () => {
      await ctx.sut.store.writeDeadLetters([
        {
          receivedAt: '2026-11-21T09:00:00.000Z',
          code: 'INGEST_INVALID_JSON',
          reason: 'not JSON',
          original: 'oops {',
          tokenName: 'web-1',
        },
        {
          receivedAt: '2026-11-21T09:00:01.000Z',
          code: 'INGEST_INVALID_UTF8',
          reason: 'bad bytes',
          original: Buffer.from([0x7b, 0xff, 0xfe]),
        },
        {
          receivedAt: '2026-11-21T09:00:02.000Z',
          code: 'INGEST_INVALID_JSON',
          reason: 'truncated',
          original: '{"message":',
          tokenName: 'web-2',
        },
      ]);
      await ctx.sut.refresh();
      const window = { from: new Date('2026-11-21T08:00:00Z'), to: new Date('2026-11-21T10:00:00Z') };
      const all = await ctx.sut.store.listDeadLetters({ ...window, limit: 10, codes: [] });
      expect(all.total).toEqual({ value: 3, relation: 'eq' });
      expect(all.dead_letters.map(({ id: _id, ...rest }) => rest)).toEqual([
        {
          received_at: '2026-11-21T09:00:02.000Z',
          code: 'INGEST_INVALID_JSON',
          reason: 'truncated',
          token: 'web-2',
          original: '{"message":',
        },
        {
          received_at: '2026-11-21T09:00:01.000Z',
          code: 'INGEST_INVALID_UTF8',
          reason: 'bad bytes',
          token: null,
          original_base64: 'e//+',
        },
        {
          received_at: '2026-11-21T09:00:00.000Z',
          code: 'INGEST_INVALID_JSON',
          reason: 'not JSON',
          token: 'web-1',
          original: 'oops {',
        },
      ]);
      const json = await ctx.sut.store.listDeadLetters({ ...window, limit: 1, codes: ['INGEST_INVALID_JSON'] });
      expect(json.total).toEqual({ value: 2, relation: 'eq' });
      expect(json.dead_letters.map((d) => d.reason)).toEqual(['truncated']);
    });
  });
}
