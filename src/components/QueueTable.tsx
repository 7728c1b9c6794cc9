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
import { useRowWindow } from './rowWindow';
import { Trans } from '../trans';

/** Rows have one fixed height, so the list can place any of 10,000 rows without measuring. */
export const ROW_HEIGHT = 26;
export const HEADER_HEIGHT = 28;
/** A compact row: two lines (id and name; state and reason or expected start). */
export const COMPACT_ROW_HEIGHT = 44;
/** Below this width (px) of the queue, rows are compact; from it on, the full table shows. */
export const COMPACT_BELOW = 600;

/**
 * `compact`: two-line rows that fit the sidebar's default width, actions in the details;
 * `wide`: the table of all columns with the actions in each row.
 */
export type QueueLayout = 'compact' | 'wide';
/** Rows rendered beyond each edge of the viewport, so fast scrolling shows no gap. */
const OVERSCAN = 8;

export interface IQueueTableProps {
  /** the rows to show, filtered and sorted */
  jobs: readonly IJob[];
  /** ms since the epoch, to render relative times */
  now: number;
  trans: Trans;
  /** the Unix user whose jobs may be acted on; null: no actions */
  user: string | null;
  onAction?: (job: IJob, action: JobAction) => void;
  sort: IQueueSort | null;
  onSort?: (key: SortKey) => void;
  /** id of the job whose details are open */
  selected?: string | null;
  onOpen?: (job: IJob) => void;
  /** the layout; by default it follows the queue's width (see COMPACT_BELOW) */
  layout?: QueueLayout;
  /** id of the Slurm job this Jupyter server runs in, marked "this server" */
  serverJob?: string | null;
}

interface IColumn {
  key: SortKey;
  label: string;
  className?: string;
}

const COLUMNS: IColumn[] = [
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

interface IRowProps {
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
const QueueRow = React.memo(QueueRowView);

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
const QueueHeader = React.memo(QueueHeaderView);

/**
 * The queue as a virtual grid: a sticky header of sortable columns and fixed-height rows, of
 * which only those in view (plus a few) are in the DOM. One row at a time is in the tab order;
 * arrow keys, Page Up/Down, Home and End move between rows, Enter opens a job's details.
 */
/**
 * The layout for the scroll viewport's width, followed as it changes. Until the width is
 * known (not laid out yet, or hidden) the last layout stays.
 */
function useLayout(
  ref: React.RefObject<HTMLElement>,
  fixed: QueueLayout | undefined
): QueueLayout {
  const [layout, setLayout] = React.useState<QueueLayout>(fixed ?? 'wide');
  React.useLayoutEffect(() => {
    const element = ref.current;
    if (fixed || !element) {
      return;
    }
    const follow = () => {
      const width = element.clientWidth;
      if (width > 0) {
        setLayout(width < COMPACT_BELOW ? 'compact' : 'wide');
      }
    };
    follow();
    if (typeof ResizeObserver === 'undefined') {
      return;
    }
    const observer = new ResizeObserver(follow);
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref, fixed]);
  return fixed ?? layout;
}

export function QueueTable(props: IQueueTableProps): JSX.Element {
  const { jobs, now, trans, user, onAction, sort, onSort, selected, onOpen } =
    props;
  const scrollRef = React.useRef<HTMLDivElement>(null);
  const compact = useLayout(scrollRef, props.layout) === 'compact';
  const rowHeight = compact ? COMPACT_ROW_HEIGHT : ROW_HEIGHT;
  const headerHeight = compact ? 0 : HEADER_HEIGHT;
  // Rows of one fixed height: the window in view is arithmetic on the scroll offset.
  const virtual = useRowWindow(scrollRef, {
    count: jobs.length,
    rowHeight,
    headerHeight,
    overscan: OVERSCAN
  });
  const [active, setActive] = React.useState(0);
  const focusRequest = React.useRef<number | null>(null);
  // Rows are recycled: each has a slot in the window (its index modulo the most rows the window
  // has held), so a row scrolled into view takes the elements of one scrolled out and only
  // its text and attributes change. Creating and dropping ~14 rows of elements a frame, as
  // keying by job did, was most of what a scroll frame allocated (and what the garbage
  // collector then stopped frames for). Every row keeps its slot's key, the active one too:
  // a row given a new key when a click focuses it is a new element before the mouse button
  // is released, and the click, begun on the old one, never arrives.
  const slots = React.useRef(1);

  // Callbacks read the latest props through a ref, so rows keep equal props and skip renders.
  const latest = React.useRef({ jobs, onOpen });
  latest.current = { jobs, onOpen };

  const open = React.useCallback((index: number) => {
    const job = latest.current.jobs[index];
    if (job) {
      latest.current.onOpen?.(job);
    }
  }, []);

  const onKey = React.useCallback(
    (event: React.KeyboardEvent, index: number) => {
      if (event.target !== event.currentTarget) {
        return; // keys on the row's buttons are theirs
      }
      const last = latest.current.jobs.length - 1;
      const page = Math.max(
        1,
        Math.floor(
          ((scrollRef.current?.clientHeight ?? 0) - headerHeight) / rowHeight
        ) - 1
      );
      const targets: Record<string, number> = {
        ArrowDown: index + 1,
        ArrowUp: index - 1,
        PageDown: index + page,
        PageUp: index - page,
        Home: 0,
        End: last
      };
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        open(index);
        return;
      }
      const target = targets[event.key];
      if (target === undefined) {
        return;
      }
      event.preventDefault();
      const next = Math.max(0, Math.min(last, target));
      setActive(next);
      focusRequest.current = next;
      virtual.scrollToIndex(next);
    },
    [open, virtual.scrollToIndex, headerHeight, rowHeight]
  );

  // Focus the row the keyboard moved to once it is rendered.
  React.useEffect(() => {
    const index = focusRequest.current;
    if (index === null) {
      return;
    }
    const row = scrollRef.current?.querySelector<HTMLElement>(
      `.jp-HpcQueue-row[data-index="${index}"]`
    );
    if (row) {
      focusRequest.current = null;
      row.focus({ preventScroll: true });
    }
  });

  // A focused row scrolled out of the window has had its element recycled for another job:
  // the focus goes to the table itself, not to a job nobody chose.
  React.useEffect(() => {
    const focused = document.activeElement as HTMLElement | null;
    const scroller = scrollRef.current;
    if (
      focusRequest.current === null &&
      focused &&
      scroller?.contains(focused) &&
      focused.classList.contains('jp-HpcQueue-row') &&
      focused.dataset.index !== String(active)
    ) {
      scroller.focus({ preventScroll: true });
    }
  });

  const items = virtual.rows;
  slots.current = Math.max(slots.current, items.length);
  const current = Math.min(active, jobs.length - 1);
  // The active row may be scrolled out of the DOM; then the first rendered row takes the tab stop.
  const tabbable = items.some(item => item.index === current)
    ? current
    : (items[0]?.index ?? -1);
  const canAct = (job: IJob) =>
    onAction !== undefined && user !== null && job.user === user;

  return (
    <div className="jp-HpcQueue-scroll" ref={scrollRef} tabIndex={-1}>
      <div
        className={`jp-HpcQueue-table${compact ? ' jp-mod-compact' : ''}`}
        role="grid"
        aria-label={trans('Job queue')}
        aria-rowcount={jobs.length + 1}
        aria-colcount={compact ? 2 : COLUMNS.length + 1}
      >
        <QueueHeader
          compact={compact}
          height={headerHeight}
          sort={sort}
          onSort={onSort}
          trans={trans}
        />
        <div
          role="rowgroup"
          className="jp-HpcQueue-body"
          style={{ height: virtual.totalSize }}
        >
          {items.map(item => {
            const job = jobs[item.index];
            return (
              <QueueRow
                key={item.index % slots.current}
                job={job}
                index={item.index}
                top={item.start - headerHeight}
                compact={compact}
                user={user}
                isServer={job.id === props.serverJob}
                now={now}
                trans={trans}
                canAct={canAct(job)}
                onAction={onAction}
                selected={job.id === selected}
                tabbable={item.index === tabbable}
                onOpen={open}
                onKey={onKey}
                onFocusRow={setActive}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}
