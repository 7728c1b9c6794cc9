/**
 * Pure formatting helpers: scheduler values in words people read.
 */

/** "1-02:03:04" style durations, or "∞" when there is no limit. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) {
    return '∞';
  }
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const secs = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock =
    hours > 0 || days > 0
      ? `${hours}:${pad(minutes)}:${pad(secs)}`
      : `${minutes}:${pad(secs)}`;
  return days > 0
    ? `${days}-${pad(hours)}:${pad(minutes)}:${pad(secs)}`
    : clock;
}

/** Megabytes as "512 MB", "16 GB", "1.5 TB". */
export function formatMemory(mb: number | null): string {
  if (mb === null) {
    return '—';
  }
  if (mb >= 1024 * 1024) {
    return `${trim(mb / (1024 * 1024))} TB`;
  }
  // from 1000 MB on in GB, so "1000 MB" never stands beside "2 GB"
  if (mb >= 1000) {
    return `${trim(mb / 1024)} GB`;
  }
  return `${mb} MB`;
}

function trim(value: number): string {
  return value >= 10 ? value.toFixed(0) : value.toFixed(1).replace(/\.0$/, '');
}

/** GPUs requested from a GRES string such as "gpu:2" or "gpu:a100:1,shard:2". */
export function gpuCount(gres: string): number {
  let total = 0;
  for (const part of gres.split(',')) {
    const fields = part.trim().split(':');
    if (fields[0] !== 'gpu' || fields.length < 2) {
      continue;
    }
    const count = parseInt(fields[fields.length - 1], 10);
    total += Number.isFinite(count) ? count : 1;
  }
  return total;
}

const REASONS: Record<string, string> = {
  Priority: 'other jobs are ahead of it',
  Resources: 'waiting for free nodes',
  Dependency: 'waiting for another job to finish',
  DependencyNeverSatisfied: 'its dependency can never be met',
  JobHeldUser: 'held by you',
  JobHeldAdmin: 'held by an administrator',
  BeginTime: 'asked to start later',
  PartitionTimeLimit: 'time limit is above the partition maximum',
  PartitionNodeLimit: 'asks for more nodes than the partition allows',
  PartitionDown: 'partition is down',
  PartitionInactive: 'partition is inactive',
  ReqNodeNotAvail: 'a requested node is not available',
  QOSMaxJobsPerUserLimit: 'you reached the most jobs you may run at once',
  QOSMaxCpuPerUserLimit: 'you reached the most CPUs you may use at once',
  AssocMaxJobsLimit: 'your account reached its job limit',
  AssocGrpCpuLimit: 'your group reached its CPU limit',
  Reservation: 'waiting for its reservation',
  launch_failed_requeued_held: 'launch failed; held after requeue',
  BadConstraints: 'its constraints cannot be met',
  JobArrayTaskLimit: 'the array already runs as many tasks as it may',
  Nodes_required_for_job_are_DOWN: 'needed nodes are down',
  'Nodes_required_for_job_are_DOWN,_DRAINED_or_reserved_for_jobs_in_higher_priority_partitions':
    'needed nodes are down, drained or reserved',
  // pending with no reason yet: the scheduler has not looked at it since it changed
  None: 'waiting for the scheduler to consider it'
};

/** A pending reason token in plain words; unknown tokens are shown readable, never dropped. */
export function describeReason(reason: string): string {
  if (!reason) {
    return '';
  }
  const known = REASONS[reason];
  if (known !== undefined) {
    return known;
  }
  return reason.replace(/_/g, ' ');
}

/** "in 5 min", "3 min ago", "now" relative to `now` (both in ms since the epoch). */
export function relativeTime(when: number, now: number): string {
  const delta = Math.round((when - now) / 1000);
  const abs = Math.abs(delta);
  if (abs < 5) {
    return 'now';
  }
  let text: string;
  if (abs < 60) {
    text = `${abs} s`;
  } else if (abs < 3600) {
    text = `${Math.round(abs / 60)} min`;
  } else if (abs < 86400) {
    text = `${(abs / 3600).toFixed(abs < 36000 ? 1 : 0).replace(/\.0$/, '')} h`;
  } else {
    text = `${Math.round(abs / 86400)} d`;
  }
  return delta > 0 ? `in ${text}` : `${text} ago`;
}

/**
 * A time of day as a person reads it next to "in 21 min": "08:37" today, "Tue 08:37" within
 * a week, "Dec 3 08:37" later (browser time zone).
 */
export function clockTime(when: number, now: number): string {
  const d = new Date(when);
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) {
    return clock;
  }
  const days = (when - now) / 86400_000;
  if (days > 0 && days < 6) {
    return `${d.toLocaleDateString('en', { weekday: 'short' })} ${clock}`;
  }
  return `${d.toLocaleDateString('en', { month: 'short', day: 'numeric' })} ${clock}`;
}

/** A time to come as "in 21 min (08:37)": the wait and the clock time it ends. */
export function startsAt(when: number, now: number): string {
  return `${relativeTime(when, now)} (${clockTime(when, now)})`;
}

/** Lower-case state class name for styling, e.g. "RUNNING" -> "running". */
export function stateClass(state: string): string {
  return state.toLowerCase().replace(/[^a-z]+/g, '-');
}
