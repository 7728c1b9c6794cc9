/**
 * A job's fields as the queue and its details show them; pure functions of a job and the clock.
 */
import { IJob, JobAction } from '../api';
import { describeReason, formatDuration, startsAt } from './format';
import { Trans } from '../trans';

/** The actions that make sense for a job in its current state. */
export function jobActions(job: IJob): JobAction[] {
  if (job.state === 'PENDING') {
    return isHeld(job) ? ['release', 'cancel'] : ['hold', 'cancel'];
  }
  if (['RUNNING', 'SUSPENDED', 'CONFIGURING', 'REQUEUED'].includes(job.state)) {
    return ['cancel'];
  }
  return [];
}

export const ACTION_LABELS: Record<JobAction, string> = {
  cancel: 'Cancel',
  hold: 'Hold',
  release: 'Release'
};

/** Elapsed seconds, counted on from the start time while the job runs. */
export function elapsedNow(job: IJob, now: number): number {
  if (job.state === 'RUNNING' && job.start_time) {
    const start = Date.parse(job.start_time);
    if (Number.isFinite(start)) {
      return Math.max(job.elapsed_s, Math.floor((now - start) / 1000));
    }
  }
  return job.elapsed_s;
}

/** "limit" while pending, "elapsed / limit" after. */
export function timeText(job: IJob, now: number): string {
  const limit = formatDuration(job.time_limit_s);
  if (job.state === 'PENDING') {
    return limit;
  }
  return `${formatDuration(elapsedNow(job, now))} / ${limit}`;
}

/** Milliseconds since the epoch of an ISO time from the scheduler, or null. */
export function parseTime(iso: string | null): number | null {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(ms) ? ms : null;
}

/** The job is held (by its user or an administrator): it starts when released, not before. */
export function isHeld(job: IJob): boolean {
  return job.state === 'PENDING' && job.reason.startsWith('JobHeld');
}

/**
 * The scheduler's estimated start of a pending job as "in 2 h (14:00)"; '' when it has none
 * or the job is held (the scheduler's figure for a held job is no start at all).
 */
export function expectedStartText(
  job: IJob,
  now: number,
  trans: Trans
): string {
  if (job.state !== 'PENDING' || isHeld(job)) {
    return '';
  }
  const start = parseTime(job.start_time);
  if (start === null) {
    return '';
  }
  // an estimate that has passed means "at the next scheduling pass", not "ago"
  return start <= now ? trans('soon') : startsAt(start, now);
}

/** Where a job runs, or why it waits, in words. */
export function whereText(job: IJob): string {
  if (job.state === 'PENDING') {
    return describeReason(job.reason);
  }
  if (!job.nodes) {
    return job.reason === 'None' ? '' : describeReason(job.reason);
  }
  return job.nodes;
}

/** "1234+1" is component 1 of heterogeneous job 1234. */
export function hetComponent(
  id: string
): { jobId: string; component: number } | null {
  const match = /^(\d+)\+(\d+)$/.exec(id);
  return match ? { jobId: match[1], component: Number(match[2]) } : null;
}

/** A scheduler time in the browser's time zone as "2026-11-25 14:00:00"; '' when unknown. */
export function absoluteTime(iso: string | null): string {
  const ms = parseTime(iso);
  if (ms === null) {
    return iso ?? '';
  }
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}
