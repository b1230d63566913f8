import { AckTracker } from '../../../shipper/ack-tracker.js';

describe('ack tracker', () => {
  it('commits out-of-order acknowledgements in send order', () => {
    const commits: string[] = [];
    const acks = new AckTracker<string>((file, offset) => commits.push(`${file}@${offset}`));
    const t0 = acks.begin(new Map([['a.log', 100]]));
    const t1 = acks.begin(
      new Map([
        ['a.log', 250],
        ['b.log', 40],
      ]),
    );
    const t2 = acks.begin(new Map([['b.log', 90]]));
    expect(acks.outstanding).toBe(3);

    acks.ack(t2);
    acks.ack(t1);
    // Batch 0 is still being retried: committing a.log@250 now would skip its lines after a crash.
    expect(commits).toEqual([]);
    expect(acks.outstanding).toBe(3);

    acks.ack(t0);
    expect(commits).toEqual(['a.log@100', 'a.log@250', 'b.log@40', 'b.log@90']);
    expect(acks.outstanding).toBe(0);
  });

  it('commits at once when batches are acknowledged in order', () => {
    const commits: number[] = [];
    const acks = new AckTracker<string>((_f, offset) => commits.push(offset));
    const t0 = acks.begin(new Map([['a', 10]]));
    acks.ack(t0);
    expect(commits).toEqual([10]);
    const t1 = acks.begin(new Map([['a', 20]]));
    const t2 = acks.begin(new Map([['a', 30]]));
    acks.ack(t1);
    expect(commits).toEqual([10, 20]);
    acks.ack(t2);
    expect(commits).toEqual([10, 20, 30]);
  });

  it('refuses an unknown or repeated acknowledgement', () => {
    const acks = new AckTracker<string>(() => undefined);
    const t0 = acks.begin(new Map());
    acks.ack(t0);
    expect(() => acks.ack(t0)).toThrow('unknown or already committed ticket 0');
  });
});
