import * as React from 'react';

import { Trans } from '../trans';
import { IResubmitFields, IResubmitPlan } from './api';
import { duration, megabytes } from './format';

/** The fields a plan starts from: the suggestion where it has one, else what the job asked. */
export function initialFields(plan: IResubmitPlan): IResubmitFields {
  const job = plan.job;
  const s = plan.suggestion;
  return {
    cpus: s?.cpus ?? job.cpus ?? 1,
    mem_mb: s?.mem_mb ?? job.req_mem_mb ?? 1000,
    time_s: s?.time_s ?? job.time_limit_s ?? 3600
  };
}

export interface IResizeFormProps {
  plan: IResubmitPlan;
  fields: IResubmitFields;
  trans: Trans;
  onChange: (fields: IResubmitFields) => void;
}

/** The job's script, its request against the suggestion, and when each would start. Pure. */
export function ResizeForm(props: IResizeFormProps): JSX.Element {
  const { plan, fields, trans, onChange } = props;
  const { limits } = plan;
  const number = (
    name: keyof IResubmitFields,
    label: string,
    min: number,
    max: number | null,
    scale = 1
  ) => (
    <label className="jp-HpcResize-field">
      {label}
      <input
        type="number"
        aria-label={label}
        min={min}
        max={max === null ? undefined : Math.floor(max / scale)}
        value={Math.round(fields[name] / scale)}
        onChange={e => {
          const value = Math.round(Number(e.target.value) * scale);
          if (Number.isFinite(value)) {
            onChange({ ...fields, [name]: value });
          }
        }}
      />
    </label>
  );
  return (
    <div className="jp-HpcResize">
      <p>
        {trans(
          'Job %1 (%2) asked for %3 CPUs, %4 and %5; it used what the history shows.',
          plan.job.id,
          plan.job.name,
          plan.job.cpus ?? '?',
          megabytes(plan.job.req_mem_mb),
          duration(plan.job.time_limit_s)
        )}
      </p>
      <table className="jp-HpcResize-shapes">
        <thead>
          <tr>
            <th />
            <th>{trans('CPUs')}</th>
            <th>{trans('Memory')}</th>
            <th>{trans('Time')}</th>
            <th>{trans('Would start')}</th>
          </tr>
        </thead>
        <tbody>
          {plan.shapes.map(shape => (
            <tr key={shape.label} data-shape={shape.label}>
              <td>
                {shape.label === 'asked'
                  ? trans('As it asked')
                  : trans('Suggested')}
              </td>
              <td>{shape.cpus}</td>
              <td>{megabytes(shape.mem_mb)}</td>
              <td>{duration(shape.time_s)}</td>
              <td>{shape.start?.replace('T', ' ') ?? shape.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="jp-HpcResize-fields">
        {number('cpus', trans('CPUs'), 1, limits.max_cpus)}
        {number('mem_mb', trans('Memory (MB)'), 1, limits.max_mem_mb)}
        {number('time_s', trans('Time (minutes)'), 1, limits.max_time_s, 60)}
      </div>
      {plan.script ? (
        <pre className="jp-HpcResize-script" aria-label={trans('Job script')}>
          {plan.script}
        </pre>
      ) : (
        <p className="jp-HpcResize-noScript">
          {trans(
            'Slurm kept no script for this job, so it cannot be submitted again from here.'
          )}
        </p>
      )}
    </div>
  );
}
