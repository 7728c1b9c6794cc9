import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';

import { IJob, INode, IPartition } from '../api';
import { NodeHeatmap } from '../components/NodeHeatmap';
import { QueueToolbar } from '../components/QueueToolbar';
import { expandHostlist } from '../components/hostlist';
import {
  IQueueFilter,
  NO_FILTER,
  isFiltered,
  makeQueueView,
  queueView
} from '../components/queueView';
import { bundleTrans } from '../trans';
import { baseJob } from './jobs';
import { mountEach } from './mount';

const trans = bundleTrans(nullTranslator.load('hpc_lab_ext'));

describe('expandHostlist', () => {
  it('reads Slurm host lists as node names', () => {
    expect(expandHostlist('node3')).toEqual(['node3']);
    expect(expandHostlist('node[1-3,7]')).toEqual([
      'node1',
      'node2',
      'node3',
      'node7'
    ]);
    expect(expandHostlist('gpu[08-10],node1')).toEqual([
      'gpu08',
      'gpu09',
      'gpu10',
      'node1'
    ]);
    expect(expandHostlist('r[1-2]n[1-2]')).toEqual([
      'r1n1',
      'r1n2',
      'r2n1',
      'r2n2'
    ]);
    expect(expandHostlist('')).toEqual([]);
    expect(expandHostlist('(null)')).toEqual([]);
  });
});

describe('the queue filtered by node', () => {
  const jobs: IJob[] = [
    { ...baseJob, id: '1', state: 'RUNNING', nodes: 'node[1-3]' },
    { ...baseJob, id: '2', state: 'RUNNING', nodes: 'node10' },
    { ...baseJob, id: '3', state: 'PENDING', nodes: '' },
    { ...baseJob, id: '4', state: 'RUNNING', nodes: 'node1' }
  ];
  const on = (node: string) =>
    queueView(jobs, { ...NO_FILTER, node }, null).map(j => j.id);

  it('keeps the jobs running on that node, whole names only', () => {
    expect(on('node1')).toEqual(['1', '4']);
    expect(on('node2')).toEqual(['1']);
    expect(on('node10')).toEqual(['2']);
    expect(on('node9')).toEqual([]);
    expect(isFiltered({ ...NO_FILTER, node: 'node1' })).toBe(true);
  });

  it('is part of the memoized view’s key', () => {
    const view = makeQueueView();
    expect(view(jobs, { ...NO_FILTER, node: 'node1' }, null)).toHaveLength(2);
    expect(view(jobs, { ...NO_FILTER, node: 'node10' }, null)).toHaveLength(1);
  });
});

describe('clicking a node tile, and the filter it sets', () => {
  const mounted = mountEach();

  const node = (name: string): INode => ({
    name,
    state: 'mixed',
    reason: '',
    partitions: ['batch'],
    cpus_total: 8,
    cpus_alloc: 4,
    memory_total_mb: 16000,
    memory_alloc_mb: 0,
    gpus_total: 0,
    gpus_alloc: 0,
    load: 1
  });
  const partition: IPartition = {
    name: 'batch',
    state: 'up',
    default: true,
    nodes: ['node1', 'node2'],
    max_time_s: null,
    default_time_s: null,
    max_nodes: null,
    cpus_total: 16,
    gpus_total: 0
  };

  it('names the node, by click and by Enter', () => {
    const picked: string[] = [];
    React.act(() =>
      mounted.root.render(
        <NodeHeatmap
          nodes={[node('node1'), node('node2')]}
          partitions={[partition]}
          metric="cpu"
          onMetric={() => undefined}
          onNode={name => picked.push(name)}
          trans={trans}
        />
      )
    );
    const tile = (name: string) =>
      mounted.container.querySelector<HTMLElement>(`[data-node="${name}"]`)!;
    React.act(() => tile('node2').click());
    React.act(() => {
      tile('node1')
        .querySelector<HTMLElement>('.jp-HpcNodes-cellName')!
        .dispatchEvent(
          new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })
        );
    });
    expect(picked).toEqual(['node2', 'node1']);
    // the tooltip is written when the pointer reaches the tile
    expect(tile('node2').title).toBe('');
    React.act(() => {
      tile('node2').dispatchEvent(
        new MouseEvent('mouseover', { bubbles: true })
      );
    });
    expect(tile('node2').title).toContain('node2: mixed');
    expect(tile('node2').title).toContain('CPUs 4/8');
  });

  it('shows in the toolbar with a button that clears only it', () => {
    const filters: IQueueFilter[] = [];
    const filter: IQueueFilter = {
      ...NO_FILTER,
      state: 'running',
      node: 'node2'
    };
    React.act(() =>
      mounted.root.render(
        <QueueToolbar
          scope="all"
          count={1}
          total={5}
          updatedAt={null}
          stale={false}
          now={0}
          filter={filter}
          partitions={[]}
          onScope={() => undefined}
          onFilter={f => filters.push(f)}
          onRefresh={() => undefined}
          trans={trans}
        />
      )
    );
    const chip = mounted.container.querySelector('.jp-HpcQueue-nodeFilter')!;
    expect(chip.textContent).toContain('Jobs on node node2');
    React.act(() =>
      chip
        .querySelector<HTMLButtonElement>(
          'button[aria-label="Show the jobs of every node"]'
        )!
        .click()
    );
    expect(filters).toEqual([{ ...filter, node: '' }]);
  });
});
