import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';

import { ICluster, IClusterWorker } from '../api';
import { ClusterCard } from '../components/ClusterCard';
import { OPEN_JOB_LOG_EVENT } from '../logs/events';
import { bundleTrans } from '../trans';
import { baseCluster } from './clusters';
import { mountEach } from './mount';

const trans = bundleTrans(nullTranslator.load('hpc_lab_ext'));

const mounted = mountEach();

const running: IClusterWorker = {
  job_id: '41',
  state: 'RUNNING',
  reason: 'None',
  start_time: null,
  node: 'node2',
  elapsed_s: 30,
  time_limit_s: 600,
  worker_name: 'hpc-lab-w41',
  worker_address: 'tcp://127.0.0.1:40001',
  memory_bytes: null,
  tasks: null
};

describe("a Dask card's worker jobs", () => {
  it("open a worker job's log from its id", () => {
    const cluster: ICluster = {
      ...baseCluster,
      workers: [running, { ...running, job_id: null, worker_name: 'gone' }]
    };
    React.act(() =>
      mounted.root.render(
        <ClusterCard
          cluster={cluster}
          current={false}
          now={Date.now()}
          trans={trans}
          onScale={() => undefined}
          onAdapt={() => undefined}
          onConnect={() => undefined}
          onDashboard={() => undefined}
          onShutdown={() => undefined}
        />
      )
    );
    const expand = mounted.container.querySelector(
      '.jp-HpcCluster-expand'
    ) as HTMLButtonElement;
    React.act(() => expand.click());

    const links = mounted.container.querySelectorAll<HTMLButtonElement>(
      '.jp-HpcCluster-workers .jp-HpcCluster-log'
    );
    // one per worker with a job; a worker whose job is not known has none
    expect(Array.from(links).map(b => b.textContent)).toEqual(['41']);
    expect(links[0].getAttribute('aria-label')).toBe('Log of job 41');

    const seen: unknown[] = [];
    const listener = (e: Event) => seen.push((e as CustomEvent).detail);
    document.addEventListener(OPEN_JOB_LOG_EVENT, listener);
    React.act(() => links[0].click());
    document.removeEventListener(OPEN_JOB_LOG_EVENT, listener);
    // where Dask writes its log
    expect(seen).toEqual([{ jobId: '41', stream: 'stderr' }]);
  });
});
