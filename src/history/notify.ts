import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';

import { IJob } from '../api';
import { OPEN_JOB_LOG } from '../logs/plugin';
import { IHpcModel } from '../tokens';
import { Trans } from '../trans';
import { HistoryFetcher } from './api';
import { failureNotices } from './failures';

/** Seconds after a job left the queue before its end is looked up, then between tries. */
const DELAYS_MS = [1500, 3000, 6000, 12000];
const WAITING_STATES = new Set(['PENDING', 'CONFIGURING', 'REQUEUED']);

/**
 * Tells the user when one of their jobs failed, timed out or ran out of memory, naming the
 * cause, with a button that opens its log. The queue only shows that a job left; how it ended
 * comes from the job history (accounting, or the server's own record).
 */
export class FailureNotifier {
  constructor(
    private readonly _model: IHpcModel,
    private readonly _fetch: HistoryFetcher,
    private readonly _commands: JupyterFrontEnd['commands'],
    private readonly _trans: Trans
  ) {
    _model.changed.connect(this._onChanged, this);
  }

  dispose(): void {
    this._model.changed.disconnect(this._onChanged, this);
    window.clearTimeout(this._timer);
  }

  private _onChanged(): void {
    const model = this._model;
    const user = model.status?.user;
    if (!user || model.stale || model.error) {
      return;
    }
    const started = new Map<string, IJob>();
    for (const job of model.jobs) {
      if (job.user === user && !WAITING_STATES.has(job.state)) {
        started.set(job.id, job);
      }
    }
    if (this._started !== null) {
      for (const id of this._started.keys()) {
        if (!started.has(id) && !model.jobs.some(j => j.id === id)) {
          this._waiting.set(id, 0);
        }
      }
    }
    this._started = started;
    if (this._waiting.size > 0 && this._timer === undefined) {
      this._schedule(DELAYS_MS[0]);
    }
  }

  private _schedule(ms: number): void {
    this._timer = window.setTimeout(() => {
      this._timer = undefined;
      void this._check();
    }, ms);
  }

  private async _check(): Promise<void> {
    let history;
    try {
      history = await this._fetch(1);
    } catch {
      history = null;
    }
    const found = new Set<string>();
    if (history) {
      const notices = failureNotices(
        history,
        new Set(this._waiting.keys()),
        this._trans,
        found
      );
      for (const { jobId, text } of notices) {
        Notification.error(text, {
          autoClose: false,
          actions: [
            {
              label: this._trans('Open log'),
              callback: () =>
                void this._commands.execute(OPEN_JOB_LOG, { jobId })
            }
          ]
        });
      }
    }
    // Not in the history yet (accounting lags a moment): try again a few times.
    let next = Infinity;
    for (const [id, tries] of this._waiting) {
      if (found.has(id) || tries + 1 >= DELAYS_MS.length) {
        this._waiting.delete(id);
      } else {
        this._waiting.set(id, tries + 1);
        next = Math.min(next, DELAYS_MS[tries + 1]);
      }
    }
    if (this._waiting.size > 0 && this._timer === undefined) {
      this._schedule(next);
    }
  }

  private _started: Map<string, IJob> | null = null;
  /** job id -> tries so far */
  private _waiting = new Map<string, number>();
  private _timer: number | undefined = undefined;
}
