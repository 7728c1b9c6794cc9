import * as React from 'react';

import { IGaps } from '../api';
import { Trans } from '../trans';

export interface IGapsTableProps {
  gaps: IGaps;
  trans: Trans;
}

/** "now", "15 min", "1 h" */
export function horizonLabel(seconds: number, trans: Trans): string {
  if (seconds === 0) {
    return trans('now');
  }
  return seconds % 3600 === 0
    ? `${seconds / 3600} h`
    : `${Math.round(seconds / 60)} min`;
}

/**
 * Free cores per partition now and over the next hour: where small, short worker jobs start at
 * once. Later columns count cores whose running jobs reach their time limits by then, less what
 * pending jobs are planned to take, so they are a floor.
 */
export function GapsTable(props: IGapsTableProps): JSX.Element {
  const { gaps, trans } = props;
  return (
    <table
      className="jp-HpcGaps"
      aria-label={trans('Free cores now and in the next hour')}
    >
      <caption>
        {trans('Free cores')}
        <span className="jp-HpcGaps-note">
          {trans('(later: at least, from time limits and plans)')}
        </span>
      </caption>
      <thead>
        <tr>
          <th scope="col">{trans('Partition')}</th>
          {gaps.horizon_s.map(s => (
            <th scope="col" key={s}>
              {horizonLabel(s, trans)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {gaps.partitions.map(p => (
          <tr key={p.name} data-partition={p.name}>
            <th scope="row">{p.name}</th>
            {p.free.map(f => {
              const share = p.cpus_total > 0 ? f.cpus / p.cpus_total : 0;
              return (
                <td
                  key={f.in_s}
                  data-in={f.in_s}
                  title={`${f.cpus} ${trans('of')} ${p.cpus_total} ${trans('cores free')}${
                    f.in_s === 0
                      ? `; ${trans('at most')} ${p.largest_node_free} ${trans('on one node')}`
                      : ''
                  }`}
                >
                  <span className="jp-HpcGaps-count">{f.cpus}</span>
                  <span className="jp-HpcGaps-track" aria-hidden="true">
                    <span
                      className="jp-HpcGaps-fill"
                      style={{ width: `${Math.round(share * 100)}%` }}
                    />
                  </span>
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
