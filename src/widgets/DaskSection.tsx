import * as React from 'react';

import { ICluster, IProfileChoice } from '../api';
import { ClusterCard, IClusterCallbacks } from '../components/ClusterCard';
import { ICreateOptions, NewClusterForm } from '../components/NewClusterForm';
import { IHpcModel } from '../tokens';
import { Trans } from '../trans';

export interface IDaskSectionProps extends IClusterCallbacks {
  model: IHpcModel;
  /** path of the active notebook, if one is open */
  notebook: string | null;
  onCreate: (
    profile: string,
    overrides: Record<string, string | number>,
    options: ICreateOptions
  ) => Promise<ICluster | null>;
  trans: Trans;
  /** changes when someone asked (e.g. from the palette) for the new-cluster form */
  formRequest: number;
}

function useNow(ms: number): number {
  const [now, setNow] = React.useState(Date.now());
  React.useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
  return now;
}

/** The user's Dask clusters as cards, and the form that makes a new one. */
export function DaskSection(props: IDaskSectionProps): JSX.Element {
  const { model, notebook, trans } = props;
  const now = useNow(5000);
  const [choices, setChoices] = React.useState<IProfileChoice[] | null>(null);
  const [formError, setFormError] = React.useState<string | null>(null);
  const [creating, setCreating] = React.useState(false);
  const [newest, setNewest] = React.useState<string | null>(null);
  const current = model.clusterForNotebook(notebook);
  // e.g. Dask is not installed on the server: the server's message says what to install
  const unavailable = model.clustersUnavailable;
  const listRef = React.useRef<HTMLDivElement>(null);

  React.useEffect(() => {
    // after "Create", bring the new card into view
    if (newest && listRef.current) {
      listRef.current
        .querySelector(`[data-cluster-id="${newest}"]`)
        ?.scrollIntoView({ block: 'nearest' });
    }
  }, [newest, model.clusters.length]);

  const openForm = async () => {
    setFormError(null);
    try {
      setChoices(await model.profiles());
    } catch (error) {
      setFormError(error instanceof Error ? error.message : String(error));
    }
  };

  React.useEffect(() => {
    if (props.formRequest > 0) {
      void openForm();
    }
  }, [props.formRequest]);

  // read-only access: the server would refuse every action (GET status's can_write)
  const readOnly = model.status?.can_write === false;
  return (
    <section className="jp-HpcDask" aria-label={trans('Dask clusters')}>
      <div className="jp-HpcDask-toolbar">
        {readOnly ? null : (
          <button
            className="jp-HpcDask-new"
            onClick={() => void openForm()}
            disabled={choices !== null || unavailable !== null}
          >
            {trans('New cluster')}
          </button>
        )}
        <span className="jp-HpcDask-note">
          {notebook
            ? `${trans('for')} ${notebook}`
            : trans('Open a notebook to create a cluster for it')}
        </span>
      </div>
      {formError ? (
        <div className="jp-HpcBanner jp-mod-error" role="alert">
          {formError}
        </div>
      ) : null}
      {model.clustersNotice ? (
        <div className="jp-HpcBanner jp-mod-info" role="status">
          {model.clustersNotice}
        </div>
      ) : null}
      {choices !== null ? (
        <NewClusterForm
          choices={choices}
          notebook={notebook}
          busy={creating}
          trans={trans}
          onCancel={() => setChoices(null)}
          onAdvice={(profile, overrides, n) =>
            model.advice({ profile, overrides, n })
          }
          onCreate={async (profile, overrides, options) => {
            setCreating(true);
            setFormError(null);
            try {
              const made = await props.onCreate(profile, overrides, options);
              if (made) {
                setNewest(made.id);
                setChoices(null);
              }
            } catch (error) {
              setFormError(
                error instanceof Error ? error.message : String(error)
              );
            } finally {
              setCreating(false);
            }
          }}
        />
      ) : null}
      <div className="jp-HpcDask-list" ref={listRef}>
        {unavailable !== null ? (
          <div className="jp-HpcEmpty" role="status">
            {trans('Dask clusters are not available on this server:')}{' '}
            {unavailable}
          </div>
        ) : null}
        {model.clusters.length === 0 && choices === null && !unavailable ? (
          <div className="jp-HpcEmpty">
            {trans(
              'No Dask clusters yet. “New cluster” starts one whose workers are Slurm jobs running this notebook’s Python.'
            )}
          </div>
        ) : null}
        {model.clusters.map(cluster => (
          <ClusterCard
            key={cluster.id}
            cluster={cluster}
            current={current?.id === cluster.id}
            now={now}
            trans={trans}
            onScale={props.onScale}
            onAdapt={props.onAdapt}
            onConnect={props.onConnect}
            onDashboard={props.onDashboard}
            onDashboardMenu={props.onDashboardMenu}
            onShutdown={props.onShutdown}
            onPatience={props.onPatience}
            readOnly={readOnly}
          />
        ))}
      </div>
    </section>
  );
}
