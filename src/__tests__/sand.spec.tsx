import * as React from 'react';
import { renderToStaticMarkup } from 'react-dom/server';

import { ICluster, IGaps } from '../api';
import { GapsTable, horizonLabel } from '../components/GapsTable';
import {
  PatienceLine,
  patienceStatus,
  patienceText
} from '../components/PatienceLine';
import { baseCluster } from './clusters';

const trans = (text: string) => text;

const GAPS: IGaps = {
  partitions: [
    {
      name: 'debug',
      cpus_total: 16,
      max_time_s: 1800,
      free: [
        { in_s: 0, cpus: 2 },
        { in_s: 900, cpus: 10 },
        { in_s: 1800, cpus: 10 },
        { in_s: 3600, cpus: 16 }
      ],
      largest_node_free: 2
    }
  ],
  horizon_s: [0, 900, 1800, 3600],
  computed_at: 0,
  version: 3,
  stale: false
};

function cluster(patience: ICluster['patience']): ICluster {
  const counts = { requested: 2, pending: 2, running: 0, connected: 0 };
  return { ...baseCluster, counts, patience };
}

describe('the gaps table', () => {
  it('labels the horizon in words', () => {
    expect([0, 900, 1800, 3600, 7200].map(s => horizonLabel(s, trans))).toEqual(
      ['now', '15 min', '30 min', '1 h', '2 h']
    );
  });

  it('shows free cores per partition with bars in proportion', () => {
    const html = renderToStaticMarkup(<GapsTable gaps={GAPS} trans={trans} />);
    expect(html).toContain('<th scope="row">debug</th>');
    expect(html).toContain('>now</th>');
    expect(html).toContain('>1 h</th>');
    expect(html).toContain('2 of 16 cores free; at most 2 on one node');
    expect(html).toContain('width:13%');
    expect(html).toContain('width:100%');
  });
});

describe('patience on a cluster card', () => {
  it('says what the switch does when on, even while it is off', () => {
    expect(patienceText(cluster(null), trans)).toBe(
      'Resubmit workers waiting over 5 min in a shape that starts sooner'
    );
    expect(patienceStatus(cluster(null), trans)).toBe('');
  });

  it('says how long it waits and how many tries are used, and what it did last', () => {
    const c = cluster({
      on: true,
      after_s: 300,
      max_tries: 3,
      tries: 3,
      exhausted: true,
      events: [{ at: 1, text: 'try 3 of 3: resubmitted 1 waiting job(s)' }]
    });
    expect(patienceText(c, trans)).toBe(
      'Resubmit workers waiting over 5 min in a shape that starts sooner'
    );
    expect(patienceStatus(c, trans)).toBe('3 of 3 tries used');
    const html = renderToStaticMarkup(
      <PatienceLine cluster={c} onPatience={() => undefined} trans={trans} />
    );
    expect(html).toContain('checked=""');
    expect(html).toContain('No tries left');
    expect(html).toContain('try 3 of 3: resubmitted 1 waiting job(s)');
  });
});
