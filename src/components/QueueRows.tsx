/**
 * The queue's rows and its header: one job in a row of columns (the wide table) or in two lines
 * (compact), and the sortable column headers. QueueTable places them in its virtual grid.
 */
import * as React from 'react';

import { IJob, JobAction } from '../api';
import { describeReason, formatMemory, gpuCount, stateClass } from './format';
import {
  ACTION_LABELS,
  absoluteTime,
  expectedStartText,
  jobActions,
  timeText,
  whereText
} from './jobText';
import { IQueueSort, SortKey } from './queueView';
import { Trans } from '../trans';

/** Rows have one fixed height, so the list can place any of 10,000 rows without measuring. */
export const ROW_HEIGHT = 26;
export const HEADER_HEIGHT = 28;
/** A compact row: two lines (id and name; state and reason or expected start). */
export const COMPACT_ROW_HEIGHT = 44;

export interface IColumn {
  key: SortKey;
  label: string;
  className?: string;
}

export const COLUMNS: IColumn[] = [
  { key: 'id', label: 'Job', className: 'jp-HpcQueue-id' },
  { key: 'name', label: 'Name', className: 'jp-HpcQueue-name' },
  { key: 'user', label: 'User' },
  { key: 'partition', label: 'Partition' },
  { key: 'state', label: 'State' },
  { key: 'cpus', label: 'CPUs', className: 'jp-HpcQueue-num' },
  { key: 'memory', label: 'Memory', className: 'jp-HpcQueue-num' },
  { key: 'gpus', label: 'GPUs', className: 'jp-HpcQueue-num' },
  { key: 'time', label: 'Time / limit' },
  { key: 'start', label: 'Starts' },
  { key: 'where', label: 'Nodes or reason', className: 'jp-HpcQueue-where' }
];

function cellClass(column: IColumn): string {
  return `jp-HpcQueue-cell${column.className ? ` ${column.className}` : ''}`;
}

export interface IRowProps {
  compact: boolean;
  user: string | null;
  /** this row is the job the Jupyter server runs in */
  isServer: boolean;
  job: IJob;
  index: number;
  top: number;
  now: number;
  trans: Trans;
  canAct: boolean;
  onAction?: (job: IJob, action: JobAction) => void;
  selected: boolean;
  tabbable: boolean;
  onOpen: (index: number) => void;
  onKey: (event: React.KeyboardEvent, index: number) => void;
  onFocusRow: (index: number) => void;
}

/** "this server" beside the name of the job the Jupyter server runs in. */
function ServerBadge(props: { trans: Trans }): JSX.Element {
  return (
    <span
      className="jp-HpcQueue-serverBadge"
      title={props.trans('This Jupyter server runs in this job')}
    >
      {props.trans('this server')}
    </span>
  );
}

/** The cells of one job, in column order. */
function jobCells(
  job: IJob,
  now: number,
  trans: Trans,
  isServer: boolean
): React.ReactNode[] {
  const where = whereText(job);
  const start = expectedStartText(job, now, trans);
  return [
    <span title={job.id}>{job.id}</span>,
    <span title={job.name}>
      {job.name}
      {isServer ? <ServerBadge trans={trans} /> : null}
    </span>,
    job.user,
    job.partition,
    <span className={`jp-HpcQueue-state jp-mod-${stateClass(job.state)}`}>
      {job.state}
    </span>,
    job.cpus,
    `${formatMemory(job.memory_mb)}${job.memory_per_cpu ? trans('/CPU') : ''}`,
    gpuCount(job.gres) || '',
    timeText(job, now),
    start ? (
      <span
        title={`${trans('expected start')} ${absoluteTime(job.start_time)}`}
      >
        {start}
      </span>
    ) : (
      ''
    ),
    <span
      title={
        job.reason && where !== job.nodes
          ? `${describeReason(job.reason)} (${job.reason})`
          : where
      }
    >
      {where}
    </span>
  ];
}

/**
 * What a compact row's second line says after the state: why a job waits and when it is
 * expected to start, or how long it has run and where.
 */
export function compactStatus(
  job: IJob,
  now: number,
  trans: Trans
): { main: string; more: string } {
  if (job.state === 'PENDING') {
    const start = expectedStartText(job, now, trans);
    return {
      main: describeReason(job.reason),
      more: start ? `${trans('starts')} ${start}` : ''
    };
  }
  return job.nodes
    ? { main: timeText(job, now), more: job.nodes }
    : { main: whereText(job) || timeText(job, now), more: '' };
}

/** One job in two lines: id and name (and user when not the viewer), state and status. */
function CompactCells(props: {
  job: IJob;
  now: number;
  trans: Trans;
  user: string | null;
  isServer: boolean;
}): JSX.Element {
  const { job, now, trans, user, isServer } = props;
  const { main, more } = compactStatus(job, now, trans);
  return (
    <>
      <div role="gridcell" className="jp-HpcQueue-line">
        <span className="jp-HpcQueue-id" title={job.id}>
          {job.id}
        </span>
        <span className="jp-HpcQueue-name" title={job.name}>
          {job.name}
        </span>
        {isServer ? <ServerBadge trans={trans} /> : null}
        {job.user !== user ? (
          <span className="jp-HpcQueue-user">{job.user}</span>
        ) : null}
      </div>
      <div role="gridcell" className="jp-HpcQueue-line">
        <span className={`jp-HpcQueue-state jp-mod-${stateClass(job.state)}`}>
          {job.state}
        </span>
        <span
          className="jp-HpcQueue-status"
          title={
            job.reason && job.state === 'PENDING'
              ? `${main} (${job.reason})`
              : main
          }
        >
          {main}
        </span>
        {more ? (
          <span className="jp-HpcQueue-more" title={more}>
            · {more}
          </span>
        ) : null}
      </div>
    </>
  );
}

/** One job. */
function QueueRowView(props: IRowProps): JSX.Element {
  const { job, index, top, now, trans, canAct, onAction, selected } = props;
  const { compact } = props;
  const className =
    `jp-HpcQueue-row jp-mod-${stateClass(job.state)}` +
    (compact ? ' jp-mod-compact' : ' jp-HpcQueue-cols') +
    (selected ? ' jp-mod-selected' : '');
  const rowProps = {
    role: 'row',
    'aria-rowindex': index + 2,
    'aria-selected': selected,
    'data-job-id': job.id,
    'data-index': index,
    tabIndex: props.tabbable ? 0 : -1,
    className,
    style: {
      height: compact ? COMPACT_ROW_HEIGHT : ROW_HEIGHT,
      transform: `translateY(${top}px)`
    },
    // a click focuses the row without scrolling the table sideways (the id stays in view)
    onMouseDown: (event: React.MouseEvent<HTMLDivElement>) => {
      if (!(event.target as HTMLElement).closest('button')) {
        event.preventDefault();
        event.currentTarget.focus({ preventScroll: true });
      }
    },
    onClick: () => props.onOpen(index),
    onKeyDown: (event: React.KeyboardEvent) => props.onKey(event, index),
    onFocus: () => props.onFocusRow(index)
  };
  if (compact) {
    return (
      <div {...rowProps}>
        <CompactCells
          job={job}
          now={now}
          trans={trans}
          user={props.user}
          isServer={props.isServer}
        />
      </div>
    );
  }
  const cells = jobCells(job, now, trans, props.isServer);
  return (
    <div {...rowProps}>
      {COLUMNS.map((column, i) => (
        <div key={column.key} role="gridcell" className={cellClass(column)}>
          {cells[i]}
        </div>
      ))}
      <div role="gridcell" className="jp-HpcQueue-cell jp-HpcQueue-actions">
        {canAct && onAction
          ? jobActions(job).map(action => (
              <button
                key={action}
                className={`jp-HpcQueue-action jp-mod-${action}`}
                title={`${trans(ACTION_LABELS[action])} ${job.id}`}
                aria-label={`${trans(ACTION_LABELS[action])} ${trans('job')} ${job.id}`}
                onClick={event => {
                  event.stopPropagation(); // acting on a job does not open it
                  onAction(job, action);
                }}
              >
                {trans(ACTION_LABELS[action])}
              </button>
            ))
          : null}
      </div>
    </div>
  );
}

/** Re-renders a row only when its record, place, selection or the clock changes. */
export const QueueRow = React.memo(QueueRowView);

function SortHeader(props: {
  column: IColumn;
  sort: IQueueSort | null;
  onSort?: (key: SortKey) => void;
  trans: Trans;
}): JSX.Element {
  const { column, sort, onSort, trans } = props;
  const sorted = sort?.key === column.key;
  const direction = sorted
    ? sort.descending
      ? 'descending'
      : 'ascending'
    : 'none';
  return (
    <div
      role="columnheader"
      aria-sort={direction}
      className={`${cellClass(column)}${sorted ? ' jp-mod-sorted' : ''}`}
    >
      <button
        className="jp-HpcQueue-sortButton"
        onClick={() => onSort?.(column.key)}
        title={trans('Sort by this column')}
      >
        {trans(column.label)}
        <span className="jp-HpcQueue-sortMark" aria-hidden="true">
          {sorted ? (sort.descending ? '▼' : '▲') : ''}
        </span>
      </button>
    </div>
  );
}

/** The header row of sortable columns (visually hidden in compact rows). */
function QueueHeaderView(props: {
  compact: boolean;
  height: number;
  sort: IQueueSort | null;
  onSort?: (key: SortKey) => void;
  trans: Trans;
}): JSX.Element {
  const { compact, height, sort, onSort, trans } = props;
  return (
    <div
      role="row"
      aria-rowindex={1}
      className={`jp-HpcQueue-header jp-HpcQueue-cols${compact ? ' jp-HpcQueue-srOnly' : ''}`}
      style={{ height: height || undefined }}
    >
      {COLUMNS.map(column => (
        <SortHeader
          key={column.key}
          column={column}
          sort={sort}
          onSort={onSort}
          trans={trans}
        />
      ))}
      <div role="columnheader" className="jp-HpcQueue-cell jp-HpcQueue-actions">
        <span className="jp-HpcQueue-srOnly">{trans('Actions')}</span>
      </div>
    </div>
  );
}

/**
 * The header is not rendered again while the rows scroll: scrolling re-renders the table every
 * frame, and 12 header cells with their translated labels were most of what a frame allocated
 * besides the rows coming into view.
 */
export const QueueHeader = React.memo(QueueHeaderView);
