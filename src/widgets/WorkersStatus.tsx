import { INotebookTracker } from '@jupyterlab/notebook';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { currentNotebook } from '../notebook';
import { IHpcModel } from '../tokens';

/** Status bar: "N workers · M pending" for the active notebook's cluster; click opens the panel. */
export class WorkersStatus extends ReactWidget {
  constructor(
    private readonly _model: IHpcModel,
    private readonly _tracker: INotebookTracker | null,
    private readonly _trans: (text: string) => string,
    private readonly _open: () => void
  ) {
    super();
    this.addClass('jp-HpcWorkersStatus');
    _tracker?.currentChanged.connect(() => this.update());
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this._model.changed}>
        {() => {
          const cluster = this._model.clusterForNotebook(
            currentNotebook(this._tracker)?.path ?? null
          );
          if (!cluster) {
            return <span />;
          }
          const { connected, pending } = cluster.counts;
          return (
            <span
              className="jp-HpcWorkersStatus-text"
              role="button"
              tabIndex={0}
              title={`${this._trans('Dask cluster')} ${cluster.name}`}
              onClick={this._open}
              onKeyDown={e => (e.key === 'Enter' ? this._open() : undefined)}
            >
              {connected}{' '}
              {connected === 1 ? this._trans('worker') : this._trans('workers')}
              {pending > 0 ? ` · ${pending} ${this._trans('pending')}` : ''}
            </span>
          );
        }}
      </UseSignal>
    );
  }
}
