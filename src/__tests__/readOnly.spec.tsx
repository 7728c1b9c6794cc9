import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';
import { renderToStaticMarkup } from 'react-dom/server';

import { ClusterCard } from '../components/ClusterCard';
import { bundleTrans } from '../trans';
import { baseCluster } from './clusters';

const trans = bundleTrans(nullTranslator.load('hpc_lab_ext'));

function card(readOnly: boolean): Document {
  const html = renderToStaticMarkup(
    <ClusterCard
      cluster={baseCluster}
      current={false}
      now={0}
      trans={trans}
      readOnly={readOnly}
      onScale={() => undefined}
      onAdapt={() => undefined}
      onConnect={() => undefined}
      onDashboard={() => undefined}
      onShutdown={() => undefined}
    />
  );
  return new DOMParser().parseFromString(html, 'text/html');
}

const buttons = (doc: Document) =>
  Array.from(doc.querySelectorAll('button'))
    .filter(b => !b.closest('[hidden]'))
    .map(b => b.textContent?.trim());

describe('a Dask card seen with read-only access', () => {
  it('shows the cluster and its dashboard, offers nothing the server would refuse', () => {
    const full = buttons(card(false));
    expect(full).toEqual(
      expect.arrayContaining(['Connect notebook', 'Dashboard', 'Shut down'])
    );
    const shown = buttons(card(true));
    expect(shown).toContain('Dashboard');
    for (const refused of ['Connect notebook', 'Shut down', 'Scale', 'Adapt']) {
      expect(shown).not.toContain(refused);
    }
    expect(
      card(true)
        .querySelector('.jp-HpcCluster-controls')
        ?.hasAttribute('hidden')
    ).toBe(true);
  });
});
