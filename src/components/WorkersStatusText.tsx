import * as React from 'react';

import { ICluster } from '../api';
import { Trans } from '../trans';

/** "N workers · M pending", or "N workers" when none waits. */
export function workersText(cluster: ICluster, trans: Trans): string {
  const { connected, pending } = cluster.counts;
  const workers = `${connected} ${connected === 1 ? trans('worker') : trans('workers')}`;
  return pending > 0 ? `${workers} · ${pending} ${trans('pending')}` : workers;
}

export interface IWorkersStatusTextProps {
  cluster: ICluster;
  trans: Trans;
  onOpen: () => void;
}

/** The status bar text of a cluster; its tooltip gives every count. */
export function WorkersStatusText(props: IWorkersStatusTextProps): JSX.Element {
  const { cluster, trans, onOpen } = props;
  const { requested, pending, running, connected } = cluster.counts;
  return (
    <span
      className="jp-StatusBar-TextItem jp-HpcWorkersStatus-text"
      role="button"
      tabIndex={0}
      title={`${trans('Dask cluster')} ${cluster.name}: ${requested} ${trans('requested')}, ${pending} ${trans('pending')}, ${running} ${trans('running')}, ${connected} ${trans('connected')}. ${trans('Click to open the HPC panel.')}`}
      onClick={onOpen}
      onKeyDown={e => (e.key === 'Enter' ? onOpen() : undefined)}
    >
      {workersText(cluster, trans)}
    </span>
  );
}
