import {
  IQueueFilter,
  NO_FILTER,
  jobFilter,
  makeQueueView,
  nextSort,
  partitionChoices,
  queueView,
  sortJobs,
  stateGroup
} from '../components/queueView';
import { baseJob, manyJobs } from './jobs';

const ids = (jobs: readonly { id: string }[]) => jobs.map(j => j.id);
const filter = (extra: Partial<IQueueFilter>): IQueueFilter => ({
  ...NO_FILTER,
  ...extra
});

describe('stateGroup', () => {
  it('groups Slurm states as people filter them', () => {
    expect(stateGroup('PENDING')).toBe('pending');
    expect(stateGroup('REQUEUE_HOLD')).toBe('pending');
    expect(stateGroup('RUNNING')).toBe('running');
    expect(stateGroup('COMPLETING')).toBe('running');
    expect(stateGroup('SUSPENDED')).toBe('other');
    expect(stateGroup('FAILED')).toBe('other');
  });
});

describe('jobFilter', () => {
  const jobs = [
    { ...baseJob, id: '1', name: 'train resnet', user: 'alice' },
    {
      ...baseJob,
      id: '2',
      name: 'prep',
      user: 'bob',
      partition: 'debug',
      reason: 'Resources'
    },
    {
      ...baseJob,
      id: '30',
      name: 'Train BERT',
      user: 'carol',
      state: 'RUNNING',
      reason: '',
      nodes: 'node3'
    },
    { ...baseJob, id: '4', partition: 'batch,debug', user: 'dave' }
  ];
  const run = (f: Partial<IQueueFilter>) =>
    ids(jobs.filter(jobFilter(filter(f))));

  it('matches text in any field, case-insensitively', () => {
    expect(run({ text: 'train' })).toEqual(['1', '30']);
    expect(run({ text: 'BOB' })).toEqual(['2']);
    expect(run({ text: '30' })).toEqual(['30']);
    expect(run({ text: 'node3' })).toEqual(['30']);
    expect(run({ text: 'debug' })).toEqual(['2', '4']);
  });

  it('matches a reason by its token and by its words', () => {
    expect(run({ text: 'resources' })).toEqual(['2']);
    expect(run({ text: 'free nodes' })).toEqual(['2']);
  });

  it('needs every word to match', () => {
    expect(run({ text: 'train alice' })).toEqual(['1']);
    expect(run({ text: '  train   nobody ' })).toEqual([]);
  });

  it('filters by state group and partition, including multi-partition jobs', () => {
    expect(run({ state: 'running' })).toEqual(['30']);
    expect(run({ state: 'pending' })).toEqual(['1', '2', '4']);
    expect(run({ state: 'other' })).toEqual([]);
    expect(run({ partition: 'debug' })).toEqual(['2', '4']);
    expect(run({ partition: 'debug', text: 'prep' })).toEqual(['2']);
  });
});

describe('sortJobs', () => {
  const jobs = ['123_10', '99', '123_2', '123', '123+1', '123_[11-20]'].map(
    (id, i) => ({ ...baseJob, id, name: `n${5 - i}`, cpus: i % 2 })
  );

  it('orders job ids numerically, array tasks and het components after their job', () => {
    expect(ids(sortJobs(jobs, { key: 'id', descending: false }))).toEqual([
      '99',
      '123',
      '123_2',
      '123_10',
      '123_[11-20]',
      '123+1'
    ]);
  });

  it('reverses on descending and keeps the scheduler order among ties', () => {
    expect(ids(sortJobs(jobs, { key: 'cpus', descending: false }))).toEqual([
      '123_10',
      '123_2',
      '123+1',
      '99',
      '123',
      '123_[11-20]'
    ]);
    expect(ids(sortJobs(jobs, { key: 'cpus', descending: true }))).toEqual([
      '99',
      '123',
      '123_[11-20]',
      '123_10',
      '123_2',
      '123+1'
    ]);
  });

  it('puts pending jobs with an estimated start first by start, the rest last', () => {
    const timed = [
      { ...baseJob, id: 'a', start_time: null },
      { ...baseJob, id: 'b', start_time: '2026-11-25T15:00:00' },
      {
        ...baseJob,
        id: 'c',
        state: 'RUNNING',
        start_time: '2026-11-25T10:00:00'
      },
      { ...baseJob, id: 'd', start_time: '2026-11-25T13:00:00' }
    ];
    expect(ids(sortJobs(timed, { key: 'start', descending: false }))).toEqual([
      'd',
      'b',
      'a',
      'c'
    ]);
  });

  it('does not change its input', () => {
    const before = ids(jobs);
    sortJobs(jobs, { key: 'name', descending: false });
    expect(ids(jobs)).toEqual(before);
  });
});

describe('queueView', () => {
  const jobs = manyJobs(10_000);

  it('returns the jobs themselves when nothing is filtered or sorted', () => {
    expect(queueView(jobs, NO_FILTER, null)).toBe(jobs);
  });

  it('filters then sorts', () => {
    const rows = queueView(
      jobs,
      filter({ state: 'running', partition: 'debug' }),
      { key: 'id', descending: true }
    );
    expect(rows.length).toBe(833); // multiples of 12 up to 10,000
    expect(rows[0].id).toBe('9996');
    expect(
      rows.every(j => j.state === 'RUNNING' && j.partition === 'debug')
    ).toBe(true);
  });

  it('is memoized on the jobs array, the filter and the sort', () => {
    const view = makeQueueView();
    const sort = { key: 'name' as const, descending: false };
    const first = view(jobs, filter({ text: 'job 1' }), sort);
    // equal values in new objects (a re-render) reuse the rows
    expect(view(jobs, filter({ text: 'job 1' }), { ...sort })).toBe(first);
    expect(view(jobs, filter({ text: 'job 12' }), sort)).not.toBe(first);
    expect(view([...jobs], filter({ text: 'job 12' }), sort)).not.toBe(first);
  });

  it('filters and sorts 10,000 jobs quickly', () => {
    const t0 = performance.now();
    queueView(jobs, filter({ text: 'alice' }), {
      key: 'name',
      descending: false
    });
    // generous: jsdom on a shared CI core; the browser figures are in ui-tests/perf.spec.ts
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

describe('nextSort', () => {
  it('cycles ascending, descending, scheduler order', () => {
    const asc = nextSort(null, 'cpus');
    expect(asc).toEqual({ key: 'cpus', descending: false });
    const desc = nextSort(asc, 'cpus');
    expect(desc).toEqual({ key: 'cpus', descending: true });
    expect(nextSort(desc, 'cpus')).toBeNull();
    expect(nextSort(desc, 'name')).toEqual({ key: 'name', descending: false });
  });
});

describe('partitionChoices', () => {
  it('joins the scheduler’s partitions with those jobs name', () => {
    const jobs = [
      { ...baseJob, partition: 'gpu,debug' },
      { ...baseJob, partition: 'batch' }
    ];
    expect(partitionChoices(jobs, ['batch', 'long'])).toEqual([
      'batch',
      'debug',
      'gpu',
      'long'
    ]);
  });
});
