/**
 * What changed between two updates of the model that a person should hear about: own jobs
 * started or ended, all workers of a cluster connected, the scheduler stopped or started
 * answering. Pure: the notifier keeps the previous state and calls `notificationEvents`.
 */
import { ICluster, IJob, WORKER_JOB_PREFIX } from '../api';

/** What notifications compare between two updates of the model. */
export interface INotifierState {
  /** the model has scheduler state: a first snapshot arrived */
  loaded: boolean;
  /** jobs, at least the user's own (others are ignored) */
  jobs: ReadonlyMap<string, IJob>;
  clusters: readonly ICluster[];
  /** the scheduler did not answer: the jobs are the last known */
  unreachable: boolean;
  schedulerError: string | null;
}

/**
 * How one of the user's jobs changed. squeue shows only pending, running, suspended and
 * completing jobs, so a job usually just leaves the queue and how it ended is not known here:
 * `ended` (last seen started) and `left` (last seen pending) say only that. `finished`,
 * `failed` and `cancelled` are for backends that do show end states; `cancelled` is also a
 * job cancelled here that left the queue.
 */
export type JobChange =
  'started' | 'finished' | 'failed' | 'cancelled' | 'ended' | 'left';

export interface IJobEvent {
  kind: 'job';
  change: JobChange;
  /** the job as last seen (for `ended` and `left`, before it left the queue) */
  job: IJob;
}

export type NotificationEvent =
  | IJobEvent
  /** more than MAX_JOB_EVENTS job events in one update, told as one */
  | { kind: 'jobs'; events: IJobEvent[] }
  /** all workers a cluster asked for are connected */
  | { kind: 'workers'; cluster: ICluster }
  | { kind: 'unreachable'; error: string | null }
  | { kind: 'reachable' };

/** More job events than this in one update become one summary notification. */
export const MAX_JOB_EVENTS = 5;

const WAITING = new Set(['PENDING', 'CONFIGURING', 'REQUEUED']);
const FAILED = new Set([
  'FAILED',
  'TIMEOUT',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'BOOT_FAIL',
  'DEADLINE',
  'PREEMPTED'
]);
const ENDED = new Set([...FAILED, 'COMPLETED', 'CANCELLED']);

function endChange(state: string): JobChange | null {
  if (state === 'COMPLETED') {
    return 'finished';
  }
  if (state === 'CANCELLED') {
    return 'cancelled';
  }
  return FAILED.has(state) ? 'failed' : null;
}

/** A job id names the job, an array job (1234 for 1234_5) or a heterogeneous job (1234 for 1234+1). */
export function isQuiet(job: IJob, quiet: ReadonlySet<string>): boolean {
  return (
    quiet.has(job.id) ||
    (job.array_job_id !== null && quiet.has(job.array_job_id)) ||
    quiet.has(job.id.split('+')[0])
  );
}

function jobChange(before: IJob, after: IJob | undefined): JobChange | null {
  if (ENDED.has(before.state)) {
    return null; // told when it reached that state, or it was already over when first seen
  }
  if (!after) {
    return WAITING.has(before.state) ? 'left' : 'ended';
  }
  if (after.state === 'RUNNING' && WAITING.has(before.state)) {
    return 'started';
  }
  return endChange(after.state);
}

/** A job the user cancelled here: told once, as cancelled, when the scheduler shows it so. */
function cancelledHere(
  before: IJob,
  after: IJob | undefined
): JobChange | null {
  if (ENDED.has(before.state)) {
    return null;
  }
  if (!after) {
    return 'cancelled';
  }
  return after.state === 'CANCELLED' ? 'cancelled' : null;
}

function allConnected(cluster: ICluster): boolean {
  const { requested, connected } = cluster.counts;
  return requested > 0 && connected >= requested;
}

/**
 * The notifications due between two states of the model: the user's own jobs that started
 * or ended, clusters whose requested workers are all connected, the scheduler lost or back.
 * The first state never notifies (everything in it would be news). Dask worker jobs are told
 * as their cluster; `quiet` holds ids of jobs the user cancelled here: told as cancelled when
 * they leave the queue, whatever state they were last seen in.
 */
export function notificationEvents(
  before: INotifierState | null,
  after: INotifierState,
  user: string | null,
  quiet: ReadonlySet<string> = new Set()
): NotificationEvent[] {
  if (!before || !before.loaded || !after.loaded) {
    return [];
  }
  const events: NotificationEvent[] = [];
  if (!before.unreachable && after.unreachable) {
    events.push({ kind: 'unreachable', error: after.schedulerError });
  } else if (before.unreachable && !after.unreachable) {
    events.push({ kind: 'reachable' });
  }

  const jobEvents: IJobEvent[] = [];
  // a pending array record (1234_[1-9]) changes its id as tasks start: not gone while any part is
  const arrays = new Set(
    [...after.jobs.values()].map(j => j.array_job_id).filter(id => id !== null)
  );
  if (user !== null) {
    for (const [id, old] of before.jobs) {
      if (old.user !== user || old.name.startsWith(WORKER_JOB_PREFIX)) {
        continue;
      }
      const now = after.jobs.get(id);
      if (!now && old.array_job_id !== null && arrays.has(old.array_job_id)) {
        continue;
      }
      // cancelled here: its going is the cancel done, not a job that ended on its own
      const change = isQuiet(old, quiet)
        ? cancelledHere(old, now)
        : jobChange(old, now);
      if (change) {
        jobEvents.push({ kind: 'job', change, job: now ?? old });
      }
    }
  }
  if (jobEvents.length > MAX_JOB_EVENTS) {
    events.push({ kind: 'jobs', events: jobEvents });
  } else {
    events.push(...jobEvents);
  }

  const previous = new Map(before.clusters.map(c => [c.id, c]));
  for (const cluster of after.clusters) {
    const old = previous.get(cluster.id);
    if (
      old &&
      cluster.adapt === null && // adaptive clusters come and go with the work: not news
      allConnected(cluster) &&
      !allConnected(old) &&
      cluster.counts.connected > old.counts.connected
    ) {
      events.push({ kind: 'workers', cluster });
    }
  }
  return events;
}
