import { INotebookTracker } from '@jupyterlab/notebook';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { ISignal, Signal } from '@lumino/signaling';
import * as React from 'react';

import { ICluster } from '../api';
import { WorkersStatusText } from '../components/WorkersStatusText';
import { currentNotebook } from '../notebook';
import { IHpcModel } from '../tokens';
import { Trans } from '../trans';

/**
 * Status bar: "N workers · M pending" for the active notebook's cluster; click opens the panel.
 * Shown only while the active notebook has a cluster (`isActive`, `activeChanged`).
 */
export class WorkersStatus extends ReactWidget {
  constructor(
    private readonly _model: IHpcModel,
    private readonly _tracker: INotebookTracker | null,
    private readonly _trans: Trans,
    private readonly _open: () => void
  ) {
    super();
    this.addClass('jp-HpcWorkersStatus');
    _tracker?.currentChanged.connect(this._onChange, this);
    _model.changed.connect(this._onChange, this);
  }

  /** The active notebook's cluster, if any. */
  get cluster(): ICluster | null {
    return this._model.clusterForNotebook(
      currentNotebook(this._tracker)?.path ?? null
    );
  }

  isActive(): boolean {
    return this.cluster !== null;
  }

  /** Fires when the item may have to appear, go or change. */
  get activeChanged(): ISignal<this, void> {
    return this._activeChanged;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    Signal.clearData(this);
    super.dispose();
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this._activeChanged}>
        {() => {
          const cluster = this.cluster;
          if (!cluster) {
            return <span />;
          }
          return (
            <WorkersStatusText
              cluster={cluster}
              trans={this._trans}
              onOpen={this._open}
            />
          );
        }}
      </UseSignal>
    );
  }

  private _onChange(): void {
    this._activeChanged.emit();
  }

  private _activeChanged = new Signal<this, void>(this);
}
