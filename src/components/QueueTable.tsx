import * as React from 'react';

import { IJob, JobAction } from '../api';
import {
  COLUMNS,
  HEADER_HEIGHT,
  COMPACT_ROW_HEIGHT,
  QueueHeader,
  QueueRow,
  ROW_HEIGHT
} from './QueueRows';
import { IQueueSort, SortKey } from './queueView';
import { useRowWindow } from './rowWindow';
import { Trans } from '../trans';

export {
  COMPACT_ROW_HEIGHT,
  HEADER_HEIGHT,
  ROW_HEIGHT,
  compactStatus
} from './QueueRows';

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

/**
 * The queue as a virtual grid: a sticky header of sortable columns and fixed-height rows, of
 * which only those in view (plus a few) are in the DOM. One row at a time is in the tab order;
 * arrow keys, Page Up/Down, Home and End move between rows, Enter opens a job's details.
 */
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
