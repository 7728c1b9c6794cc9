import * as React from 'react';

import { INode, IPartition } from '../api';
import { formatMemory } from './format';
import { Trans } from '../trans';

export type NodeMetric = 'cpu' | 'memory' | 'gpu';

export interface INodeHeatmapProps {
  nodes: readonly INode[];
  partitions: readonly IPartition[];
  metric: NodeMetric;
  onMetric: (metric: NodeMetric) => void;
  /** a tile was clicked (or Enter pressed on it): show that node's jobs */
  onNode?: (name: string) => void;
  trans: Trans;
}

/** Allocated fraction of a node for a metric, or null when the node has none of it. */
export function nodeFraction(node: INode, metric: NodeMetric): number | null {
  const [used, total] =
    metric === 'cpu'
      ? [node.cpus_alloc, node.cpus_total]
      : metric === 'memory'
        ? [node.memory_alloc_mb, node.memory_total_mb]
        : [node.gpus_alloc, node.gpus_total];
  return total > 0 ? Math.min(1, used / total) : null;
}

/**
 * How much of a node a metric uses, as a tile shows it at a glance: "3/8" cores or GPUs,
 * "12/64 GB" memory; null when the node has none of it.
 */
export function nodeUse(node: INode, metric: NodeMetric): string | null {
  if (metric === 'memory') {
    if (node.memory_total_mb <= 0) {
      return null;
    }
    const gb = (mb: number) => {
      const v = mb / 1024;
      return v >= 10 || Number.isInteger(v)
        ? v.toFixed(0)
        : v.toFixed(1).replace(/\.0$/, '');
    };
    return `${gb(node.memory_alloc_mb)}/${gb(node.memory_total_mb)} GB`;
  }
  const [used, total] =
    metric === 'cpu'
      ? [node.cpus_alloc, node.cpus_total]
      : [node.gpus_alloc, node.gpus_total];
  return total > 0 ? `${used}/${total}` : null;
}

/** Broad state class for a node: the colour family of its badge. */
export function nodeHealth(state: string): 'ok' | 'drain' | 'down' {
  if (/down|fail|not_responding|unknown/.test(state)) {
    return 'down';
  }
  if (/drain|maint|reserved|inval/.test(state)) {
    return 'drain';
  }
  return 'ok';
}

/** A tile's tooltip: the node's state and every count. */
export function describeNode(node: INode, trans: Trans): string {
  const lines = [
    `${node.name}: ${node.state}${node.reason ? ` (${node.reason})` : ''}`,
    `${trans('CPUs')} ${node.cpus_alloc}/${node.cpus_total}`,
    `${trans('Memory')} ${formatMemory(node.memory_alloc_mb)}/${formatMemory(node.memory_total_mb)}`
  ];
  if (node.gpus_total > 0) {
    lines.push(`${trans('GPUs')} ${node.gpus_alloc}/${node.gpus_total}`);
  }
  if (node.load !== null) {
    lines.push(`${trans('Load')} ${node.load}`);
  }
  return lines.join('\n');
}

function Bar(props: {
  used: number;
  total: number;
  label: string;
}): JSX.Element {
  const { used, total, label } = props;
  const pct = total > 0 ? Math.round((used / total) * 100) : 0;
  return (
    <div className="jp-HpcNodes-bar" title={`${label}: ${used}/${total}`}>
      <span className="jp-HpcNodes-barLabel">{label}</span>
      <span className="jp-HpcNodes-barTrack">
        <span className="jp-HpcNodes-barFill" style={{ width: `${pct}%` }} />
      </span>
      <span className="jp-HpcNodes-barText">
        {used}/{total}
      </span>
    </div>
  );
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;'
};

function escape(text: string): string {
  return text.replace(/[&<>"']/g, c => ESCAPES[c]);
}

/**
 * One tile as HTML. A thousand tiles are written as text for the browser's parser, a block at a
 * time, rather than as a thousand React elements: creating them is what the paint of a large
 * cluster waited for. Every value is escaped (node names and states come from the scheduler).
 */
export function tileHtml(
  node: INode,
  metric: NodeMetric,
  trans: Trans,
  clickable: boolean
): string {
  const fraction = nodeFraction(node, metric);
  const health = nodeHealth(node.state);
  const shade = fraction === null ? 0 : Math.round(fraction * 100);
  const use = nodeUse(node, metric);
  const badge =
    health !== 'ok'
      ? `<span class="jp-HpcNodes-badge jp-mod-${health}">${escape(node.state)}</span>`
      : '';
  return (
    `<div class="jp-HpcNodes-cell jp-mod-${health}${fraction === null ? ' jp-mod-none' : ''}"` +
    ` data-node="${escape(node.name)}"` +
    ` data-fraction="${fraction === null ? '' : fraction.toFixed(2)}"` +
    (use === null ? '' : ` data-use="${escape(use)}"`) +
    ` style="--jp-hpc-fill:${shade}%"` +
    ' tabindex="0"' +
    (clickable ? ' role="button"' : '') +
    `><span class="jp-HpcNodes-cellName">${escape(node.name)}</span>${badge}</div>`
  );
}

/**
 * Tiles per block. Each block is its own grid, laid out and painted only while in view
 * (content-visibility), so a thousand nodes cost what the few blocks on screen cost.
 */
export const TILES_PER_BLOCK = 24;

function blocks(members: readonly INode[]): INode[][] {
  const out: INode[][] = [];
  for (let i = 0; i < members.length; i += TILES_PER_BLOCK) {
    out.push(members.slice(i, i + TILES_PER_BLOCK));
  }
  return out;
}

/** Nodes grouped by partition, one cell per node shaded by how much of it is allocated. */
export function NodeHeatmap(props: INodeHeatmapProps): JSX.Element {
  const { nodes, partitions, metric, onMetric, onNode, trans } = props;
  // one handler for every tile (a thousand closures would cost the paint)
  const pick = (event: React.SyntheticEvent) => {
    const cell = (event.target as HTMLElement).closest<HTMLElement>(
      '.jp-HpcNodes-cell'
    );
    if (cell?.dataset.node && onNode) {
      onNode(cell.dataset.node);
    }
  };
  const byName = new Map(nodes.map(n => [n.name, n]));
  // a tile's details are written into its tooltip when the pointer or the focus reaches it
  // (a thousand tooltips written up front cost the paint)
  const describe = (event: React.SyntheticEvent) => {
    const cell = (event.target as HTMLElement).closest<HTMLElement>(
      '.jp-HpcNodes-cell'
    );
    const node = cell?.dataset.node ? byName.get(cell.dataset.node) : undefined;
    if (cell && node) {
      cell.title = describeNode(node, trans);
    }
  };
  const groups =
    partitions.length > 0
      ? partitions.map(p => ({
          partition: p,
          members: p.nodes
            .map(name => byName.get(name))
            .filter((n): n is INode => n !== undefined)
        }))
      : [{ partition: null, members: [...nodes] }];
  const clickable = !!onNode;
  const metrics: [NodeMetric, string][] = [
    ['cpu', trans('CPU')],
    ['memory', trans('Memory')],
    ['gpu', trans('GPU')]
  ];
  return (
    <div
      className={`jp-HpcNodes${onNode ? ' jp-mod-clickable' : ''}`}
      onClick={pick}
      onMouseOver={describe}
      onFocus={describe}
      onKeyDown={event => {
        if (event.key === 'Enter' || event.key === ' ') {
          pick(event);
        }
      }}
    >
      <div
        className="jp-HpcNodes-metrics"
        role="radiogroup"
        aria-label={trans('Colour nodes by')}
      >
        {metrics.map(([value, label]) => (
          <button
            key={value}
            role="radio"
            aria-checked={metric === value}
            className={`jp-HpcNodes-metric${metric === value ? ' jp-mod-active' : ''}`}
            onClick={() => onMetric(value)}
          >
            {label}
          </button>
        ))}
      </div>
      <div className="jp-HpcNodes-legend" aria-hidden="true">
        <span>{trans('free')}</span>
        <span className="jp-HpcNodes-legendScale" />
        <span>{trans('all in use')}</span>
        <span className="jp-HpcNodes-legendNone" />
        <span>{trans('none on the node')}</span>
      </div>
      {groups.map(({ partition, members }) => {
        const cpusUsed = members.reduce((s, n) => s + n.cpus_alloc, 0);
        const cpusTotal = members.reduce((s, n) => s + n.cpus_total, 0);
        const gpusUsed = members.reduce((s, n) => s + n.gpus_alloc, 0);
        const gpusTotal = members.reduce((s, n) => s + n.gpus_total, 0);
        return (
          <section
            key={partition?.name ?? '-'}
            className="jp-HpcNodes-partition"
            data-partition={partition?.name ?? ''}
          >
            <header className="jp-HpcNodes-partitionHeader">
              <span className="jp-HpcNodes-partitionName">
                {partition?.name ?? trans('nodes')}
                {partition?.default ? ` (${trans('default')})` : ''}
              </span>
              {partition && partition.state !== 'up' ? (
                <span className="jp-HpcNodes-badge jp-mod-down">
                  {partition.state}
                </span>
              ) : null}
              <Bar used={cpusUsed} total={cpusTotal} label={trans('cores')} />
              {gpusTotal > 0 ? (
                <Bar used={gpusUsed} total={gpusTotal} label={trans('GPUs')} />
              ) : null}
            </header>
            {blocks(members).map((block, i) => (
              <div
                key={i}
                className="jp-HpcNodes-grid"
                dangerouslySetInnerHTML={{
                  __html: block
                    .map(node => tileHtml(node, metric, trans, clickable))
                    .join('')
                }}
              />
            ))}
          </section>
        );
      })}
    </div>
  );
}
