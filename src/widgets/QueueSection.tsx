import * as React from 'react';

import { JobDetails } from '../components/JobDetails';
import { QueueTable } from '../components/QueueTable';
import { QueueToolbar } from '../components/QueueToolbar';
import {
  IQueueFilter,
  IQueueSort,
  NO_FILTER,
  makeQueueView,
  nextSort,
  partitionChoices
} from '../components/queueView';
import { IJob, JobAction } from '../api';
import { IHpcModel } from '../tokens';
import { Trans } from '../trans';

/** How the queue is filtered and sorted; the panel keeps it while other sections show. */
export interface IQueueViewState {
  filter: IQueueFilter;
  sort: IQueueSort | null;
}

export const DEFAULT_QUEUE_VIEW: IQueueViewState = {
  filter: NO_FILTER,
  sort: null
};

export interface IQueueSectionProps {
  model: IHpcModel;
  trans: Trans;
  onAction: (job: IJob, action: JobAction) => void;
  /** the job whose details are open changed (null: none), for commands that act on it */
  onSelect?: (job: IJob | null) => void;
  /** open the queue in a main-area tab (not offered when not given) */
  onOpenTab?: () => void;
  view: IQueueViewState;
  onView: (view: IQueueViewState) => void;
}

/** Re-render every `ms` so relative times stay true. */
function useNow(ms: number): number {
  const [now, setNow] = React.useState(Date.now());
  React.useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
  return now;
}

/** The open job: followed through updates, and kept as last seen once it leaves the list. */
function useSelectedJob(
  jobs: readonly IJob[]
): [IJob | null, boolean, (job: IJob | null) => void] {
  const [selected, setSelected] = React.useState<IJob | null>(null);
  const current = React.useMemo(
    () =>
      selected === null
        ? null
        : (jobs.find(job => job.id === selected.id) ?? null),
    [jobs, selected]
  );
  return [
    current ?? selected,
    selected !== null && current === null,
    setSelected
  ];
}

/** The queue section: reads the model, renders pure components, forwards actions. */
export function QueueSection(props: IQueueSectionProps): JSX.Element {
  const { model, trans, onAction, onSelect, view, onView } = props;
  const now = useNow(5000);
  const [queueView] = React.useState(makeQueueView);
  const jobs = model.jobs;
  const rows = queueView(jobs, view.filter, view.sort);
  const known = model.partitions.map(p => p.name).join(',');
  const partitions = React.useMemo(
    () => partitionChoices(jobs, known ? known.split(',') : []),
    [jobs, known]
  );
  const [selected, gone, setSelected] = useSelectedJob(jobs);
  const open = gone ? null : selected;
  React.useEffect(() => {
    onSelect?.(open);
  }, [open, onSelect]);
  const user = model.status?.user ?? null;
  // read-only access: the server would refuse every action (GET status's can_write)
  const canWrite = model.status?.can_write !== false;

  let body: JSX.Element;
  if (model.loading) {
    body = <div className="jp-HpcEmpty">{trans('Loading the queue…')}</div>;
  } else if (jobs.length === 0 && model.status?.live_queue !== false) {
    body = (
      <div className="jp-HpcEmpty">
        {model.scope === 'me'
          ? trans(
              'You have no jobs in the queue. Switch to “All” to see everyone’s.'
            )
          : trans('The queue is empty.')}
      </div>
    );
  } else if (rows.length === 0 && jobs.length > 0) {
    body = (
      <div className="jp-HpcEmpty">
        {trans('No job matches the filters.')}{' '}
        <button
          className="jp-HpcQueue-linkButton"
          onClick={() => onView({ ...view, filter: NO_FILTER })}
        >
          {trans('Clear the filters')}
        </button>
      </div>
    );
  } else {
    body = (
      <QueueTable
        jobs={rows}
        now={now}
        trans={trans}
        user={user}
        onAction={canWrite ? onAction : undefined}
        sort={view.sort}
        onSort={key => onView({ ...view, sort: nextSort(view.sort, key) })}
        selected={selected?.id ?? null}
        onOpen={setSelected}
        serverJob={model.status?.server_job?.id ?? null}
      />
    );
  }
  return (
    <section className="jp-HpcQueue" aria-label={trans('Queue')}>
      <QueueToolbar
        scope={model.scope}
        count={rows.length}
        total={jobs.length}
        updatedAt={model.updatedAt}
        stale={model.stale}
        now={now}
        filter={view.filter}
        partitions={partitions}
        onScope={scope => (model.scope = scope)}
        onFilter={filter => onView({ ...view, filter })}
        onRefresh={() => void model.refresh()}
        onOpenTab={props.onOpenTab}
        trans={trans}
      />
      {body}
      {selected ? (
        <JobDetails
          job={selected}
          gone={gone}
          now={now}
          trans={trans}
          canAct={canWrite && user !== null && selected.user === user}
          onAction={onAction}
          onClose={() => setSelected(null)}
        />
      ) : null}
    </section>
  );
}
