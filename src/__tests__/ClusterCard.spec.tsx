import * as React from 'react';
import { renderToStaticMarkup } from 'react-dom/server';

import { nullTranslator } from '@jupyterlab/translation';

import { ICluster, IClusterWorker } from '../api';
import {
  ClusterCard,
  pendingReasons,
  progressParts,
  shownCounts
} from '../components/ClusterCard';
import { bundleTrans } from '../trans';
import { baseCluster } from './clusters';

function cluster(counts: ICluster['counts']): ICluster {
  return {
    ...baseCluster,
    counts,
    profile: { ...baseCluster.profile, max_workers: 8 }
  };
}

/** The numbers the card writes, in order: connected, starting, pending, requested. */
function cardNumbers(c: ICluster): number[] {
  const html = renderToStaticMarkup(
    <ClusterCard
      cluster={c}
      current={false}
      now={0}
      trans={t => t}
      onScale={() => undefined}
      onAdapt={() => undefined}
      onConnect={() => undefined}
      onDashboard={() => undefined}
      onShutdown={() => undefined}
    />
  );
  const counts = new DOMParser()
    .parseFromString(html, 'text/html')
    .querySelector('.jp-HpcCluster-counts')!;
  return Array.from(counts.querySelectorAll('b')).map(b =>
    Number(b.textContent)
  );
}

describe('the Dask card’s worker counts', () => {
  it('add up while the job states lag behind the connected workers', () => {
    // as seen on the demo: a worker connected while squeue still said its job was pending
    const lagging = cluster({
      requested: 2,
      pending: 2,
      running: 0,
      connected: 1
    });
    expect(cardNumbers(lagging)).toEqual([1, 0, 1, 2]);
    const shown = shownCounts(lagging);
    expect(shown.connected + shown.starting + shown.pending).toBe(2);
    const parts = progressParts(lagging);
    expect(parts.connected + parts.starting + parts.pending).toBe(1);
  });

  it('show jobs that run before their worker connects as starting', () => {
    expect(
      cardNumbers(
        cluster({ requested: 4, pending: 1, running: 3, connected: 1 })
      )
    ).toEqual([1, 2, 1, 4]);
  });

  it('count no more pending than requested workers not yet running', () => {
    // scaled down from 4 to 1: two old pending jobs not yet cancelled
    expect(
      cardNumbers(
        cluster({ requested: 1, pending: 2, running: 1, connected: 1 })
      )
    ).toEqual([1, 0, 0, 1]);
  });
});

describe('the Dask card’s controls', () => {
  function controls(status: string): HTMLFieldSetElement {
    const html = renderToStaticMarkup(
      <ClusterCard
        cluster={{ ...baseCluster, status }}
        current={false}
        now={0}
        trans={t => t}
        onScale={() => undefined}
        onAdapt={() => undefined}
        onPatience={() => undefined}
        onConnect={() => undefined}
        onDashboard={() => undefined}
        onShutdown={() => undefined}
      />
    );
    return new DOMParser()
      .parseFromString(html, 'text/html')
      .querySelector('fieldset.jp-HpcCluster-controls')!;
  }

  it('wait for the cluster to run (the server refuses scaling and patience before)', () => {
    const starting = controls('starting');
    expect(starting.disabled).toBe(true);
    expect(starting.querySelectorAll('button').length).toBeGreaterThan(0);
    expect(
      starting.querySelector('.jp-HpcCluster-patience input')
    ).not.toBeNull();
    expect(controls('running').disabled).toBe(false);
  });
});

const realTrans = bundleTrans(nullTranslator.load('hpc_lab_ext'));

function renderCard(c: ICluster, now = 0): Document {
  const html = renderToStaticMarkup(
    <ClusterCard
      cluster={c}
      current={false}
      now={now}
      trans={realTrans}
      onScale={() => undefined}
      onAdapt={() => undefined}
      onPatience={() => undefined}
      onConnect={() => undefined}
      onDashboard={() => undefined}
      onShutdown={() => undefined}
    />
  );
  return new DOMParser().parseFromString(html, 'text/html');
}

function worker(over: Partial<IClusterWorker>): IClusterWorker {
  return {
    job_id: '1',
    state: 'PENDING',
    reason: 'Resources',
    start_time: null,
    node: '',
    elapsed_s: null,
    time_limit_s: 3600,
    worker_name: null,
    worker_address: null,
    memory_bytes: null,
    tasks: null,
    ...over
  };
}

describe('the Dask card without its worker list open', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  const waiting: ICluster = {
    ...baseCluster,
    profile: { ...baseCluster.profile, max_workers: 8 },
    counts: { requested: 4, pending: 3, running: 1, connected: 1 },
    workers: [
      worker({ job_id: '10', state: 'RUNNING', reason: 'None', node: 'node1' }),
      worker({
        job_id: '11',
        start_time: new Date(now + 4 * 60_000).toISOString()
      }),
      worker({
        job_id: '12',
        start_time: new Date(now + 9 * 60_000).toISOString()
      }),
      worker({ job_id: '13', reason: 'Priority' })
    ]
  };

  it('says why its pending workers wait, with the earliest start', () => {
    const doc = renderCard(waiting, now);
    expect(doc.querySelector('.jp-HpcCluster-workers')).toBeNull(); // not expanded
    const lines = Array.from(
      doc.querySelectorAll('.jp-HpcCluster-pendingReasons li')
    ).map(li => li.textContent);
    expect(lines).toEqual([
      expect.stringMatching(
        /^2 waiting: waiting for free nodes · starts in 4 min \(\d\d:\d\d\)$/
      ),
      '1 waiting: other jobs are ahead of it'
    ]);
    expect(pendingReasons(waiting.workers, now, realTrans)).toEqual(lines);
  });

  it('says nothing of reasons when no worker waits', () => {
    const doc = renderCard({
      ...waiting,
      counts: { requested: 1, pending: 0, running: 1, connected: 1 },
      workers: [waiting.workers[0]]
    });
    expect(doc.querySelector('.jp-HpcCluster-pendingReasons')).toBeNull();
  });
});

describe('the patience switch', () => {
  const label = (c: ICluster) =>
    renderCard(c).querySelector('.jp-HpcCluster-patience label')!.textContent;
  const patience = (on: boolean): ICluster['patience'] =>
    ({
      on,
      after_s: 300,
      max_tries: 3,
      tries: 1,
      exhausted: false,
      events: []
    }) as unknown as ICluster['patience'];

  it('is labelled with what it does when on, in both states', () => {
    const off = label({ ...baseCluster, patience: null });
    expect(off).toBe(
      'Resubmit workers waiting over 5 min in a shape that starts sooner'
    );
    expect(label({ ...baseCluster, patience: patience(false) })).toBe(off);
    expect(label({ ...baseCluster, patience: patience(true) })).toBe(off);
  });

  it('tells the tries used only while on', () => {
    const note = (c: ICluster) =>
      renderCard(c).querySelector('.jp-HpcCluster-patienceNote')?.textContent ??
      null;
    expect(note({ ...baseCluster, patience: patience(true) })).toBe(
      '1 of 3 tries used'
    );
    expect(note({ ...baseCluster, patience: patience(false) })).toBeNull();
  });
});
