import { UseSignal, ReactWidget } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { IJob, JobAction } from '../api';
import { IHpcModel } from '../tokens';
import { Trans } from '../trans';
import {
  DEFAULT_QUEUE_VIEW,
  IQueueViewState,
  QueueSection
} from './QueueSection';

export interface IQueueTabOptions {
  model: IHpcModel;
  trans: Trans;
  onAction: (job: IJob, action: JobAction) => void;
  /** the tab is shown (true) or hidden (false): the model keeps polling while any view shows */
  onSeen: (seen: boolean) => void;
}

/** The queue in a main-area tab: room for the full table, with its own filters and sort. */
export class QueueTab extends ReactWidget {
  constructor(private readonly _options: IQueueTabOptions) {
    super();
    this.addClass('jp-HpcPanel');
    this.addClass('jp-HpcQueueTab');
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._options.onSeen(true);
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this._options.onSeen(false);
  }

  protected onCloseRequest(msg: Message): void {
    this._options.onSeen(false);
    super.onCloseRequest(msg);
    this.dispose();
  }

  protected render(): JSX.Element {
    const { model, trans, onAction } = this._options;
    return (
      <UseSignal signal={model.changed}>
        {() => (
          <div className="jp-HpcPanel-body">
            <QueueSection
              model={model}
              trans={trans}
              onAction={onAction}
              view={this._view}
              onView={view => {
                this._view = view;
                this.update();
              }}
            />
          </div>
        )}
      </UseSignal>
    );
  }

  private _view: IQueueViewState = DEFAULT_QUEUE_VIEW;
}
