import * as React from 'react';
import { renderToStaticMarkup } from 'react-dom/server';

import { ICluster } from '../api';
import {
  ClusterCard,
  progressParts,
  shownCounts
} from '../components/ClusterCard';
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
