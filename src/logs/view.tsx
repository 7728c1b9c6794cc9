import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { relativeTime } from '../components/format';
import { Trans } from '../trans';
import { LogModel } from './model';
import { firstErrorLine, formatBytes, ERROR_LINE, splitLines } from './text';

/** Lines per block: a new line re-renders its block only, not the whole log. */
const BLOCK = 200;

const Block = React.memo(
  (props: { first: number; lines: string[]; marked: number }): JSX.Element => {
    return (
      <>
        {props.lines.map((line, i) => {
          const n = props.first + i;
          const classes = ['jp-HpcLog-line'];
          if (ERROR_LINE.test(line)) {
            classes.push('jp-mod-error');
          }
          if (n === props.marked) {
            classes.push('jp-mod-marked');
          }
          return (
            <div key={n} className={classes.join(' ')} data-line={n}>
              {line === '' ? '\u00a0' : line}
            </div>
          );
        })}
      </>
    );
  }
);

/** Status words of the log: its path, how much is shown, the job's state. */
export function logSummary(model: LogModel, trans: Trans, now: number): string {
  const parts = [model.path];
  if (model.start > 0) {
    parts.push(
      trans(
        'showing the last %1 of %2',
        formatBytes(model.end - model.start),
        formatBytes(model.size)
      )
    );
  } else {
    parts.push(formatBytes(model.size));
  }
  parts.push(model.state ? model.state : trans('no longer in the queue'));
  if (model.updatedAt !== null) {
    parts.push(trans('updated %1', relativeTime(model.updatedAt, now)));
  }
  return parts.join(' · ');
}

/** A job's stdout or stderr in a main-area tab: follows it, finds the first error-like line. */
export class LogView extends ReactWidget {
  constructor(
    readonly model: LogModel,
    private readonly _trans: Trans
  ) {
    super();
    this.addClass('jp-HpcLog');
    model.changed.connect(this._onChanged, this);
  }

  dispose(): void {
    if (!this.isDisposed) {
      this.model.dispose();
    }
    super.dispose();
  }

  /** Scroll to the first line that looks like an error; false when the shown part has none. */
  jumpToError(): boolean {
    const index = firstErrorLine(splitLines(this.model.text));
    this._marked = index;
    this._notice =
      index < 0
        ? this.model.start > 0
          ? this._trans(
              'No error-like line in the part shown; load earlier lines to look further.'
            )
          : this._trans('No line looks like an error.')
        : '';
    if (index >= 0) {
      this.model.setFollowing(false); // keep the found line in view
    }
    this.update();
    requestAnimationFrame(() => {
      this.node
        .querySelector(`.jp-HpcLog-line[data-line="${index}"]`)
        ?.scrollIntoView({ block: 'center' });
    });
    return index >= 0;
  }

  /** While following, keep the newest line in view unless the reader scrolled up. */
  private _onChanged(): void {
    const body = this.node.querySelector('.jp-HpcLog-body');
    const atEnd =
      body === null ||
      body.scrollHeight - body.scrollTop - body.clientHeight < 40;
    if (this.model.following && (atEnd || this._scrollPending)) {
      this._scrollPending = false;
      requestAnimationFrame(() => {
        const now = this.node.querySelector('.jp-HpcLog-body');
        if (now) {
          now.scrollTop = now.scrollHeight;
        }
      });
    }
  }

  protected render(): JSX.Element {
    const { model } = this;
    const trans = this._trans;
    return (
      <UseSignal signal={model.changed}>
        {() => {
          const lines = splitLines(model.text);
          const blocks: JSX.Element[] = [];
          for (let first = 0; first < lines.length; first += BLOCK) {
            blocks.push(
              <Block
                key={first}
                first={first}
                lines={lines.slice(first, first + BLOCK)}
                marked={
                  this._marked >= first && this._marked < first + BLOCK
                    ? this._marked
                    : -1
                }
              />
            );
          }
          return (
            <div className="jp-HpcLog-panel">
              <div className="jp-HpcLog-toolbar" role="toolbar">
                {model.sameFile ? (
                  <span className="jp-HpcLog-stream">
                    {trans('stdout and stderr')}
                  </span>
                ) : (
                  <select
                    className="jp-HpcLog-stream"
                    aria-label={trans('Output stream')}
                    value={model.stream}
                    onChange={e =>
                      void model.setStream(
                        e.target.value as 'stdout' | 'stderr'
                      )
                    }
                  >
                    <option value="stdout">stdout</option>
                    <option value="stderr">stderr</option>
                  </select>
                )}
                <label className="jp-HpcLog-follow">
                  <input
                    type="checkbox"
                    checked={model.following}
                    onChange={e => {
                      this._scrollPending = e.target.checked;
                      model.setFollowing(e.target.checked);
                    }}
                  />
                  {trans('Follow')}
                </label>
                <button
                  className="jp-HpcLog-jumpError"
                  onClick={() => this.jumpToError()}
                  title={trans(
                    'Scroll to the first line that looks like an error (Traceback, error, Killed, oom)'
                  )}
                >
                  {trans('First error')}
                </button>
                <button
                  className="jp-HpcLog-earlier"
                  disabled={model.start <= 0 || model.loading}
                  onClick={() => void model.loadEarlier()}
                >
                  {trans('Load earlier lines')}
                </button>
                <span className="jp-HpcLog-summary">
                  {model.path ? logSummary(model, trans, Date.now()) : ''}
                </span>
              </div>
              {model.error ? (
                <div className="jp-HpcLog-error" role="alert">
                  {model.error}
                </div>
              ) : null}
              {this._notice ? (
                <div className="jp-HpcLog-notice" role="status">
                  {this._notice}
                </div>
              ) : null}
              <div
                className="jp-HpcLog-body"
                tabIndex={0}
                aria-label={trans('Log of job %1', model.jobId)}
              >
                {blocks}
                {model.loading && lines.length === 0 ? (
                  <div className="jp-HpcLog-loading">{trans('Loading…')}</div>
                ) : null}
              </div>
            </div>
          );
        }}
      </UseSignal>
    );
  }

  private _marked = -1;
  private _notice = '';
  private _scrollPending = true;
}
