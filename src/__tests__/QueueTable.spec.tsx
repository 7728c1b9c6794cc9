import * as React from 'react';
import { renderToStaticMarkup } from 'react-dom/server';

import { IJob } from '../api';
import { QueueTable, elapsedNow, jobActions } from '../components/QueueTable';

const base: IJob = {
  id: '123_[1-5%2]',
  name: 'Grüße | x',
  user: 'alice',
  partition: 'batch',
  state: 'PENDING',
  reason: 'Priority',
  nodes: '',
  node_count: 1,
  cpus: 4,
  memory_mb: 2048,
  memory_per_cpu: false,
  gres: 'gpu:a100:2',
  submit_time: '2026-11-25T12:00:00',
  start_time: '2026-11-25T14:00:00',
  time_limit_s: 86400,
  elapsed_s: 0,
  priority: 1,
  array_job_id: '123',
  array_task_id: '[1-5%2]'
};

describe('QueueTable', () => {
  const now = Date.parse('2026-11-25T12:00:00');
  const html = (jobs: IJob[], user: string | null = null) =>
    renderToStaticMarkup(
      <QueueTable
        jobs={jobs}
        now={now}
        trans={t => t}
        user={user}
        onAction={() => undefined}
      />
    );

  it('shows a pending job with its reason in words and its expected start', () => {
    const out = html([base]);
    expect(out).toContain('123_[1-5%2]');
    expect(out).toContain('Grüße | x');
    expect(out).toContain('other jobs are ahead of it');
    expect(out).toContain('starts in 2 h');
    expect(out).toContain('2 GB');
    expect(out).toContain('>2<'); // GPUs column
  });

  it('shows a running job with elapsed / limit and its nodes', () => {
    const out = html([
      {
        ...base,
        id: '77',
        state: 'RUNNING',
        reason: '',
        nodes: 'node3',
        elapsed_s: 65,
        time_limit_s: null
      }
    ]);
    expect(out).toContain('data-job-id="77"');
    expect(out).toContain('1:05 / ∞');
    expect(out).toContain('node3');
    expect(out).toContain('jp-mod-running');
  });

  it('puts the job id in the first column', () => {
    const out = html([base]);
    const firstCell = out.match(/<td[^>]*>([^<]*)<\/td>/);
    expect(firstCell?.[1]).toBe('123_[1-5%2]');
  });
});

describe('job actions', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  const render = (job: IJob, user: string | null) =>
    renderToStaticMarkup(
      <QueueTable
        jobs={[job]}
        now={now}
        trans={t => t}
        user={user}
        onAction={() => undefined}
      />
    );

  it('offers what fits the state', () => {
    expect(jobActions(base)).toEqual(['hold', 'cancel']);
    expect(jobActions({ ...base, reason: 'JobHeldUser' })).toEqual([
      'release',
      'cancel'
    ]);
    expect(jobActions({ ...base, state: 'RUNNING' })).toEqual(['cancel']);
    expect(jobActions({ ...base, state: 'COMPLETING' })).toEqual([]);
  });

  it('shows buttons only on the user’s own jobs', () => {
    expect(render(base, 'alice')).toContain(
      'aria-label="Cancel job 123_[1-5%2]"'
    );
    expect(render(base, 'bob')).not.toContain('Cancel');
    expect(render(base, null)).not.toContain('Cancel');
  });

  it('counts running time on from the start', () => {
    const running = {
      ...base,
      state: 'RUNNING',
      start_time: '2026-11-25T11:58:00+00:00',
      elapsed_s: 60
    };
    expect(elapsedNow(running, now)).toBe(120);
    expect(elapsedNow({ ...running, start_time: null }, now)).toBe(60);
  });
});
