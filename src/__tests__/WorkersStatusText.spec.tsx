import * as React from 'react';

import { ICluster } from '../api';
import {
  WorkersStatusText,
  workersText
} from '../components/WorkersStatusText';
import { mountEach } from './mount';

function cluster(connected: number, pending: number): ICluster {
  return {
    id: 'c1',
    name: 'hpc-lab-c1',
    notebook: 'work.ipynb',
    counts: {
      requested: connected + pending,
      pending,
      running: connected,
      connected
    }
  } as ICluster;
}

const trans = (text: string) => text;

describe('workersText', () => {
  it('reads “N workers · M pending”', () => {
    expect(workersText(cluster(3, 2), trans)).toBe('3 workers · 2 pending');
    expect(workersText(cluster(0, 4), trans)).toBe('0 workers · 4 pending');
    expect(workersText(cluster(1, 0), trans)).toBe('1 worker');
  });
});

describe('WorkersStatusText', () => {
  const mounted = mountEach();

  it('opens the panel on click and on Enter, and gives every count', () => {
    let opened = 0;
    React.act(() =>
      mounted.root.render(
        <WorkersStatusText
          cluster={cluster(2, 1)}
          trans={trans}
          onOpen={() => opened++}
        />
      )
    );
    const item = mounted.container.querySelector<HTMLElement>(
      '.jp-HpcWorkersStatus-text'
    )!;
    expect(item.textContent).toBe('2 workers · 1 pending');
    expect(item.title).toContain(
      '3 requested, 1 pending, 2 running, 2 connected'
    );
    React.act(() => item.click());
    React.act(() => {
      item.dispatchEvent(
        new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })
      );
    });
    expect(opened).toBe(2);
  });

  it('is set as JupyterLab’s other status-bar texts (same line box, so the same baseline)', () => {
    React.act(() =>
      mounted.root.render(
        <WorkersStatusText
          cluster={cluster(2, 1)}
          trans={trans}
          onOpen={() => undefined}
        />
      )
    );
    const item = mounted.container.querySelector('.jp-HpcWorkersStatus-text')!;
    expect(item.classList.contains('jp-StatusBar-TextItem')).toBe(true);
  });
});
