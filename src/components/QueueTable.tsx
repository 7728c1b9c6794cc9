import * as React from 'react';

import { IJob } from '../api';
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
}

function timeCell(job: IJob): string {
  const limit = formatDuration(job.time_limit_s);
  if (job.state === 'PENDING') {
    return limit;
  }
  return `${formatDuration(job.elapsed_s)} / ${limit}`;
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
  const { jobs, now, trans } = props;
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
            <td>{timeCell(job)}</td>
            <td className="jp-HpcQueue-where" title={job.reason || job.nodes}>
              {whenCell(job, now, trans)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
