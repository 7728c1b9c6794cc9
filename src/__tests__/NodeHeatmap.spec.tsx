import * as React from 'react';
import { renderToStaticMarkup } from 'react-dom/server';

import { INode, IPartition } from '../api';
import {
  NodeHeatmap,
  nodeFraction,
  nodeUse,
  nodeHealth,
  describeNode,
  tileHtml
} from '../components/NodeHeatmap';

function node(name: string, extra: Partial<INode> = {}): INode {
  return {
    name,
    state: 'idle',
    reason: '',
    partitions: ['batch'],
    cpus_total: 8,
    cpus_alloc: 0,
    memory_total_mb: 16000,
    memory_alloc_mb: 0,
    gpus_total: 0,
    gpus_alloc: 0,
    load: 0.1,
    ...extra
  };
}

const partition = (name: string, nodes: string[]): IPartition => ({
  name,
  state: 'up',
  default: name === 'debug',
  nodes,
  max_time_s: 1800,
  default_time_s: null,
  max_nodes: 1,
  cpus_total: nodes.length * 8,
  gpus_total: 0
});

describe('nodeFraction', () => {
  it('divides allocated by total per metric', () => {
    const n = node('a', {
      cpus_alloc: 2,
      memory_alloc_mb: 8000,
      gpus_total: 2,
      gpus_alloc: 1
    });
    expect(nodeFraction(n, 'cpu')).toBe(0.25);
    expect(nodeFraction(n, 'memory')).toBe(0.5);
    expect(nodeFraction(n, 'gpu')).toBe(0.5);
    expect(nodeFraction(node('b'), 'gpu')).toBeNull();
  });
});

describe('nodeHealth', () => {
  it('groups states', () => {
    expect(nodeHealth('mixed')).toBe('ok');
    expect(nodeHealth('drained')).toBe('drain');
    expect(nodeHealth('draining')).toBe('drain');
    expect(nodeHealth('down')).toBe('down');
    expect(nodeHealth('not_responding')).toBe('down');
  });
});

describe('NodeHeatmap', () => {
  const nodes = [
    node('node1', { cpus_alloc: 8, state: 'allocated' }),
    node('node2', { state: 'drained', reason: 'maintenance' }),
    node('node3', {
      gpus_total: 2,
      gpus_alloc: 2,
      cpus_alloc: 2,
      state: 'mixed'
    })
  ];
  const html = renderToStaticMarkup(
    <NodeHeatmap
      nodes={nodes}
      partitions={[
        partition('debug', ['node1', 'node2']),
        partition('batch', ['node1', 'node2', 'node3'])
      ]}
      metric="cpu"
      onMetric={() => undefined}
      trans={t => t}
    />
  );

  it('draws one cell per node in each partition, shaded by allocation', () => {
    expect(html.match(/data-node="node1"/g)).toHaveLength(2);
    expect(html).toContain('data-fraction="1.00"');
    expect(html).toContain('--jp-hpc-fill:100%');
    expect(html).toContain('data-fraction="0.25"');
  });

  it('shows drained nodes with their reason on hover', () => {
    expect(html).toContain('jp-mod-drain');
    const drained = nodes.find(n => n.name === 'node2')!;
    expect(describeNode(drained, t => t)).toContain(
      'node2: drained (maintenance)'
    );
  });

  it('writes used/total on each tile and explains the shades', () => {
    const use = (name: string) => {
      const cell = new DOMParser()
        .parseFromString(html, 'text/html')
        .querySelector(`[data-node="${name}"]`)!;
      return cell.getAttribute('data-use');
    };
    expect(use('node1')).toBe('8/8');
    expect(use('node3')).toBe('2/8');
    expect(html).toContain('jp-HpcNodes-legend');
    expect(html).toContain('all in use');
    expect(nodeUse(nodes[2], 'gpu')).toBe('2/2');
    expect(nodeUse(nodes[0], 'gpu')).toBeNull();
    expect(
      nodeUse(
        { ...nodes[0], memory_alloc_mb: 12288, memory_total_mb: 65536 },
        'memory'
      )
    ).toBe('12/64 GB');
  });

  it('sums partition cores and GPUs', () => {
    expect(html).toContain('10/24');
    expect(html).toContain('2/2');
    expect(html).toContain('(default)');
  });
});

describe('tileHtml', () => {
  it('escapes what the scheduler names, so a name cannot become markup', () => {
    const html = tileHtml(
      node('n<1>"x"', { state: 'down&out', reason: '<b>' }),
      'cpu',
      t => t,
      true
    );
    const tile = new DOMParser()
      .parseFromString(html, 'text/html')
      .querySelector<HTMLElement>('.jp-HpcNodes-cell')!;
    expect(tile.dataset.node).toBe('n<1>"x"');
    expect(tile.querySelector('.jp-HpcNodes-cellName')!.textContent).toBe(
      'n<1>"x"'
    );
    expect(tile.querySelector('b')).toBeNull();
    expect(tile.getAttribute('role')).toBe('button');
  });
});
