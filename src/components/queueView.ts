/**
 * What the queue shows: the model's jobs filtered and sorted, as pure functions.
 * `makeQueueView` memoizes on (jobs array identity, filter, sort) so renders that change
 * neither (the clock tick, another section's update) reuse the last list.
 */
import { IJob } from '../api';
import { describeReason, gpuCount } from './format';
import { expandHostlist } from './hostlist';

export type StateGroup = 'all' | 'pending' | 'running' | 'other';

export interface IQueueFilter {
  /** words that must all appear in the id, name, user, partition, reason or nodes */
  text: string;
  state: StateGroup;
  /** '' for every partition */
  partition: string;
  /** only jobs running on this node ('' or absent: any node); set by clicking a node tile */
  node?: string;
}

export type SortKey =
  | 'id'
  | 'name'
  | 'user'
  | 'partition'
  | 'state'
  | 'cpus'
  | 'memory'
  | 'gpus'
  | 'time'
  | 'start'
  | 'where';

export interface IQueueSort {
  key: SortKey;
  descending: boolean;
}

export const NO_FILTER: IQueueFilter = {
  text: '',
  state: 'all',
  partition: ''
};

const PENDING_STATES = new Set([
  'PENDING',
  'REQUEUE_HOLD',
  'REQUEUE_FED',
  'RESV_DEL_HOLD'
]);
// Jobs that hold nodes right now.
const RUNNING_STATES = new Set(['RUNNING', 'CONFIGURING', 'COMPLETING']);

/** The filter group of a Slurm job state. */
export function stateGroup(state: string): Exclude<StateGroup, 'all'> {
  if (PENDING_STATES.has(state)) {
    return 'pending';
  }
  return RUNNING_STATES.has(state) ? 'running' : 'other';
}

export function isFiltered(filter: IQueueFilter): boolean {
  return (
    filter.text.trim() !== '' ||
    filter.state !== 'all' ||
    filter.partition !== '' ||
    !!filter.node
  );
}

// Job records are replaced, never mutated, by snapshots and deltas: derived values can be
// cached per record.
const haystacks = new WeakMap<IJob, string>();

function haystack(job: IJob): string {
  let text = haystacks.get(job);
  if (text === undefined) {
    text = [
      job.id,
      job.name,
      job.user,
      job.partition,
      job.reason,
      describeReason(job.reason),
      job.nodes
    ]
      .join('\n')
      .toLowerCase();
    haystacks.set(job, text);
  }
  return text;
}

const nodeLists = new WeakMap<IJob, readonly string[]>();

/** The nodes a job runs on, from its Slurm host list ("node[1-3]"), cached per record. */
export function jobNodes(job: IJob): readonly string[] {
  let names = nodeLists.get(job);
  if (names === undefined) {
    names = expandHostlist(job.nodes);
    nodeLists.set(job, names);
  }
  return names;
}

/** Pending jobs can be queued in several partitions at once ("batch,debug"). */
export function jobPartitions(job: IJob): string[] {
  return job.partition.split(',').filter(Boolean);
}

/** The filter as one predicate; words in the text all have to match. */
export function jobFilter(filter: IQueueFilter): (job: IJob) => boolean {
  const words = filter.text.toLowerCase().split(/\s+/).filter(Boolean);
  const { state, partition } = filter;
  const node = filter.node ?? '';
  return job => {
    if (node !== '' && !jobNodes(job).includes(node)) {
      return false;
    }
    if (state !== 'all' && stateGroup(job.state) !== state) {
      return false;
    }
    if (
      partition !== '' &&
      job.partition !== partition &&
      !jobPartitions(job).includes(partition)
    ) {
      return false;
    }
    if (words.length > 0) {
      const text = haystack(job);
      for (const word of words) {
        if (!text.includes(word)) {
          return false;
        }
      }
    }
    return true;
  };
}

type SortValue = number | string;

const GROUP_ORDER = { running: 0, pending: 1, other: 2 };

/** Job ids in numeric order: "99" < "123" < "123_2" < "123_10" < "123_[11-20]" < "123+1". */
function idValue(id: string): number {
  const match = /^(\d+)(?:[_+]\[?(\d+))?/.exec(id);
  if (!match) {
    return Number.MAX_SAFE_INTEGER;
  }
  const sub = match[2] === undefined ? -1 : Number(match[2]);
  return Number(match[1]) * 1e7 + sub + (id.includes('+') ? 5e6 : 0);
}

function timeValue(iso: string | null): number {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(ms) ? ms : Number.MAX_SAFE_INTEGER;
}

/** The value a column sorts by; numbers where the column is a number. */
export function sortValue(job: IJob, key: SortKey): SortValue {
  switch (key) {
    case 'id':
      return idValue(job.id);
    case 'name':
      return job.name.toLowerCase();
    case 'user':
      return job.user;
    case 'partition':
      return job.partition;
    case 'state':
      return `${GROUP_ORDER[stateGroup(job.state)]}${job.state}`;
    case 'cpus':
      return job.cpus;
    case 'memory':
      return (job.memory_mb ?? -1) * (job.memory_per_cpu ? job.cpus : 1);
    case 'gpus':
      return gpuCount(job.gres);
    case 'time':
      // elapsed first (running jobs), then the limit; no limit sorts last
      return job.elapsed_s * 1e7 + (job.time_limit_s ?? 9999999);
    case 'start':
      return stateGroup(job.state) === 'pending'
        ? timeValue(job.start_time)
        : Number.MAX_SAFE_INTEGER;
    case 'where':
      return job.nodes || describeReason(job.reason);
  }
}

/** A sorted copy; ties keep the scheduler's order, in either direction. */
export function sortJobs(jobs: readonly IJob[], sort: IQueueSort): IJob[] {
  const keyed = jobs.map((job, index) => ({
    job,
    index,
    value: sortValue(job, sort.key)
  }));
  const sign = sort.descending ? -1 : 1;
  keyed.sort((a, b) => {
    if (a.value < b.value) {
      return -sign;
    }
    if (a.value > b.value) {
      return sign;
    }
    return a.index - b.index;
  });
  return keyed.map(k => k.job);
}

/** The rows to show. With no filter and no sort this is `jobs` itself. */
export function queueView(
  jobs: readonly IJob[],
  filter: IQueueFilter,
  sort: IQueueSort | null
): readonly IJob[] {
  const filtered = isFiltered(filter) ? jobs.filter(jobFilter(filter)) : jobs;
  return sort ? sortJobs(filtered, sort) : filtered;
}

/** `queueView` with a one-entry cache on its arguments. */
export function makeQueueView(): typeof queueView {
  let last: {
    jobs: readonly IJob[];
    filter: IQueueFilter;
    sort: IQueueSort | null;
    rows: readonly IJob[];
  } | null = null;
  return (jobs, filter, sort) => {
    if (
      last !== null &&
      last.jobs === jobs &&
      last.filter.text === filter.text &&
      last.filter.state === filter.state &&
      last.filter.partition === filter.partition &&
      (last.filter.node ?? '') === (filter.node ?? '') &&
      last.sort?.key === sort?.key &&
      last.sort?.descending === sort?.descending
    ) {
      return last.rows;
    }
    const rows = queueView(jobs, filter, sort);
    last = { jobs, filter, sort, rows };
    return rows;
  };
}

/** Column header clicks: ascending, then descending, then the scheduler's order. */
export function nextSort(
  current: IQueueSort | null,
  key: SortKey
): IQueueSort | null {
  if (current?.key !== key) {
    return { key, descending: false };
  }
  return current.descending ? null : { key, descending: true };
}

/** Partitions to offer in the filter: the scheduler's, plus any a job names. */
export function partitionChoices(
  jobs: readonly IJob[],
  known: readonly string[]
): string[] {
  const names = new Set(known);
  for (const job of jobs) {
    if (!names.has(job.partition)) {
      for (const name of jobPartitions(job)) {
        names.add(name);
      }
    }
  }
  return [...names].sort();
}
