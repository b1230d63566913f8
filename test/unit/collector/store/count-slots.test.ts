import { parseQuery } from '../../../../collector/query/parse-query.js';
import { countsAnswer, segments } from '../../../../collector/store/count-slots.js';

const at = (t: string) => Date.parse(`2026-11-20T${t}Z`);
const MIN = 60_000;

describe('count slots', () => {
  it('answers host, service and level filters from counts, and nothing that needs the events', () => {
    for (const q of ['', 'host:web-1', 'level:error OR NOT service:api', 'host:* AND NOT level:debug'])
      expect([q, countsAnswer(parseQuery(q))]).toEqual([q, true]);
    for (const q of ['timeout', 'host:web*', 'url.path:/login', 'host:web-1 AND timeout', 'message:/err.*/'])
      expect([q, countsAnswer(parseQuery(q))]).toEqual([q, false]);
  });

  it('splits a window into hours, quarter hours at their edges, and events in the partial quarters', () => {
    expect(segments(at('10:07:30.000'), at('12:20:10.000'), [60, 15])).toEqual([
      { unit: null, first: at('10:07:30.000'), last: at('10:14:59.999') },
      { unit: 15, first: at('10:15:00') / (15 * MIN), last: at('10:45:00') / (15 * MIN) },
      { unit: 60, first: at('11:00:00') / (60 * MIN), last: at('11:00:00') / (60 * MIN) },
      { unit: 15, first: at('12:00:00') / (15 * MIN), last: at('12:00:00') / (15 * MIN) },
      { unit: null, first: at('12:15:00.000'), last: at('12:20:10.000') },
    ]);
  });
});
