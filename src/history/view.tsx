import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { Trans } from '../trans';
import { EndGroup, HistoryFetcher, IEndedJob, IHistory } from './api';
import { sourceText } from './format';
import { HistoryTable } from './table';

const DAYS = [1, 7, 30, 90];

/** The user's ended jobs in a main-area tab, from accounting or the server's own record. */
export class HistoryView extends ReactWidget {
  constructor(
    private readonly _fetch: HistoryFetcher,
    private readonly _trans: Trans,
    private readonly _onLog: (job: IEndedJob) => void,
    private readonly _onResize?: (job: IEndedJob) => void
  ) {
    super();
    this.addClass('jp-HpcHistory');
    void this.load();
  }

  get history(): IHistory | null {
    return this._history;
  }

  async load(days = this._days): Promise<void> {
    this._days = days;
    this._loading = true;
    this.update();
    try {
      this._history = await this._fetch(days);
      this._error = null;
    } catch (error) {
      this._error = error instanceof Error ? error.message : String(error);
    } finally {
      this._loading = false;
      this.update();
    }
  }

  protected render(): JSX.Element {
    const trans = this._trans;
    const history = this._history;
    return (
      <div className="jp-HpcHistory-panel">
        <div className="jp-HpcHistory-toolbar" role="toolbar">
          <label>
            {trans('Ended in the last')}{' '}
            <select
              aria-label={trans('Days of history')}
              value={this._days}
              onChange={e => void this.load(Number(e.target.value))}
            >
              {DAYS.map(d => (
                <option key={d} value={d}>
                  {d === 1 ? trans('day') : trans('%1 days', d)}
                </option>
              ))}
            </select>
          </label>
          <button onClick={() => void this.load()} disabled={this._loading}>
            {trans('Refresh')}
          </button>
          {this._loading ? <span>{trans('Loading…')}</span> : null}
        </div>
        {this._error ? (
          <div className="jp-HpcHistory-error" role="alert">
            {this._error}
          </div>
        ) : null}
        {history ? (
          <>
            <p
              className={`jp-HpcHistory-source jp-mod-${history.source}`}
              data-source={history.source}
            >
              {sourceText(history, trans)}
            </p>
            <HistoryTable
              history={history}
              group={this._group}
              trans={trans}
              onGroup={group => {
                this._group = group;
                this.update();
              }}
              onLog={this._onLog}
              onResize={
                history.source === 'accounting' ? this._onResize : undefined
              }
            />
          </>
        ) : null}
      </div>
    );
  }

  private _days = 7;
  private _group: EndGroup | null = null;
  private _history: IHistory | null = null;
  private _error: string | null = null;
  private _loading = false;
}
