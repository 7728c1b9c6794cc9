import * as React from 'react';

import { IJob, IStatus } from '../api';
import { jobFields } from '../components/JobDetails';
import { expectedStartText, whereText } from '../components/jobText';
import { IHpcModel } from '../tokens';
import {
  DEFAULT_QUEUE_VIEW,
  IQueueViewState,
  QueueSection
} from '../widgets/QueueSection';
import { baseJob, manyJobs } from './jobs';
import { mountEach } from './mount';

beforeAll(() => {
  (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList?.contains('jp-HpcQueue-scroll') ? 300 : 0;
    }
  });
});
afterAll(() => {
  delete (HTMLElement.prototype as any).clientHeight;
});

/** The parts of the model the queue section reads (the real model is tested in model.spec). */
function fakeModel(jobs: IJob[]): IHpcModel {
  return {
    jobs,
    partitions: [],
    nodes: [],
    status: { user: 'alice', live_queue: true } as IStatus,
    loading: false,
    scope: 'all',
    updatedAt: null,
    stale: false,
    refresh: async () => undefined
  } as unknown as IHpcModel;
}

const mounted = mountEach();

function renderSection(
  model: IHpcModel,
  onAction = jest.fn(),
  view: IQueueViewState = DEFAULT_QUEUE_VIEW,
  onView = jest.fn()
): void {
  React.act(() =>
    mounted.root.render(
      <QueueSection
        model={model}
        trans={t => t}
        onAction={onAction}
        view={view}
        onView={onView}
      />
    )
  );
}

const details = () =>
  mounted.container.querySelector<HTMLElement>('.jp-HpcQueue-details');
const row = (id: string) =>
  mounted.container.querySelector<HTMLElement>(
    `.jp-HpcQueue-row[data-job-id="${id}"]`
  )!;

describe('QueueSection', () => {
  it('opens a job’s details on click and closes them', () => {
    const jobs = manyJobs(10_000);
    renderSection(fakeModel(jobs));
    expect(details()).toBeNull();
    React.act(() => row('5').click());
    const panel = details()!;
    expect(panel.getAttribute('aria-label')).toBe('Details of job 5');
    expect(panel.textContent).toContain('job 5');
    expect(panel.textContent).toContain('waiting for free nodes (Resources)');
    React.act(() =>
      panel
        .querySelector<HTMLButtonElement>('.jp-HpcQueue-detailsClose')!
        .click()
    );
    expect(details()).toBeNull();
  });

  it('tells which job is open, for the commands that act on it', () => {
    const jobs = manyJobs(3);
    const seen: (string | null)[] = [];
    React.act(() =>
      mounted.root.render(
        <QueueSection
          model={fakeModel(jobs)}
          trans={t => t}
          onAction={jest.fn()}
          onSelect={job => {
            seen.push(job?.id ?? null);
          }}
          view={DEFAULT_QUEUE_VIEW}
          onView={jest.fn()}
        />
      )
    );
    React.act(() => row('2').click());
    expect(details()).not.toBeNull();
    React.act(() =>
      details()!
        .querySelector<HTMLButtonElement>('.jp-HpcQueue-detailsClose')!
        .click()
    );
    expect(seen).toEqual([null, '2', null]);
  });

  it('follows the open job through updates and keeps it when it leaves', () => {
    const jobs = manyJobs(3);
    const model = fakeModel(jobs);
    renderSection(model);
    React.act(() => row('2').click());
    (model as any).jobs = [jobs[0], { ...jobs[1], state: 'RUNNING' }];
    renderSection(model);
    expect(details()!.textContent).toContain('RUNNING');
    (model as any).jobs = [jobs[0]];
    renderSection(model);
    expect(details()!.textContent).toContain('no longer in the list');
  });

  it('offers actions in the details for own jobs', () => {
    const onAction = jest.fn();
    const jobs = manyJobs(2); // 2 is alice's, the user's
    renderSection(fakeModel(jobs), onAction);
    React.act(() => row('2').click());
    const buttons = Array.from(details()!.querySelectorAll('button')).map(
      b => b.textContent
    );
    expect(buttons).toContain('Hold');
    React.act(() => row('1').click());
    expect(
      Array.from(details()!.querySelectorAll('button')).map(b => b.textContent)
    ).not.toContain('Hold');
  });

  it('counts filtered jobs and offers to clear a filter that hides all', () => {
    const onView = jest.fn();
    renderSection(
      fakeModel(manyJobs(10)),
      jest.fn(),
      {
        ...DEFAULT_QUEUE_VIEW,
        filter: { text: 'nothing', state: 'all', partition: '' }
      },
      onView
    );
    expect(
      mounted.container.querySelector('.jp-HpcQueue-count')!.textContent
    ).toBe('0 of 10 jobs');
    const clear = Array.from(mounted.container.querySelectorAll('button')).find(
      b => b.textContent === 'Clear the filters'
    )!;
    React.act(() => clear.click());
    expect(onView).toHaveBeenCalledWith(DEFAULT_QUEUE_VIEW);
  });

  it('sorts from a header click through the view state', () => {
    const onView = jest.fn();
    renderSection(
      fakeModel(manyJobs(3)),
      jest.fn(),
      DEFAULT_QUEUE_VIEW,
      onView
    );
    const header = mounted.container.querySelector<HTMLButtonElement>(
      '[role="columnheader"] button'
    )!;
    React.act(() => header.click());
    expect(onView).toHaveBeenCalledWith({
      ...DEFAULT_QUEUE_VIEW,
      sort: { key: 'id', descending: false }
    });
  });
});

describe('jobFields', () => {
  const now = Date.parse('2026-11-25T12:00:00');
  const fields = (job: IJob) => Object.fromEntries(jobFields(job, now, t => t));

  it('lists every field of a pending array task, reason in words and raw', () => {
    const f = fields(baseJob);
    expect(f['Name']).toBe('Grüße | x');
    expect(f['User']).toBe('alice');
    expect(f['Partition']).toBe('batch');
    expect(f['State']).toBe('PENDING');
    expect(f['Waiting because']).toBe('other jobs are ahead of it (Priority)');
    expect(f['Expected start']).toBe('in 2 h (14:00) · 2026-11-25 14:00:00');
    expect(f['Submitted']).toBe('2026-11-25 12:00:00 (now)');
    expect(f['Time limit']).toBe('1-00:00:00');
    expect(f['Nodes requested']).toBe('1');
    expect(f['CPUs']).toBe('4');
    expect(f['Memory']).toBe('2 GB');
    expect(f['GRES']).toBe('2 GPUs (gpu:a100:2)');
    expect(fields({ ...baseJob, gres: 'gpu:1' })['GRES']).toBe('1 GPU');
    expect(fields({ ...baseJob, gres: 'shard:2' })['GRES']).toBe('shard:2');
    expect(f['Priority']).toBe('1');
    expect(f['Array']).toBe('task [1-5%2] of array job 123');
    expect(f['Elapsed']).toBeUndefined();
  });

  it('gives a held job no start time: it starts when released', () => {
    const held = { ...baseJob, reason: 'JobHeldUser' };
    const f = fields(held);
    expect(f['Waiting because']).toBe('held by you (JobHeldUser)');
    expect(f['Expected start']).toBe('when you release it');
    expect(expectedStartText(held, now, t => t)).toBe('');
  });

  it('says a job just released waits for the scheduler, not nothing', () => {
    const released = { ...baseJob, reason: 'None' };
    expect(fields(released)['Waiting because']).toBe(
      'waiting for the scheduler to consider it (None)'
    );
    expect(whereText(released)).toBe(
      'waiting for the scheduler to consider it'
    );
    expect(whereText({ ...released, state: 'COMPLETING' })).toBe('');
  });

  it('shows where and how long a running job runs, and het components', () => {
    const f = fields({
      ...baseJob,
      id: '900+1',
      state: 'RUNNING',
      reason: 'None',
      nodes: 'node[1-2]',
      node_count: 2,
      memory_per_cpu: true,
      start_time: '2026-11-25T11:00:00',
      elapsed_s: 3600,
      time_limit_s: 7200,
      array_job_id: null,
      array_task_id: null
    });
    expect(f['Started']).toBe('2026-11-25 11:00:00 (1 h ago)');
    expect(f['Elapsed']).toBe('1:00:00');
    expect(f['Time left']).toBe('1:00:00');
    expect(f['Nodes']).toBe('2 · node[1-2]');
    expect(f['Memory']).toBe('2 GB per CPU');
    expect(f['Heterogeneous job']).toBe('component 1 of job 900');
    expect(f['Reason']).toBeUndefined();
    expect(f['Expected start']).toBeUndefined();
  });
});
