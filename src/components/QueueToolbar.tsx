import * as React from 'react';

import { JobScope } from '../api';
import { relativeTime } from './format';

export interface IQueueToolbarProps {
  scope: JobScope;
  count: number;
  updatedAt: number | null;
  stale: boolean;
  now: number;
  onScope: (scope: JobScope) => void;
  onRefresh: () => void;
  trans: (text: string) => string;
}

/** Mine/all switch, job count, refresh button and "updated N s ago". */
export function QueueToolbar(props: IQueueToolbarProps): JSX.Element {
  const { scope, count, updatedAt, stale, now, onScope, onRefresh, trans } =
    props;
  const updated =
    updatedAt === null
      ? trans('not yet updated')
      : `${trans('updated')} ${relativeTime(updatedAt * 1000, now)}`;
  return (
    <div className="jp-HpcQueue-toolbar">
      <div
        className="jp-HpcQueue-scope"
        role="radiogroup"
        aria-label={trans('Whose jobs')}
      >
        {(['me', 'all'] as JobScope[]).map(value => (
          <button
            key={value}
            role="radio"
            aria-checked={scope === value}
            className={`jp-HpcQueue-scopeButton${scope === value ? ' jp-mod-active' : ''}`}
            onClick={() => onScope(value)}
          >
            {value === 'me' ? trans('Mine') : trans('All')}
          </button>
        ))}
      </div>
      <span className="jp-HpcQueue-count">
        {count} {count === 1 ? trans('job') : trans('jobs')}
      </span>
      <span
        className={`jp-HpcQueue-updated${stale ? ' jp-mod-stale' : ''}`}
        title={stale ? trans('The scheduler did not answer the last poll') : ''}
      >
        {stale ? `${trans('stale')} · ` : ''}
        {updated}
      </span>
      <button
        className="jp-HpcQueue-refresh"
        onClick={onRefresh}
        title={trans('Refresh now')}
        aria-label={trans('Refresh now')}
      >
        ⟳
      </button>
    </div>
  );
}
