import * as React from 'react';

import { IProfileChoice, IProfileField } from '../api';

export interface INewClusterFormProps {
  choices: IProfileChoice[];
  /** the notebook the cluster is for; null when none is open */
  notebook: string | null;
  busy: boolean;
  onCreate: (
    profile: string,
    overrides: Record<string, string | number>
  ) => void;
  onCancel: () => void;
  trans: (text: string) => string;
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
        props.onCreate(choice.profile.name, overrides);
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
      <p className="jp-HpcNewCluster-for">
        {notebook
          ? `${trans('Workers use the Python of')} ${notebook}`
          : trans('No notebook is active: workers use the server’s Python.')}
      </p>
      <div className="jp-HpcNewCluster-buttons">
        <button type="submit" disabled={busy}>
          {busy ? trans('Starting…') : trans('Create cluster')}
        </button>
        <button type="button" onClick={props.onCancel}>
          {trans('Cancel')}
        </button>
      </div>
    </form>
  );
}
