import * as React from 'react';

import { ICluster } from '../api';
import { formatDuration } from './format';
import { Trans } from '../trans';

export interface IPatienceLineProps {
  cluster: ICluster;
  onPatience: (cluster: ICluster, on: boolean) => void;
  trans: Trans;
}

/** "Resubmit after 5 min in a sooner shape · 1 of 3 tries used", with what patience did last. */
export function patienceText(cluster: ICluster, trans: Trans): string {
  const p = cluster.patience;
  if (!p || !p.on) {
    return trans('Waiting workers are left as they are');
  }
  const used = `${p.tries} ${trans('of')} ${p.max_tries} ${trans('tries used')}`;
  const wait =
    p.after_s % 60 === 0 ? `${p.after_s / 60} min` : formatDuration(p.after_s);
  return `${trans('Resubmit workers waiting over')} ${wait} ${trans(
    'in a shape that starts sooner'
  )} · ${used}`;
}

/** Patience on a cluster card: a switch, the tries used, and what happened last. */
export function PatienceLine(props: IPatienceLineProps): JSX.Element {
  const { cluster, trans } = props;
  const p = cluster.patience;
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
