import { IJob, ISnapshotMessage } from '../api';
import { applyDelta, stateFromSnapshot } from '../delta';

const job = (id: string, state = 'PENDING') => ({ id, state }) as IJob;

const snap: ISnapshotMessage = {
  type: 'snapshot',
  version: 3,
  updated_at: 1,
  stale: false,
  error: null,
  unreachable_since: null,
  jobs: [job('1'), job('2')],
  nodes: [],
  partitions: []
};

const none = { upsert: [], remove: [] };

describe('applyDelta', () => {
  it('keeps unchanged sections as the same object', () => {
    const state = stateFromSnapshot(snap);
    const next = applyDelta(state, {
      ...snap,
      type: 'delta',
      from: 3,
      version: 4,
      jobs: { upsert: [job('2', 'RUNNING')], remove: ['1'] },
      nodes: none,
      partitions: none
    })!;
    expect([...next.jobs.values()]).toEqual([job('2', 'RUNNING')]);
    expect(next.nodes).toBe(state.nodes);
    expect(state.jobs.size).toBe(2); // the old state is untouched
  });

  it('refuses a delta that does not follow', () => {
    const state = stateFromSnapshot(snap);
    expect(
      applyDelta(state, {
        ...snap,
        type: 'delta',
        from: 7,
        version: 8,
        jobs: none,
        nodes: none,
        partitions: none
      })
    ).toBeNull();
  });
});
