import * as React from 'react';

import { IGaps } from '../api';
import { GapsTable } from '../components/GapsTable';
import { NodeHeatmap, NodeMetric } from '../components/NodeHeatmap';
import { IHpcModel } from '../tokens';
import { Trans } from '../trans';

export interface INodesSectionProps {
  model: IHpcModel;
  metric: NodeMetric;
  onMetric: (metric: NodeMetric) => void;
  /** show the queue filtered to the jobs on this node */
  onNode?: (name: string) => void;
  trans: Trans;
}

/** The gaps, asked again when the queue changed or a minute passed (the clock moves them too). */
function useGaps(model: IHpcModel): IGaps | null {
  const [gaps, setGaps] = React.useState<IGaps | null>(null);
  const [minute, setMinute] = React.useState(0);
  React.useEffect(() => {
    const timer = window.setInterval(() => setMinute(m => m + 1), 60_000);
    return () => window.clearInterval(timer);
  }, []);
  React.useEffect(() => {
    let current = true;
    model.gaps().then(
      answer => current && setGaps(answer),
      () => current && setGaps(null)
    );
    return () => {
      current = false;
    };
  }, [model, model.version, minute]);
  return gaps;
}

/** Node usage: a heat map per partition, read from the shared scheduler state, and the gaps. */
export function NodesSection(props: INodesSectionProps): JSX.Element {
  const { model, metric, onMetric, trans } = props;
  const gaps = useGaps(model);
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
        onNode={props.onNode}
        trans={trans}
      />
      {gaps && gaps.partitions.length > 0 ? (
        <GapsTable gaps={gaps} trans={trans} />
      ) : null}
    </section>
  );
}
