import * as React from 'react';

import { IJob, JobAction } from '../api';
import {
  describeReason,
  formatDuration,
  formatMemory,
  gpuCount,
  relativeTime,
  stateClass
} from './format';

export interface IQueueTableProps {
  jobs: readonly IJob[];
  /** ms since the epoch, to render relative times */
  now: number;
  trans: (text: string) => string;
  /** the Unix user whose jobs may be acted on; null: no actions */
  user: string | null;
  onAction?: (job: IJob, action: JobAction) => void;
}

/** The actions that make sense for a job in its current state. */
export function jobActions(job: IJob): JobAction[] {
  if (job.state === 'PENDING') {
    return job.reason.startsWith('JobHeld')
      ? ['release', 'cancel']
      : ['hold', 'cancel'];
  }
  if (['RUNNING', 'SUSPENDED', 'CONFIGURING', 'REQUEUED'].includes(job.state)) {
    return ['cancel'];
  }
  return [];
}

const ACTION_LABELS: Record<JobAction, string> = {
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

function timeCell(job: IJob, now: number): string {
  const limit = formatDuration(job.time_limit_s);
  if (job.state === 'PENDING') {
    return limit;
  }
  return `${formatDuration(elapsedNow(job, now))} / ${limit}`;
}

function whenCell(
  job: IJob,
  now: number,
  trans: (t: string) => string
): string {
  const reason = describeReason(job.reason);
  if (job.state === 'PENDING') {
    const start = job.start_time ? Date.parse(job.start_time) : NaN;
    const eta = Number.isFinite(start)
      ? `${trans('starts')} ${relativeTime(start, now)}`
      : '';
    return [reason, eta].filter(Boolean).join(' · ');
  }
  return job.nodes || reason;
}

/** The queue as a table: one row per job, id at the left. */
export function QueueTable(props: IQueueTableProps): JSX.Element {
  const { jobs, now, trans, user, onAction } = props;
  return (
    <table className="jp-HpcQueue-table" aria-label={trans('Job queue')}>
      <thead>
        <tr>
          <th>{trans('Job')}</th>
          <th>{trans('Name')}</th>
          <th>{trans('User')}</th>
          <th>{trans('Partition')}</th>
          <th>{trans('State')}</th>
          <th className="jp-HpcQueue-num">{trans('CPUs')}</th>
          <th className="jp-HpcQueue-num">{trans('Memory')}</th>
          <th className="jp-HpcQueue-num">{trans('GPUs')}</th>
          <th>{trans('Time / limit')}</th>
          <th>{trans('Nodes or reason')}</th>
          <th>
            <span className="jp-HpcQueue-srOnly">{trans('Actions')}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {jobs.map(job => (
          <tr
            key={job.id}
            data-job-id={job.id}
            className={`jp-HpcQueue-row jp-mod-${stateClass(job.state)}`}
          >
            <td className="jp-HpcQueue-id">{job.id}</td>
            <td className="jp-HpcQueue-name" title={job.name}>
              {job.name}
            </td>
            <td>{job.user}</td>
            <td>{job.partition}</td>
            <td>
              <span
                className={`jp-HpcQueue-state jp-mod-${stateClass(job.state)}`}
              >
                {job.state}
              </span>
            </td>
            <td className="jp-HpcQueue-num">{job.cpus}</td>
            <td className="jp-HpcQueue-num">
              {formatMemory(job.memory_mb)}
              {job.memory_per_cpu ? trans('/CPU') : ''}
            </td>
            <td className="jp-HpcQueue-num">{gpuCount(job.gres) || ''}</td>
            <td>{timeCell(job, now)}</td>
            <td className="jp-HpcQueue-where" title={job.reason || job.nodes}>
              {whenCell(job, now, trans)}
            </td>
            <td className="jp-HpcQueue-actions">
              {onAction && user !== null && job.user === user
                ? jobActions(job).map(action => (
                    <button
                      key={action}
                      className={`jp-HpcQueue-action jp-mod-${action}`}
                      title={`${trans(ACTION_LABELS[action])} ${job.id}`}
                      aria-label={`${trans(ACTION_LABELS[action])} ${trans('job')} ${job.id}`}
                      onClick={() => onAction(job, action)}
                    >
                      {trans(ACTION_LABELS[action])}
                    </button>
                  ))
                : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
