import {
  IJob,
  IJobColumns,
  ISnapshotMessage,
  JOB_FIELDS,
  columnValues,
  decodeJobs
} from '../api';
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

describe('job lists as columns', () => {
  const full = (id: string, state: string, submit: string | null): IJob => ({
    id,
    name: 'run',
    user: id === '3' ? 'bob' : 'alice',
    partition: 'batch',
    state,
    reason: state === 'PENDING' ? 'Priority' : '',
    nodes: '',
    node_count: 1,
    cpus: 2,
    memory_mb: null,
    memory_per_cpu: false,
    gres: '',
    submit_time: submit,
    start_time: null,
    time_limit_s: 60,
    elapsed_s: 0,
    priority: null,
    array_job_id: null,
    array_task_id: null
  });
  /** The columns form of `jobs`, as hpc_lab_ext/wire.py makes it (times from `base`). */
  const columns = (jobs: IJob[]): IJobColumns => {
    const cols: IJobColumns['columns'] = {};
    for (const field of JOB_FIELDS) {
      const values = jobs.map(j => j[field]);
      if (field === 'user' || field === 'state') {
        const table = [...new Set(values as string[])];
        cols[field] = {
          values: table,
          index: values.map(v => table.indexOf(v as string))
        };
      } else if (field === 'submit_time') {
        const base = Date.UTC(2026, 10, 30) / 1000;
        cols[field] = {
          base,
          offsets: values.map(v =>
            v === null ? null : Date.parse(`${v}Z`) / 1000 - base
          )
        };
      } else {
        cols[field] = values as (string | number | boolean | null)[];
      }
    }
    return { count: jobs.length, columns: cols };
  };
  const a = full('1', 'PENDING', '2026-11-30T12:15:14');
  const b = full('2', 'RUNNING', null);
  const c = full('3', 'PENDING', '2026-12-01T00:00:00');

  it('a snapshot in columns gives the same records as the plain one', () => {
    const state = stateFromSnapshot({ ...snap, jobs: columns([a, b, c]) });
    expect([...state.jobs.values()]).toEqual([a, b, c]);
    expect(stateFromSnapshot({ ...snap, jobs: [a, b, c] }).jobs).toEqual(
      state.jobs
    );
  });

  it('a delta whose upserts are columns applies like a plain one', () => {
    const state = stateFromSnapshot({ ...snap, jobs: columns([a, b]) });
    const changed = { ...b, state: 'COMPLETING' };
    const next = applyDelta(state, {
      ...snap,
      type: 'delta',
      from: 3,
      version: 4,
      jobs: { upsert: columns([changed, c]), remove: ['1'] },
      nodes: none,
      partitions: none
    })!;
    expect([...next.jobs.values()]).toEqual([changed, c]);
  });

  it('refuses columns that leave a field out or disagree on the count', () => {
    const cols = columns([a, b]);
    const without = { ...cols.columns };
    delete without.priority;
    expect(() => decodeJobs({ count: 2, columns: without })).toThrow(
      'no priority column'
    );
    expect(() => decodeJobs({ ...cols, count: 3 })).toThrow('2 values');
  });

  it('formats times far from the base and before 1970', () => {
    expect(columnValues({ base: -1, offsets: [0, 1, null] }, 3)).toEqual([
      '1969-12-31T23:59:59',
      '1970-01-01T00:00:00',
      null
    ]);
    expect(columnValues({ base: 0, offsets: [253402300799] }, 1)).toEqual([
      '9999-12-31T23:59:59'
    ]);
  });
});
