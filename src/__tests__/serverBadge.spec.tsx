import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';

import { QueueTable } from '../components/QueueTable';
import { bundleTrans } from '../trans';
import { baseJob } from './jobs';
import { sizeQueueViewport } from './viewport';
import { mountEach } from './mount';

sizeQueueViewport();

const mounted = mountEach();

const trans = bundleTrans(nullTranslator.load('hpc_lab_ext'));
const jobs = [
  { ...baseJob, id: '75', name: 'jupyterhub', user: 'alice' },
  { ...baseJob, id: '76', name: 'train', user: 'alice' }
];

describe.each(['compact', 'wide'] as const)(
  'the job this server runs in (%s rows)',
  layout => {
    it('is marked "this server", and no other job is', () => {
      React.act(() =>
        mounted.root.render(
          <QueueTable
            jobs={jobs}
            now={Date.now()}
            trans={trans}
            user="alice"
            sort={null}
            layout={layout}
            serverJob="75"
          />
        )
      );
      const row = (id: string) =>
        mounted.container.querySelector(`[data-job-id="${id}"]`) as HTMLElement;
      const badge = row('75').querySelector('.jp-HpcQueue-serverBadge');
      expect(badge?.textContent).toBe('this server');
      expect(row('76').querySelector('.jp-HpcQueue-serverBadge')).toBeNull();
    });
  }
);
