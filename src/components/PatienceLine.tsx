import * as React from 'react';

import { ICluster } from '../api';
import { formatDuration } from './format';
import { Trans } from '../trans';

export interface IPatienceLineProps {
  cluster: ICluster;
  onPatience: (cluster: ICluster, on: boolean) => void;
  trans: Trans;
}

/** Minutes a worker waits before patience resubmits it, when the card turns patience on. */
export const DEFAULT_PATIENCE_S = 300;

/**
 * What the switch does when on, whatever its state: "Resubmit workers waiting over 5 min in a
 * shape that starts sooner". The state itself is the checkbox's, and `patienceStatus` says how
 * many tries were used.
 */
export function patienceText(cluster: ICluster, trans: Trans): string {
  const after = cluster.patience?.after_s ?? DEFAULT_PATIENCE_S;
  const wait = after % 60 === 0 ? `${after / 60} min` : formatDuration(after);
  return `${trans('Resubmit workers waiting over')} ${wait} ${trans(
    'in a shape that starts sooner'
  )}`;
}

/** "1 of 3 tries used" while patience is on; empty while it is off. */
export function patienceStatus(cluster: ICluster, trans: Trans): string {
  const p = cluster.patience;
  if (!p || !p.on) {
    return '';
  }
  return `${p.tries} ${trans('of')} ${p.max_tries} ${trans('tries used')}`;
}

/** Patience on a cluster card: a switch, the tries used, and what happened last. */
export function PatienceLine(props: IPatienceLineProps): JSX.Element {
  const { cluster, trans } = props;
  const p = cluster.patience;
  const status = patienceStatus(cluster, trans);
  const last = p && p.events.length > 0 ? p.events[p.events.length - 1] : null;
  return (
    <div className="jp-HpcCluster-patience">
      <label>
        <input
          type="checkbox"
          checked={!!p?.on}
          onChange={e => props.onPatience(cluster, e.target.checked)}
        />
        <span>{patienceText(cluster, trans)}</span>
      </label>
      {status ? (
        <div className="jp-HpcCluster-patienceNote">{status}</div>
      ) : null}
      {p?.on && p.exhausted ? (
        <div className="jp-HpcCluster-patienceNote">
          {trans('No tries left: waiting workers stay as they are.')}
        </div>
      ) : null}
      {last ? (
        <div className="jp-HpcCluster-patienceNote" title={last.text}>
          {new Date(last.at * 1000).toLocaleTimeString()}: {last.text}
        </div>
      ) : null}
    </div>
  );
}
