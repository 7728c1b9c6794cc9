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
import {
  ACTION_LABELS,
  absoluteTime,
  elapsedNow,
  expectedStartText,
  hetComponent,
  isHeld,
  jobActions,
  parseTime
} from './jobText';
import { Trans } from '../trans';
import { requestJobLog } from '../logs/events';

export interface IJobDetailsProps {
  job: IJob;
  /** the job is no longer in the list: these are its last known fields */
  gone: boolean;
  now: number;
  trans: Trans;
  /** the job is the user's own: offer its actions */
  canAct: boolean;
  onAction?: (job: IJob, action: JobAction) => void;
  onClose: () => void;
}

/** "2026-11-25 14:00:00 (in 2 h)", or '' when the scheduler gave no time. */
function when(iso: string | null, now: number): string {
  const ms = parseTime(iso);
  return ms === null ? '' : `${absoluteTime(iso)} (${relativeTime(ms, now)})`;
}

/**
 * GPUs in words with the scheduler's GRES string only where it says more: "1 GPU" for
 * "gpu:1", "2 GPUs (gpu:a100:2)" for a typed request, the string alone without GPUs.
 */
export function gresText(gres: string, gpus: number, trans: Trans): string {
  if (gpus === 0) {
    return gres;
  }
  const count = `${gpus} ${gpus === 1 ? trans('GPU') : trans('GPUs')}`;
  return gres === `gpu:${gpus}` ? count : `${count} (${gres})`;
}

/** Every field of a job the scheduler reported, as label and text; empty ones left out. */
export function jobFields(
  job: IJob,
  now: number,
  trans: Trans
): [string, string][] {
  const pending = job.state === 'PENDING';
  const elapsed = elapsedNow(job, now);
  const gpus = gpuCount(job.gres);
  const het = hetComponent(job.id);
  const reason =
    job.reason && (pending || job.reason !== 'None')
      ? `${describeReason(job.reason) || job.reason} (${job.reason})`
      : '';
  const estimate = expectedStartText(job, now, trans);
  const start =
    pending && estimate ? [estimate, absoluteTime(job.start_time)] : [];
  const fields: [string, string][] = [
    [trans('Name'), job.name],
    [trans('User'), job.user],
    [trans('Partition'), job.partition],
    [trans('State'), job.state],
    [pending ? trans('Waiting because') : trans('Reason'), reason],
    [
      trans('Expected start'),
      pending
        ? start.length > 0
          ? start.join(' · ')
          : isHeld(job)
            ? trans('when you release it')
            : trans('not estimated yet')
        : ''
    ],
    [trans('Started'), pending ? '' : when(job.start_time, now)],
    [trans('Submitted'), when(job.submit_time, now)],
    [trans('Time limit'), formatDuration(job.time_limit_s)],
    [trans('Elapsed'), pending ? '' : formatDuration(elapsed)],
    [
      trans('Time left'),
      !pending && job.time_limit_s !== null
        ? formatDuration(job.time_limit_s - elapsed)
        : ''
    ],
    [
      pending ? trans('Nodes requested') : trans('Nodes'),
      [String(job.node_count), job.nodes].filter(Boolean).join(' · ')
    ],
    [trans('CPUs'), String(job.cpus)],
    [
      trans('Memory'),
      job.memory_mb === null
        ? ''
        : `${formatMemory(job.memory_mb)}${job.memory_per_cpu ? ` ${trans('per CPU')}` : ''}`
    ],
    [trans('GRES'), gresText(job.gres, gpus, trans)],
    [trans('Priority'), job.priority === null ? '' : String(job.priority)],
    [
      trans('Array'),
      job.array_job_id
        ? `${trans('task')} ${job.array_task_id ?? '?'} ${trans('of array job')} ${job.array_job_id}`
        : ''
    ],
    [
      trans('Heterogeneous job'),
      het
        ? `${trans('component')} ${het.component} ${trans('of job')} ${het.jobId}`
        : ''
    ]
  ];
  return fields.filter(([, value]) => value !== '');
}

/** All of one job, with its actions when it is the user's: shown below the queue. */
export function JobDetails(props: IJobDetailsProps): JSX.Element {
  const { job, gone, now, trans, canAct, onAction, onClose } = props;
  return (
    <section
      className="jp-HpcQueue-details"
      aria-label={`${trans('Details of job')} ${job.id}`}
      data-job-id={job.id}
      onKeyDown={event => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <header className="jp-HpcQueue-detailsHeader">
        <span className="jp-HpcQueue-detailsTitle">
          {trans('Job')} {job.id}
        </span>
        <span className={`jp-HpcQueue-state jp-mod-${stateClass(job.state)}`}>
          {job.state}
        </span>
        <span className="jp-HpcQueue-detailsActions">
          {canAct && onAction && !gone
            ? jobActions(job).map(action => (
                <button
                  key={action}
                  className={`jp-HpcQueue-action jp-mod-${action}`}
                  aria-label={`${trans(ACTION_LABELS[action])} ${trans('job')} ${job.id}`}
                  onClick={() => onAction(job, action)}
                >
                  {trans(ACTION_LABELS[action])}
                </button>
              ))
            : null}
          {canAct ? (
            <button
              className="jp-HpcQueue-action jp-mod-log"
              onClick={e => requestJobLog(e.currentTarget, { jobId: job.id })}
            >
              {trans('Log')}
            </button>
          ) : null}
        </span>
        <button
          className="jp-HpcQueue-detailsClose"
          onClick={onClose}
          title={trans('Close the job details')}
          aria-label={trans('Close the job details')}
        >
          ×
        </button>
      </header>
      {gone ? (
        <p className="jp-HpcQueue-detailsGone">
          {trans(
            'This job is no longer in the list. These are its last known details.'
          )}
        </p>
      ) : null}
      <dl className="jp-HpcQueue-fields">
        {jobFields(job, now, trans).map(([label, value]) => (
          <React.Fragment key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </React.Fragment>
        ))}
      </dl>
    </section>
  );
}
