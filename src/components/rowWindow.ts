/**
 * The rows of a long table in view, for rows of one fixed height: arithmetic on the scroll
 * offset, nothing kept per row. (A general virtualizer keeps an object per row for measured
 * heights: 100,000 of them, rebuilt whenever the count changes, were megabytes of garbage for the
 * collector to stop scroll frames over.)
 */
import * as React from 'react';

export interface IRowWindow {
  /** first and last row index rendered (last < first when there is none) */
  first: number;
  last: number;
}

/** A row in the window: its index and its top within the scrolled content (below the header). */
export interface IWindowRow {
  index: number;
  start: number;
}

/** Which rows a viewport shows at `scrollTop`, with `overscan` more on each side. Pure. */
export function rowWindow(
  scrollTop: number,
  viewportHeight: number,
  options: {
    count: number;
    rowHeight: number;
    headerHeight: number;
    overscan: number;
  }
): IRowWindow {
  const { count, rowHeight, headerHeight, overscan } = options;
  if (count === 0 || viewportHeight <= 0 || rowHeight <= 0) {
    return { first: 0, last: -1 };
  }
  const top = Math.max(0, scrollTop - headerHeight);
  const bottom = Math.max(0, scrollTop + viewportHeight - headerHeight);
  const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const last = Math.min(
    count - 1,
    Math.max(0, Math.ceil(bottom / rowHeight) - 1) + overscan
  );
  return { first: Math.min(first, last), last };
}

/**
 * Where to scroll so row `index` is whole in view below a sticky header of `headerHeight`,
 * moving as little as needed; null when it already is.
 */
export function scrollOffsetFor(
  index: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  headerHeight: number
): number | null {
  const start = headerHeight + index * rowHeight;
  const end = start + rowHeight;
  if (end > scrollTop + viewportHeight) {
    return Math.max(0, end - viewportHeight);
  }
  if (start < scrollTop + headerHeight) {
    return Math.max(0, start - headerHeight);
  }
  return null;
}

/**
 * The window of rows of the scroll element `ref`, re-rendering only when it changes (not on every
 * scroll event), with the content's height and a way to bring a row into view.
 */
export function useRowWindow(
  ref: React.RefObject<HTMLElement>,
  options: {
    count: number;
    rowHeight: number;
    headerHeight: number;
    overscan: number;
  }
): {
  rows: IWindowRow[];
  totalSize: number;
  scrollToIndex: (index: number) => void;
} {
  const { count, rowHeight, headerHeight, overscan } = options;
  const [win, setWin] = React.useState<IRowWindow>({ first: 0, last: -1 });
  const latest = React.useRef(options);
  latest.current = options;

  const update = React.useCallback(() => {
    const element = ref.current;
    if (!element) {
      return;
    }
    const next = rowWindow(
      element.scrollTop,
      element.clientHeight,
      latest.current
    );
    setWin(old =>
      old.first === next.first && old.last === next.last ? old : next
    );
  }, [ref]);

  // a new count, row height or header moves the window without a scroll
  React.useLayoutEffect(update, [
    update,
    count,
    rowHeight,
    headerHeight,
    overscan
  ]);

  React.useLayoutEffect(() => {
    const element = ref.current;
    if (!element) {
      return;
    }
    element.addEventListener('scroll', update, { passive: true });
    const observer =
      typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(update);
    observer?.observe(element);
    return () => {
      element.removeEventListener('scroll', update);
      observer?.disconnect();
    };
  }, [ref, update]);

  const scrollToIndex = React.useCallback(
    (index: number) => {
      const element = ref.current;
      if (!element) {
        return;
      }
      const { rowHeight, headerHeight } = latest.current;
      const offset = scrollOffsetFor(
        index,
        element.scrollTop,
        element.clientHeight,
        rowHeight,
        headerHeight
      );
      if (offset !== null) {
        element.scrollTop = offset;
        update();
      }
    },
    [ref, update]
  );

  const rows: IWindowRow[] = [];
  for (let i = win.first; i <= Math.min(win.last, count - 1); i++) {
    rows.push({ index: i, start: headerHeight + i * rowHeight });
  }
  return { rows, totalSize: count * rowHeight, scrollToIndex };
}
