import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { IJob, JobAction } from '../api';
import { IHpcModel } from '../tokens';
import { QueueSection } from './QueueSection';

/** The left sidebar panel. It only renders the model and tells it when it is seen. */
export class HpcPanel extends ReactWidget {
  constructor(
    private readonly _model: IHpcModel,
    private readonly _trans: (text: string) => string,
    private readonly _onAction: (job: IJob, action: JobAction) => void
  ) {
    super();
    this.addClass('jp-HpcPanel');
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._model.visible = true;
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this._model.visible = false;
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this._model.changed}>
        {() => (
          <div className="jp-HpcPanel-body">
            <header className="jp-HpcPanel-header">
              <h2>{this._trans('HPC')}</h2>
              <span className="jp-HpcPanel-backend">
                {this._model.status
                  ? `${this._model.status.backend_version} · ${this._model.status.user}`
                  : ''}
              </span>
            </header>
            <QueueSection
              model={this._model}
              trans={this._trans}
              onAction={this._onAction}
            />
          </div>
        )}
      </UseSignal>
    );
  }
}
