import * as React from 'react';

import { QueueTable } from '../components/QueueTable';
import { QueueToolbar } from '../components/QueueToolbar';
import { IJob, JobAction } from '../api';
import { IHpcModel } from '../tokens';

export interface IQueueSectionProps {
  model: IHpcModel;
  trans: (text: string) => string;
  onAction: (job: IJob, action: JobAction) => void;
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

/** The queue section: reads the model, renders pure components, forwards actions. */
export function QueueSection(props: IQueueSectionProps): JSX.Element {
  const { model, trans, onAction } = props;
  const now = useNow(5000);
  const jobs = model.jobs;
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
  } else {
    body = (
      <QueueTable
        jobs={jobs}
        now={now}
        trans={trans}
        user={model.status?.user ?? null}
        onAction={onAction}
      />
    );
  }
  return (
    <section className="jp-HpcQueue" aria-label={trans('Queue')}>
      <QueueToolbar
        scope={model.scope}
        count={jobs.length}
        updatedAt={model.updatedAt}
        stale={model.stale}
        now={now}
        onScope={scope => (model.scope = scope)}
        onRefresh={() => void model.refresh()}
        trans={trans}
      />
      <div className="jp-HpcQueue-scroll">{body}</div>
    </section>
  );
}
