import * as React from 'react';

import { NodeHeatmap, NodeMetric } from '../components/NodeHeatmap';
import { IHpcModel } from '../tokens';

export interface INodesSectionProps {
  model: IHpcModel;
  metric: NodeMetric;
  onMetric: (metric: NodeMetric) => void;
  trans: (text: string) => string;
}

/** Node usage: a heat map per partition, read from the shared scheduler state. */
export function NodesSection(props: INodesSectionProps): JSX.Element {
  const { model, metric, onMetric, trans } = props;
  if (model.loading) {
    return <div className="jp-HpcEmpty">{trans('Loading the nodes…')}</div>;
  }
  if (model.nodes.length === 0) {
    return (
      <div className="jp-HpcEmpty">
        {trans('The scheduler lists no nodes.')}
      </div>
    );
  }
  return (
    <section className="jp-HpcNodesSection" aria-label={trans('Nodes')}>
      <NodeHeatmap
        nodes={model.nodes}
        partitions={model.partitions}
        metric={metric}
        onMetric={onMetric}
        trans={trans}
      />
    </section>
  );
}
