import * as React from 'react';

import { IJob } from '../api';
import {
  COMPACT_ROW_HEIGHT,
  HEADER_HEIGHT,
  IQueueTableProps,
  QueueTable,
  ROW_HEIGHT
} from '../components/QueueTable';
import { elapsedNow, jobActions } from '../components/jobText';
import { baseJob as base, manyJobs } from './jobs';
import { sizeQueueViewport } from './viewport';
import { mountEach } from './mount';

const VIEWPORT = sizeQueueViewport();

const mounted = mountEach();

const now = Date.parse('2026-11-25T12:00:00');

function render(props: Partial<IQueueTableProps> & { jobs: IJob[] }): void {
  React.act(() =>
    mounted.root.render(
      <QueueTable now={now} trans={t => t} user={null} sort={null} {...props} />
    )
  );
}

const rows = () =>
  Array.from(
    mounted.container.querySelectorAll<HTMLElement>('.jp-HpcQueue-row')
  );
const row = (id: string) =>
  mounted.container.querySelector<HTMLElement>(
    `.jp-HpcQueue-row[data-job-id="${id}"]`
  )!;

describe('QueueTable rows', () => {
  it('shows a pending job with its reason in words and its expected start', () => {
    render({ jobs: [base] });
    const text = row(base.id).textContent!;
    expect(text).toContain('123_[1-5%2]');
    expect(text).toContain('Grüße | x');
    expect(text).toContain('other jobs are ahead of it');
    expect(text).toContain('in 2 h');
    expect(text).toContain('2 GB');
    const cells = row(base.id).querySelectorAll('[role="gridcell"]');
    expect(cells[7].textContent).toBe('2'); // GPUs
  });

  it('shows a running job with elapsed / limit and its nodes', () => {
    render({
      jobs: [
        {
          ...base,
          id: '77',
          state: 'RUNNING',
          reason: '',
          nodes: 'node3',
          elapsed_s: 65,
          time_limit_s: null,
          start_time: null
        }
      ]
    });
    const r = row('77');
    expect(r.textContent).toContain('1:05 / ∞');
    expect(r.textContent).toContain('node3');
    expect(r.className).toContain('jp-mod-running');
  });

  it('puts the job id in the first column, whole on hover when cut', () => {
    render({ jobs: [base] });
    const cell = row(base.id).querySelector('[role="gridcell"]')!;
    expect(cell.textContent).toBe('123_[1-5%2]');
    expect(cell.querySelector('[title]')!.getAttribute('title')).toBe(
      '123_[1-5%2]'
    );
  });
});

describe('QueueTable virtual list', () => {
  const jobs = manyJobs(10_000);

  it('renders only a window of 10,000 rows, with the full count for assistive tech', () => {
    render({ jobs });
    const shown = rows();
    const inView = Math.ceil((VIEWPORT.height - HEADER_HEIGHT) / ROW_HEIGHT);
    expect(shown.length).toBeGreaterThanOrEqual(inView);
    expect(shown.length).toBeLessThan(inView + 20);
    expect(shown[0].dataset.jobId).toBe('1');
    const grid = mounted.container.querySelector('[role="grid"]')!;
    expect(grid.getAttribute('aria-rowcount')).toBe('10001');
    const body =
      mounted.container.querySelector<HTMLElement>('.jp-HpcQueue-body')!;
    expect(body.style.height).toBe(`${10_000 * ROW_HEIGHT}px`);
  });

  it('renders the rows scrolled to', () => {
    render({ jobs });
    const scroller = mounted.container.querySelector<HTMLElement>(
      '.jp-HpcQueue-scroll'
    )!;
    React.act(() => {
      scroller.scrollTop = HEADER_HEIGHT + 5000 * ROW_HEIGHT;
      scroller.dispatchEvent(new Event('scroll'));
    });
    const shown = rows().map(r => Number(r.dataset.index));
    expect(shown).toContain(5000);
    expect(shown).not.toContain(0);
    expect(rows().length).toBeLessThan(40);
    expect(row('5001').style.transform).toBe(
      `translateY(${5000 * ROW_HEIGHT}px)`
    );
  });

  it('renders the rows coming into view on a scroll, not the header again', () => {
    const asked: string[] = [];
    const trans = (text: string) => {
      asked.push(text);
      return text;
    };
    render({ jobs, trans });
    expect(asked).toContain('Sort by this column');
    const scroller = mounted.container.querySelector<HTMLElement>(
      '.jp-HpcQueue-scroll'
    )!;
    for (const to of [100, 2000, 7000]) {
      asked.length = 0;
      React.act(() => {
        scroller.scrollTop = HEADER_HEIGHT + to * ROW_HEIGHT;
        scroller.dispatchEvent(new Event('scroll'));
      });
      expect(rows().map(r => Number(r.dataset.index))).toContain(to);
      expect(asked).not.toContain('Sort by this column');
      expect(asked).not.toContain('Actions');
    }
  });

  it('recycles the elements of rows scrolled out for the rows scrolled in', () => {
    render({ jobs });
    const scroller = mounted.container.querySelector<HTMLElement>(
      '.jp-HpcQueue-scroll'
    )!;
    const scrollTo = (index: number) =>
      React.act(() => {
        scroller.scrollTop = HEADER_HEIGHT + index * ROW_HEIGHT;
        scroller.dispatchEvent(new Event('scroll'));
      });
    scrollTo(100); // past the top, where the window is not yet its full size
    const before = new Set(rows());
    scrollTo(120); // 20 rows on: fewer than the window holds
    const after = rows();
    expect(after.map(r => r.dataset.index)).toContain('140');
    expect(after.map(r => r.dataset.index)).not.toContain('92');
    expect(after.filter(r => !before.has(r))).toEqual([]);
    // a recycled element shows its new job whole
    const recycled = row('141');
    expect(recycled.dataset.index).toBe('140');
    expect(recycled.style.transform).toBe(`translateY(${140 * ROW_HEIGHT}px)`);
    expect(recycled.textContent).toContain('job 141');
  });

  it('keeps the focus with the job clicked, not with a recycled element', () => {
    render({ jobs });
    const scroller = mounted.container.querySelector<HTMLElement>(
      '.jp-HpcQueue-scroll'
    )!;
    React.act(() => {
      row('4').dispatchEvent(new MouseEvent('mousedown', { bubbles: true }));
    });
    expect(document.activeElement).toBe(row('4'));
    expect(row('4').tabIndex).toBe(0);
    React.act(() => {
      scroller.scrollTop = HEADER_HEIGHT + 3000 * ROW_HEIGHT;
      scroller.dispatchEvent(new Event('scroll'));
    });
    // the focused job left the window: no other job's row took its focus
    const focused = document.activeElement as HTMLElement | null;
    expect(String(focused?.dataset?.jobId)).not.toMatch(/^3\d{3}$/);
  });

  it('opens the job a first click lands on (its row stays the same element)', () => {
    const opened: string[] = [];
    render({ jobs, onOpen: job => opened.push(job.id) });
    const target = row('4');
    // what a mouse does: the button goes down (the row takes the focus), then up (a click)
    React.act(() => {
      target.dispatchEvent(new MouseEvent('mousedown', { bubbles: true }));
    });
    expect(row('4')).toBe(target);
    React.act(() => target.click());
    expect(opened).toEqual(['4']);
  });

  it('keeps one row in the tab order and moves it with the arrow keys', () => {
    render({ jobs });
    const tabbable = () => rows().filter(r => r.tabIndex === 0);
    expect(tabbable().map(r => r.dataset.jobId)).toEqual(['1']);
    React.act(() => {
      row('1').focus();
      row('1').dispatchEvent(
        new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true })
      );
    });
    expect(tabbable().map(r => r.dataset.jobId)).toEqual(['2']);
    expect(document.activeElement).toBe(row('2'));
  });
});

describe('QueueTable interaction', () => {
  it('opens a job on click and on Enter', () => {
    const onOpen = jest.fn();
    render({ jobs: manyJobs(3), onOpen });
    React.act(() => row('2').click());
    expect(onOpen).toHaveBeenLastCalledWith(
      expect.objectContaining({ id: '2' })
    );
    React.act(() => {
      row('3').dispatchEvent(
        new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })
      );
    });
    expect(onOpen).toHaveBeenLastCalledWith(
      expect.objectContaining({ id: '3' })
    );
  });

  it('marks the open job', () => {
    render({ jobs: manyJobs(3), selected: '2' });
    expect(row('2').getAttribute('aria-selected')).toBe('true');
    expect(row('1').getAttribute('aria-selected')).toBe('false');
  });

  it('sorts from the column headers and says how it is sorted', () => {
    const onSort = jest.fn();
    render({
      jobs: manyJobs(3),
      sort: { key: 'cpus', descending: true },
      onSort
    });
    const headers = Array.from(
      mounted.container.querySelectorAll<HTMLElement>('[role="columnheader"]')
    );
    const cpus = headers.find(h => h.textContent!.startsWith('CPUs'))!;
    expect(cpus.getAttribute('aria-sort')).toBe('descending');
    expect(headers[0].getAttribute('aria-sort')).toBe('none');
    React.act(() => headers[0].querySelector('button')!.click());
    expect(onSort).toHaveBeenCalledWith('id');
  });

  it('acts on own jobs only, without opening them', () => {
    const onAction = jest.fn();
    const onOpen = jest.fn();
    const jobs = manyJobs(2); // 1: bob, 2: alice
    render({ jobs, user: 'alice', onAction, onOpen });
    expect(row('1').querySelector('button')).toBeNull();
    const cancel = row('2').querySelector<HTMLButtonElement>(
      'button[aria-label="Cancel job 2"]'
    )!;
    React.act(() => cancel.click());
    expect(onAction).toHaveBeenCalledWith(jobs[1], 'cancel');
    expect(onOpen).not.toHaveBeenCalled();
  });
});

describe('QueueTable at the sidebar’s default width', () => {
  beforeEach(() => {
    VIEWPORT.width = 250;
  });
  afterEach(() => {
    VIEWPORT.width = 800;
  });

  it('shows two-line rows: id and name, then state and reason with the expected start', () => {
    render({ jobs: [base], user: 'alice' });
    const grid = mounted.container.querySelector('[role="grid"]')!;
    expect(grid.className).toContain('jp-mod-compact');
    const cells = row(base.id).querySelectorAll('[role="gridcell"]');
    expect(cells).toHaveLength(2);
    expect(cells[0].querySelector('.jp-HpcQueue-id')!.textContent).toBe(
      '123_[1-5%2]'
    );
    expect(cells[0].textContent).toContain('Grüße | x');
    expect(cells[1].querySelector('.jp-HpcQueue-state')!.textContent).toBe(
      'PENDING'
    );
    expect(cells[1].querySelector('.jp-HpcQueue-status')!.textContent).toBe(
      'other jobs are ahead of it'
    );
    expect(cells[1].textContent).toContain('starts in 2 h (14:00)');
    expect(row(base.id).style.height).toBe(`${COMPACT_ROW_HEIGHT}px`);
    const body =
      mounted.container.querySelector<HTMLElement>('.jp-HpcQueue-body')!;
    expect(body.style.height).toBe(`${COMPACT_ROW_HEIGHT}px`);
  });

  it('shows a held job as held, without an expected start', () => {
    render({ jobs: [{ ...base, reason: 'JobHeldUser' }], user: 'alice' });
    const r = row(base.id);
    expect(r.querySelector('.jp-HpcQueue-status')!.textContent).toBe(
      'held by you'
    );
    expect(r.textContent).not.toContain('starts');
  });

  it('names the user of others’ jobs, and where a running job runs', () => {
    render({
      jobs: [
        { ...base, id: '9', user: 'bob' },
        { ...base, id: '10', state: 'RUNNING', reason: '', nodes: 'node3' }
      ],
      user: 'alice'
    });
    expect(row('9').querySelector('.jp-HpcQueue-user')!.textContent).toBe(
      'bob'
    );
    expect(row('10').querySelector('.jp-HpcQueue-user')).toBeNull();
    expect(row('10').textContent).toContain('node3');
  });

  it('leaves the actions to the details: a row only opens its job', () => {
    const onAction = jest.fn();
    const onOpen = jest.fn();
    render({ jobs: manyJobs(2), user: 'alice', onAction, onOpen });
    expect(row('2').querySelector('button')).toBeNull();
    React.act(() => row('2').click());
    expect(onOpen).toHaveBeenCalledWith(expect.objectContaining({ id: '2' }));
  });

  it('grows into the full table when it is wide enough', () => {
    render({ jobs: [base], user: 'alice', layout: 'wide' });
    expect(row(base.id).querySelectorAll('[role="gridcell"]')).toHaveLength(12);
  });
});

describe('job actions', () => {
  it('offers what fits the state', () => {
    expect(jobActions(base)).toEqual(['hold', 'cancel']);
    expect(jobActions({ ...base, reason: 'JobHeldUser' })).toEqual([
      'release',
      'cancel'
    ]);
    expect(jobActions({ ...base, state: 'RUNNING' })).toEqual(['cancel']);
    expect(jobActions({ ...base, state: 'COMPLETING' })).toEqual([]);
  });

  it('counts running time on from the start', () => {
    const t = Date.parse('2026-11-25T12:00:00Z');
    const running = {
      ...base,
      state: 'RUNNING',
      start_time: '2026-11-25T11:58:00+00:00',
      elapsed_s: 60
    };
    expect(elapsedNow(running, t)).toBe(120);
    expect(elapsedNow({ ...running, start_time: null }, t)).toBe(60);
  });
});
