import * as React from 'react';
import { createRoot } from 'react-dom/client';
import { nullTranslator } from '@jupyterlab/translation';

import { IEndedJob, IHistory, IResubmitPlan } from '../history/api';
import { ResizeForm, initialFields } from '../history/resize';
import {
  duration,
  endText,
  jobsOf,
  megabytes,
  percent,
  sourceText,
  spreadText,
  suggestionText
} from '../history/format';
import { failureNotices } from '../history/failures';
import { HistoryTable, MAX_ROWS } from '../history/table';
import { requestJobLog, OPEN_JOB_LOG_EVENT } from '../logs/events';
import { bundleTrans } from '../trans';
import { mountEach } from './mount';

// JupyterLab's own translator, as the panel gets it: it fills %1, %2… itself.
const trans = bundleTrans(nullTranslator.load('hpc_lab_ext'));

function ended(id: string, extra: Partial<IEndedJob> = {}): IEndedJob {
  return {
    id,
    name: `job-${id}`,
    partition: 'debug',
    state: 'COMPLETED',
    group: 'completed',
    exit_code: 0,
    signal: 0,
    submit_time: '2026-11-30T12:00:00',
    start_time: '2026-11-30T12:00:01',
    end_time: '2026-11-30T12:01:01',
    elapsed_s: 60,
    time_limit_s: 300,
    cpus: 4,
    req_mem_mb: 4000,
    max_rss_mb: 500,
    total_cpu_s: 60,
    nodes: 'node1',
    cpu_efficiency: 0.25,
    memory_efficiency: 0.125,
    time_efficiency: 0.2,
    ...extra
  };
}

const history: IHistory = {
  source: 'accounting',
  note: null,
  days: 7,
  counts: {
    completed: 1,
    failed: 1,
    timeout: 1,
    oom: 0,
    cancelled: 0,
    other: 0
  },
  jobs: [
    ended('1'),
    ended('2', { state: 'FAILED', group: 'failed', exit_code: 3 }),
    ended('3', { state: 'TIMEOUT', group: 'timeout' })
  ]
};

describe('history words', () => {
  it('formats use, times and how a job ended', () => {
    expect(percent(0.254)).toBe('25 %');
    expect(percent(null)).toBe('');
    expect(duration(62)).toBe('1:02');
    expect(duration(3723)).toBe('1:02:03');
    expect(duration(90000)).toBe('1-1:00:00');
    expect(megabytes(500)).toBe('500 MB');
    expect(megabytes(1536)).toBe('1.5 GB');
    expect(endText(history.jobs[1], trans)).toBe('exit code 3');
    expect(endText(history.jobs[2], trans)).toBe('reached its time limit');
    expect(
      endText(ended('4', { signal: 9, exit_code: 0, group: 'failed' }), trans)
    ).toBe('killed by signal 9');
  });

  it('says where the history comes from', () => {
    expect(sourceText(history, trans)).toBe(
      'From Slurm accounting (sacct), last 7 days'
    );
    const own: IHistory = {
      ...history,
      source: 'own-record',
      note: 'Slurm accounting did not answer (Connection refused)'
    };
    expect(sourceText(own, trans)).toContain('own record');
    expect(sourceText(own, trans)).toContain('Connection refused');
    expect(sourceText(own, trans)).not.toContain('undefined');
  });

  it('filters by how jobs ended', () => {
    expect(jobsOf(history.jobs, 'failed').map(j => j.id)).toEqual(['2']);
    expect(jobsOf(history.jobs, null)).toHaveLength(3);
  });
});

describe('HistoryTable', () => {
  const mounted = mountEach();

  it('shows each job with its use and offers its log', () => {
    const onGroup = jest.fn();
    const onLog = jest.fn();
    React.act(() =>
      mounted.root.render(
        <HistoryTable
          history={history}
          group={null}
          trans={trans}
          onGroup={onGroup}
          onLog={onLog}
        />
      )
    );
    const rows = mounted.container.querySelectorAll('tbody tr');
    expect(rows).toHaveLength(3);
    expect(rows[0].textContent).toContain('4 (25 %)');
    expect(rows[0].textContent).toContain('3.9 GB (500 MB)');
    expect(rows[1].textContent).toContain('exit code 3');
    const failed = Array.from(
      mounted.container.querySelectorAll('button')
    ).find(b => b.textContent?.startsWith('Failed'))!;
    React.act(() => failed.click());
    expect(onGroup).toHaveBeenCalledWith('failed');
    React.act(() =>
      mounted.container
        .querySelector<HTMLButtonElement>('[aria-label="Log of job 2"]')!
        .click()
    );
    expect(onLog).toHaveBeenCalledWith(history.jobs[1]);
  });
});

describe('open-job-log event', () => {
  it('bubbles to the document with the job id', () => {
    const seen: unknown[] = [];
    const listener = (e: Event) => seen.push((e as CustomEvent).detail);
    document.addEventListener(OPEN_JOB_LOG_EVENT, listener);
    const button = document.createElement('button');
    document.body.appendChild(button);
    requestJobLog(button, { jobId: '12_3' });
    document.removeEventListener(OPEN_JOB_LOG_EVENT, listener);
    button.remove();
    expect(seen).toEqual([{ jobId: '12_3' }]);
  });
});

describe('failure notices', () => {
  it('names the cause of jobs that failed, timed out or ran out of memory', () => {
    const found = new Set<string>();
    const notices = failureNotices(
      {
        ...history,
        jobs: [
          ...history.jobs,
          ended('5', { name: '', state: 'OUT_OF_MEMORY', group: 'oom' })
        ]
      },
      new Set(['1', '2', '3', '5', '9']),
      trans,
      found
    );
    expect(notices).toEqual([
      { jobId: '2', text: 'Job 2 (job-2) failed: exit code 3' },
      { jobId: '3', text: 'Job 3 (job-3) reached its time limit' },
      { jobId: '5', text: 'Job 5 ran out of memory' }
    ]);
    // a completed job is found (not looked for again) but not told
    expect([...found].sort()).toEqual(['1', '2', '3', '5']);
    expect(failureNotices(history, new Set(['2']), trans, found)).toEqual([]);
  });
});

describe('a long history', () => {
  it('shows the newest rows first and the rest on request', () => {
    const container = document.createElement('div');
    document.body.appendChild(container);
    const root = createRoot(container);
    const many: IHistory = {
      ...history,
      jobs: Array.from({ length: MAX_ROWS + 20 }, (_, i) =>
        ended(String(i + 1))
      )
    };
    React.act(() =>
      root.render(
        <HistoryTable
          history={many}
          group={null}
          trans={trans}
          onGroup={() => undefined}
          onLog={() => undefined}
        />
      )
    );
    expect(container.querySelectorAll('tbody tr')).toHaveLength(MAX_ROWS);
    const all =
      container.querySelector<HTMLButtonElement>('.jp-HpcHistory-all')!;
    expect(all.textContent).toBe(`Show all ${MAX_ROWS + 20} jobs`);
    React.act(() => all.click());
    expect(container.querySelectorAll('tbody tr')).toHaveLength(MAX_ROWS + 20);
    React.act(() => root.unmount());
    container.remove();
  });
});

describe('sizing words', () => {
  it('writes a suggestion as sbatch options, and an array spread', () => {
    expect(
      suggestionText({ cpus: 1, mem_mb: 256, time_s: 300, smaller: true })
    ).toBe('-c 1 --mem=256M -t 0:05:00');
    expect(suggestionText({ time_s: 5400, smaller: true })).toBe('-t 1:30:00');
    expect(suggestionText({ cpus: 4, time_s: 300, smaller: false })).toBe('');
    expect(suggestionText(null)).toBe('');
    expect(spreadText({ min: 0.12, median: 0.25, max: 0.3 })).toBe(
      '12–30 % (median 25 %)'
    );
    expect(spreadText({ min: 0.5, median: 0.5, max: 0.5 })).toBe('50 %');
    expect(spreadText(null)).toBe('');
  });
});

describe('ResizeForm', () => {
  const plan: IResubmitPlan = {
    job: ended('7', { cpus: 4, req_mem_mb: 4000, time_limit_s: 1800 }),
    script: '#!/bin/sh\necho sized\n',
    workdir: '/tmp',
    suggestion: { cpus: 1, mem_mb: 256, time_s: 600, smaller: true },
    limits: { max_time_s: 1800, max_cpus: 8, max_mem_mb: 16000 },
    shapes: [
      {
        label: 'asked',
        cpus: 4,
        mem_mb: 4000,
        time_s: 1800,
        start: '2026-11-30T13:00:00',
        error: null
      },
      {
        label: 'suggested',
        cpus: 1,
        mem_mb: 256,
        time_s: 600,
        start: '2026-11-30T12:50:00',
        error: null
      }
    ]
  };

  it('starts from the suggestion and shows both shapes, the script and the fields', () => {
    expect(initialFields(plan)).toEqual({ cpus: 1, mem_mb: 256, time_s: 600 });
    expect(initialFields({ ...plan, suggestion: null })).toEqual({
      cpus: 4,
      mem_mb: 4000,
      time_s: 1800
    });
    const container = document.createElement('div');
    document.body.appendChild(container);
    const root = createRoot(container);
    const onChange = jest.fn();
    React.act(() =>
      root.render(
        <ResizeForm
          plan={plan}
          fields={initialFields(plan)}
          trans={trans}
          onChange={onChange}
        />
      )
    );
    expect(
      container.querySelector('[data-shape="suggested"]')!.textContent
    ).toContain('2026-11-30 12:50:00');
    expect(container.querySelector('pre')!.textContent).toContain('echo sized');
    const minutes = container.querySelector<HTMLInputElement>(
      'input[aria-label="Time (minutes)"]'
    )!;
    expect(minutes.value).toBe('10');
    expect(minutes.max).toBe('30');
    React.act(() => root.unmount());
    container.remove();
  });
});
