import { Serializer } from '@elastic/elasticsearch';
import {
  ALL_STORED_PREFIX,
  BulkAnswerSerializer,
} from '../../../../collector/store/elasticsearch/bulk-answer-serializer.js';

describe('BulkAnswerSerializer', () => {
  const serializer = new BulkAnswerSerializer();

  it('reads a bulk answer in which every item went in as errors: false, without its 3 items', () => {
    const answer = `${ALL_STORED_PREFIX}${'{"create":{"status":201}},'.repeat(2)}{"create":{"status":201}}]}`;
    expect(serializer.deserialize(answer)).toEqual({ errors: false });
  });

  it('reads every other answer whole: a bulk answer with errors, one with took first, and any other', () => {
    const failed =
      '{"errors":true,"items":[{"create":{"status":201}},{"create":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"x"}}}]}';
    expect(serializer.deserialize(failed)).toEqual({
      errors: true,
      items: [
        { create: { status: 201 } },
        { create: { status: 409, error: { type: 'version_conflict_engine_exception', reason: 'x' } } },
      ],
    });
    const unfiltered = '{"took":3,"errors":false,"items":[{"index":{"_id":"a","status":201}}]}';
    expect(serializer.deserialize(unfiltered)).toEqual({
      took: 3,
      errors: false,
      items: [{ index: { _id: 'a', status: 201 } }],
    });
    expect(serializer.deserialize('{"count":7}')).toEqual({ count: 7 });
  });

  it('reads what it reads whole exactly as the client’s own reader does', () => {
    const text = '{"errors":true,"items":[{"create":{"status":429}}],"__proto__":{"polluted":1}}';
    expect(serializer.deserialize(text)).toEqual(new Serializer().deserialize(text));
  });
});
