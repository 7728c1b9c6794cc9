import * as React from 'react';

import { JobScope } from '../api';
import { relativeTime } from './format';
import { IQueueFilter, NO_FILTER, StateGroup, isFiltered } from './queueView';
import { Trans } from '../trans';

export interface IQueueToolbarProps {
  scope: JobScope;
  /** jobs shown after filtering */
  count: number;
  /** jobs in the scope before filtering */
  total: number;
  updatedAt: number | null;
  stale: boolean;
  now: number;
  filter: IQueueFilter;
  /** partitions to offer in the filter */
  partitions: readonly string[];
  onScope: (scope: JobScope) => void;
  onFilter: (filter: IQueueFilter) => void;
  onRefresh: () => void;
  /** open the queue in a main-area tab (no button when not given) */
  onOpenTab?: () => void;
  trans: Trans;
}

const STATE_GROUPS: [StateGroup, string][] = [
  ['all', 'All states'],
  ['pending', 'Pending'],
  ['running', 'Running'],
  ['other', 'Other states']
];

/** Mine/all switch, job count, "updated N s ago", refresh; below, the filters. */
export function QueueToolbar(props: IQueueToolbarProps): JSX.Element {
  const { scope, count, total, updatedAt, stale, now, filter, trans } = props;
  const { onScope, onFilter, onRefresh } = props;
  const updated =
    updatedAt === null
      ? trans('not yet updated')
      : `${trans('updated')} ${relativeTime(updatedAt * 1000, now)}`;
  const filtered = isFiltered(filter);
  const noun = total === 1 ? trans('job') : trans('jobs');
  const partitions =
    filter.partition && !props.partitions.includes(filter.partition)
      ? [...props.partitions, filter.partition]
      : props.partitions;
  return (
    <div className="jp-HpcQueue-toolbar">
      <div className="jp-HpcQueue-toolbarRow">
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
        <span className="jp-HpcQueue-count" aria-live="polite">
          {filtered
            ? `${count} ${trans('of')} ${total} ${noun}`
            : `${total} ${noun}`}
        </span>
        <span
          className={`jp-HpcQueue-updated${stale ? ' jp-mod-stale' : ''}`}
          title={
            stale ? trans('The scheduler did not answer the last poll') : ''
          }
        >
          {stale ? `${trans('stale')} · ` : ''}
          {updated}
        </span>
        {props.onOpenTab ? (
          <button
            className="jp-HpcQueue-refresh jp-HpcQueue-openTab"
            onClick={props.onOpenTab}
            title={trans('Open the queue in a tab, with all its columns')}
            aria-label={trans('Open the queue in a tab')}
          >
            ⤢
          </button>
        ) : null}
        <button
          className="jp-HpcQueue-refresh"
          onClick={onRefresh}
          title={trans('Refresh now')}
          aria-label={trans('Refresh now')}
        >
          ⟳
        </button>
      </div>
      <div
        className="jp-HpcQueue-toolbarRow jp-HpcQueue-filters"
        role="search"
        aria-label={trans('Filter jobs')}
      >
        <input
          type="search"
          className="jp-mod-styled jp-HpcQueue-filterText"
          placeholder={trans('Filter: id, name, user, partition, reason')}
          aria-label={trans('Filter jobs by text')}
          value={filter.text}
          onChange={event => onFilter({ ...filter, text: event.target.value })}
        />
        {filtered ? (
          <button
            className="jp-HpcQueue-clearFilter"
            onClick={() => onFilter(NO_FILTER)}
            title={trans('Clear the filters')}
            aria-label={trans('Clear the filters')}
          >
            ×
          </button>
        ) : null}
        <select
          className="jp-mod-styled jp-HpcQueue-filterState"
          aria-label={trans('Job state')}
          value={filter.state}
          onChange={event =>
            onFilter({ ...filter, state: event.target.value as StateGroup })
          }
        >
          {STATE_GROUPS.map(([value, label]) => (
            <option key={value} value={value}>
              {trans(label)}
            </option>
          ))}
        </select>
        <select
          className="jp-mod-styled jp-HpcQueue-filterPartition"
          aria-label={trans('Partition')}
          value={filter.partition}
          onChange={event =>
            onFilter({ ...filter, partition: event.target.value })
          }
        >
          <option value="">{trans('All partitions')}</option>
          {partitions.map(name => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      {filter.node ? (
        <div className="jp-HpcQueue-toolbarRow jp-HpcQueue-nodeFilter">
          <span className="jp-HpcQueue-chip" role="status">
            {trans('Jobs on node')} <b>{filter.node}</b>
            <button
              className="jp-HpcQueue-chipClear"
              onClick={() => onFilter({ ...filter, node: '' })}
              title={trans('Show the jobs of every node')}
              aria-label={trans('Show the jobs of every node')}
            >
              ×
            </button>
          </span>
        </div>
      ) : null}
    </div>
  );
}
