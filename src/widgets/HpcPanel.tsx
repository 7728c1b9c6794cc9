import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';
import * as React from 'react';

import { IJob, JobAction } from '../api';
import { NodeMetric } from '../components/NodeHeatmap';
import { StatusBanner } from '../components/StatusBanner';
import { NO_FILTER } from '../components/queueView';
import { IHpcModel } from '../tokens';
import { NodesSection } from './NodesSection';
import {
  DEFAULT_QUEUE_VIEW,
  IQueueViewState,
  QueueSection
} from './QueueSection';
import { Trans } from '../trans';

export type Section = 'queue' | 'nodes' | 'dask';

export interface IHpcPanelOptions {
  model: IHpcModel;
  trans: Trans;
  onAction: (job: IJob, action: JobAction) => void;
  /** the panel is shown (true) or hidden (false); by default it sets the model's `visible` */
  onSeen?: (seen: boolean) => void;
  /** open the queue in a main-area tab, with room for the full table */
  onOpenTab?: () => void;
  /** the job whose details are open in the queue changed (null: none) */
  onSelect?: (job: IJob | null) => void;
  /** the Dask section; `formRequest` changes when the new-cluster form should open */
  renderDask?: (formRequest: number) => JSX.Element;
}

/** The left sidebar panel: tabs for the queue, the nodes and Dask; tells the model when seen. */
export class HpcPanel extends ReactWidget {
  constructor(private readonly _options: IHpcPanelOptions) {
    super();
    this.addClass('jp-HpcPanel');
  }

  get section(): Section {
    return this._section;
  }

  set section(section: Section) {
    if (section !== this._section) {
      this._section = section;
      this._viewChanged.emit();
    }
  }

  get metric(): NodeMetric {
    return this._metric;
  }

  set metric(metric: NodeMetric) {
    if (metric !== this._metric) {
      this._metric = metric;
      this._viewChanged.emit();
    }
  }

  /** How the queue is filtered and sorted; kept while another section shows. */
  get queueView(): IQueueViewState {
    return this._queueView;
  }

  set queueView(view: IQueueViewState) {
    if (view !== this._queueView) {
      this._queueView = view;
      this._viewChanged.emit();
    }
  }

  /**
   * The queue, filtered to the jobs on one node: everyone's, since a node's use is everyone's.
   * The filter shows in the queue's toolbar with a button that clears it.
   */
  showNodeJobs(node: string): void {
    this._queueView = {
      ...this._queueView,
      filter: { ...NO_FILTER, node }
    };
    this._options.model.scope = 'all';
    this._section = 'queue';
    this._viewChanged.emit();
  }

  /** Show the Dask section with its new-cluster form open. */
  openNewClusterForm(): void {
    this._formRequest++;
    this._section = 'dask';
    this._viewChanged.emit();
  }

  get viewChanged(): ISignal<this, void> {
    return this._viewChanged;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._seen(true);
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this._seen(false);
  }

  private _seen(seen: boolean): void {
    if (this._options.onSeen) {
      this._options.onSeen(seen);
    } else {
      this._options.model.visible = seen;
    }
  }

  protected render(): JSX.Element {
    const { model, trans } = this._options;
    const tabs: [Section, string][] = [
      ['queue', trans('Queue')],
      ['nodes', trans('Nodes')],
      ['dask', trans('Dask')]
    ];
    return (
      <UseSignal signal={this._viewChanged}>
        {() => (
          <UseSignal signal={model.changed}>
            {() => (
              <div className="jp-HpcPanel-body">
                <header className="jp-HpcPanel-header">
                  <h2>{trans('HPC')}</h2>
                  <span className="jp-HpcPanel-backend">
                    {model.status
                      ? `${model.status.backend_version} · ${model.status.user}`
                      : ''}
                  </span>
                </header>
                <StatusBanner
                  status={model.status}
                  error={model.error}
                  stale={model.stale}
                  schedulerError={model.schedulerError}
                  unreachableSince={model.unreachableSince}
                  trans={trans}
                />
                <div
                  className="jp-HpcPanel-tabs"
                  role="tablist"
                  aria-label={trans('HPC sections')}
                >
                  {tabs.map(([id, label]) => (
                    <button
                      key={id}
                      role="tab"
                      id={`jp-HpcPanel-tab-${id}`}
                      aria-selected={this._section === id}
                      className={`jp-HpcPanel-tab${this._section === id ? ' jp-mod-active' : ''}`}
                      onClick={() => (this.section = id)}
                    >
                      {label}
                    </button>
                  ))}
                </div>
                <div
                  className="jp-HpcPanel-section"
                  role="tabpanel"
                  aria-labelledby={`jp-HpcPanel-tab-${this._section}`}
                >
                  {this._renderSection()}
                </div>
              </div>
            )}
          </UseSignal>
        )}
      </UseSignal>
    );
  }

  private _renderSection(): JSX.Element {
    const { model, trans, onAction, onSelect, onOpenTab, renderDask } =
      this._options;
    switch (this._section) {
      case 'nodes':
        return (
          <NodesSection
            model={model}
            metric={this._metric}
            onMetric={metric => (this.metric = metric)}
            onNode={name => this.showNodeJobs(name)}
            trans={trans}
          />
        );
      case 'dask':
        return renderDask ? (
          renderDask(this._formRequest)
        ) : (
          <div className="jp-HpcEmpty">
            {trans('Dask clusters are not available.')}
          </div>
        );
      default:
        return (
          <QueueSection
            model={model}
            trans={trans}
            onAction={onAction}
            onSelect={onSelect}
            onOpenTab={onOpenTab}
            view={this._queueView}
            onView={view => (this.queueView = view)}
          />
        );
    }
  }

  private _section: Section = 'queue';
  private _metric: NodeMetric = 'cpu';
  private _formRequest = 0;
  private _queueView: IQueueViewState = DEFAULT_QUEUE_VIEW;
  private _viewChanged = new Signal<this, void>(this);
}
