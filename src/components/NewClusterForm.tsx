import * as React from 'react';

import {
  IAdvice,
  IPatienceSettings,
  IProfileChoice,
  IProfileField,
  IStartEstimate
} from '../api';
import { startsAt } from './format';
import { Trans } from '../trans';

export interface INewClusterFormProps {
  choices: IProfileChoice[];
  /** the notebook the cluster is for; null when none is open */
  notebook: string | null;
  busy: boolean;
  onCreate: (
    profile: string,
    overrides: Record<string, string | number>,
    options: ICreateOptions
  ) => void;
  onCancel: () => void;
  /** when N workers of this shape (and of the shapes the profile allows instead) would start */
  onAdvice?: (
    profile: string,
    overrides: Record<string, string | number>,
    n: number
  ) => Promise<IAdvice>;
  trans: Trans;
}

/** What a new cluster does once it runs. */
export interface ICreateOptions {
  /** workers to ask for at once */
  workers: number;
  /** resubmit worker jobs that wait longer than this in a shape that starts sooner; null: never */
  patience: IPatienceSettings | null;
}

/** Minutes a worker job may wait before patience resubmits it, as offered in the form. */
export const PATIENCE_MINUTES = 5;

/** "starts now", "starts in 19 min (08:37)", or why Slurm could not place it. */
export function startText(
  estimate: IStartEstimate,
  trans: Trans,
  now: number = Date.now()
): string {
  const at = (wait: number) => startsAt(now + Math.round(wait) * 1000, now);
  if (estimate.all_wait_s === null) {
    if (estimate.first_wait_s !== null) {
      const first =
        estimate.first_wait_s < 60 ? trans('now') : at(estimate.first_wait_s);
      return `${trans('first worker starts')} ${first}`;
    }
    return estimate.error ?? trans('Slurm cannot place this');
  }
  return estimate.all_wait_s < 60
    ? trans('starts now')
    : `${trans('starts')} ${at(estimate.all_wait_s)}`;
}

/** The profile as set is this estimate: its overrides are none or the form's own. */
function isAsSet(
  estimate: IStartEstimate,
  overrides: Record<string, string | number>
): boolean {
  return (
    Object.keys(estimate.overrides).length === 0 ||
    JSON.stringify(estimate.overrides) === JSON.stringify(overrides)
  );
}

/** Seconds until all workers of an estimate start; Infinity when Slurm cannot place them. */
function allWait(estimate: IStartEstimate): number {
  return estimate.all_wait_s ?? Infinity;
}

/**
 * The estimates worth showing: the shape as set, and only those other shapes that start
 * sooner than it (a suggestion no sooner than what is set is no suggestion).
 */
export function usefulEstimates(
  estimates: readonly IStartEstimate[],
  overrides: Record<string, string | number>
): IStartEstimate[] {
  const asSet = estimates.find(e => isAsSet(e, overrides));
  if (!asSet) {
    return [...estimates];
  }
  return estimates.filter(e => e === asSet || allWait(e) < allWait(asSet));
}

/** "2 × 4 cores, 00:30:00 in debug" (jobs: the estimate's own count, else the one given) */
export function shapeText(
  estimate: IStartEstimate,
  fallbackJobs: number,
  trans: Trans
): string {
  const jobs = estimate.jobs ?? fallbackJobs;
  const s = estimate.shape;
  const h = String(Math.floor(s.walltime_s / 3600)).padStart(2, '0');
  const m = String(Math.floor((s.walltime_s % 3600) / 60)).padStart(2, '0');
  const gres = s.gres ? ` + ${s.gres}` : '';
  return `${jobs} × ${s.cores} ${trans('cores')}${gres}, ${h}:${m} ${trans('in')} ${s.partition}`;
}

const LABELS: Record<string, string> = {
  cores: 'Cores per job',
  memory: 'Memory per job',
  processes: 'Workers per job',
  walltime: 'Time limit',
  partition: 'Partition',
  gres: 'GPUs'
};

/** Only the fields a profile leaves open, each with the bounds the server enforces. */
export function NewClusterForm(props: INewClusterFormProps): JSX.Element {
  const { choices, notebook, busy, trans } = props;
  const [name, setName] = React.useState(choices[0]?.profile.name ?? '');
  const [values, setValues] = React.useState<Record<string, string>>({});
  const [workers, setWorkers] = React.useState('0');
  const [advice, setAdvice] = React.useState<IAdvice | null>(null);
  const [adviceError, setAdviceError] = React.useState<string | null>(null);
  const [asking, setAsking] = React.useState(false);
  const [patient, setPatient] = React.useState(false);
  const choice = choices.find(c => c.profile.name === name) ?? choices[0];
  if (!choice) {
    return (
      <div className="jp-HpcEmpty">
        {trans(
          'No cluster profiles are configured. Ask your administrator, or define jobqueue.slurm in ~/.config/dask/jobqueue.yaml.'
        )}
      </div>
    );
  }
  const value = (field: IProfileField) =>
    values[`${name}:${field.name}`] ?? String(field.value);
  const overrides: Record<string, string | number> = {};
  for (const field of choice.fields) {
    const v = value(field);
    if (v !== String(field.value)) {
      overrides[field.name] = typeof field.value === 'number' ? Number(v) : v;
    }
  }
  return (
    <form
      className="jp-HpcNewCluster"
      aria-label={trans('New Dask cluster')}
      onSubmit={e => {
        e.preventDefault();
        props.onCreate(choice.profile.name, overrides, {
          workers: Math.max(
            0,
            Math.min(choice.profile.max_workers, Number(workers) || 0)
          ),
          patience: patient ? { after_s: PATIENCE_MINUTES * 60 } : null
        });
      }}
    >
      <label>
        {trans('Profile')}
        <select
          value={choice.profile.name}
          onChange={e => setName(e.target.value)}
        >
          {choices.map(c => (
            <option key={c.profile.name} value={c.profile.name}>
              {c.profile.name}
            </option>
          ))}
        </select>
      </label>
      {choice.profile.description ? (
        <p className="jp-HpcNewCluster-description">
          {choice.profile.description}
        </p>
      ) : null}
      {choice.fields.map(field => (
        <label key={field.name}>
          {trans(LABELS[field.name] ?? field.name)}
          {field.choices ? (
            <select
              name={field.name}
              value={value(field)}
              onChange={e =>
                setValues({
                  ...values,
                  [`${name}:${field.name}`]: e.target.value
                })
              }
            >
              {field.choices.map(c => (
                <option key={c} value={c}>
                  {c || trans('none')}
                </option>
              ))}
            </select>
          ) : (
            <input
              name={field.name}
              type={typeof field.value === 'number' ? 'number' : 'text'}
              min={field.min}
              max={field.max}
              value={value(field)}
              onChange={e =>
                setValues({
                  ...values,
                  [`${name}:${field.name}`]: e.target.value
                })
              }
            />
          )}
          {field.hint ? (
            <span className="jp-HpcNewCluster-hint">{field.hint}</span>
          ) : null}
        </label>
      ))}
      {props.onAdvice && choice.profile.scheduler === 'slurm' ? (
        <div className="jp-HpcNewCluster-advice">
          <label>
            {trans('Workers to start')}
            <input
              name="advice-workers"
              type="number"
              min={0}
              max={choice.profile.max_workers}
              value={workers}
              onChange={e => setWorkers(e.target.value)}
            />
          </label>
          <button
            type="button"
            disabled={asking}
            onClick={async () => {
              setAsking(true);
              setAdviceError(null);
              try {
                setAdvice(
                  await props.onAdvice!(
                    choice.profile.name,
                    overrides,
                    Math.max(1, Number(workers) || 1)
                  )
                );
              } catch (error) {
                setAdvice(null);
                setAdviceError(
                  error instanceof Error ? error.message : String(error)
                );
              } finally {
                setAsking(false);
              }
            }}
          >
            {asking ? trans('Asking Slurm…') : trans('When would they start?')}
          </button>
          {adviceError ? (
            <div className="jp-HpcBanner jp-mod-error" role="alert">
              {adviceError}
            </div>
          ) : null}
          {advice ? (
            <ul
              className="jp-HpcNewCluster-estimates"
              aria-label={trans('Start estimates')}
            >
              {usefulEstimates(advice.estimates, overrides).map((e, i) => (
                <li
                  key={i}
                  title={[e.why, e.basis].filter(Boolean).join(' · ')}
                >
                  <span>{shapeText(e, advice.jobs, trans)}</span>
                  <b>{startText(e, trans)}</b>
                  {!isAsSet(e, overrides) ? (
                    <button
                      type="button"
                      onClick={() => {
                        const next = { ...values };
                        for (const [k, v] of Object.entries(e.overrides)) {
                          next[`${name}:${k}`] = String(v);
                        }
                        setValues(next);
                        setWorkers(
                          String(
                            Math.min(
                              choice.profile.max_workers,
                              (e.jobs ?? advice.jobs) * choice.profile.processes
                            )
                          )
                        );
                        setAdvice(null);
                      }}
                    >
                      {trans('Use this')}
                    </button>
                  ) : (
                    <span className="jp-HpcNewCluster-current">
                      {trans('(as set)')}
                    </span>
                  )}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {choice.profile.scheduler === 'slurm' ? (
        <label className="jp-HpcNewCluster-patience">
          <input
            type="checkbox"
            name="patience"
            checked={patient}
            onChange={e => setPatient(e.target.checked)}
          />
          {`${trans('Resubmit workers still waiting after')} ${PATIENCE_MINUTES} ${trans(
            'min in a shape that starts sooner'
          )}`}
        </label>
      ) : null}
      <p className="jp-HpcNewCluster-for">
        {notebook
          ? `${trans('Workers use the Python of')} ${notebook}`
          : trans('No notebook is active: workers use the server’s Python.')}
      </p>
      <div className="jp-HpcNewCluster-buttons">
        <button type="submit" disabled={busy}>
          {busy
            ? trans('Starting…')
            : Number(workers) > 0
              ? `${trans('Create with')} ${Math.min(choice.profile.max_workers, Number(workers))} ${trans('workers')}`
              : trans('Create cluster')}
        </button>
        <button type="button" onClick={props.onCancel}>
          {trans('Cancel')}
        </button>
      </div>
    </form>
  );
}
