/** The notifier: compares each update of the model with the last and shows what changed. */
import { Notification } from '@jupyterlab/apputils';
import { IDisposable } from '@lumino/disposable';

import { IHpcModel } from '../tokens';
import {
  INotifierState,
  NotificationEvent,
  isQuiet,
  notificationEvents
} from './events';
import { notice } from './notices';
import { Trans } from '../trans';

/** The state notifications compare, read from the model (only the user's own jobs). */
export function notifierState(model: IHpcModel): INotifierState {
  const user = model.status?.user ?? null;
  return {
    loaded: model.updatedAt !== null,
    jobs: new Map(model.jobs.filter(j => j.user === user).map(j => [j.id, j])),
    clusters: model.clusters,
    unreachable: model.stale && model.schedulerError !== null,
    schedulerError: model.schedulerError
  };
}

/**
 * Whether the model should keep listening while the panel is hidden: until it has loaded
 * once, while the user has a cluster (the status bar shows it), and, with notifications on,
 * while there is something to tell about (own jobs, a scheduler that does not answer).
 * A user with nothing in the queue costs the scheduler no polls.
 */
export function wantsBackground(
  state: INotifierState,
  notificationsOn: boolean
): boolean {
  return (
    !state.loaded ||
    state.clusters.length > 0 ||
    (notificationsOn && (state.jobs.size > 0 || state.unreachable))
  );
}

export interface INotifierOptions {
  model: IHpcModel;
  trans: Trans;
  /** open the panel at a section: the notification's "Show" button */
  showPanel?: (section: 'queue' | 'dask') => void;
}

/**
 * Tells the user, through JupyterLab's notifications, what changed in the model: it keeps
 * the previous state and compares each update with it. It also decides whether the model
 * keeps listening while the panel is hidden (see `wantsBackground`).
 */
export class Notifier implements IDisposable {
  constructor(options: INotifierOptions) {
    this._options = options;
    options.model.changed.connect(this._onChanged, this);
    this._onChanged();
  }

  /** Notifications on or off (the `notifications` setting); the state is followed either way. */
  get enabled(): boolean {
    return this._enabled;
  }

  set enabled(enabled: boolean) {
    this._enabled = enabled;
    this._updateBackground();
  }

  /**
   * A job the user is cancelling here: when it leaves the queue it is told as cancelled
   * (not as a job that ended on its own, nor as started meanwhile). `false` takes that back
   * (the cancel failed). An array or heterogeneous job id covers all its parts.
   */
  quiet(jobId: string, quiet = true): void {
    if (quiet) {
      this._quiet.add(jobId);
    } else {
      this._quiet.delete(jobId);
    }
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._options.model.changed.disconnect(this._onChanged, this);
    this._options.model.background = false;
  }

  private _onChanged(): void {
    const { model } = this._options;
    const user = model.status?.user ?? null;
    const after = notifierState(model);
    // a change of user (status not yet known) is no news: start again from this state
    const before = user === this._user ? this._before : null;
    const events = notificationEvents(before, after, user, this._quiet);
    this._before = after;
    this._user = user;
    this._prune(after);
    this._updateBackground();
    if (this._enabled) {
      for (const event of events) {
        this._show(event);
      }
    }
  }

  private _show(event: NotificationEvent): void {
    const { trans, showPanel } = this._options;
    if (event.kind === 'reachable' && this._unreachableId) {
      Notification.dismiss(this._unreachableId);
      this._unreachableId = null;
    }
    const shown = notice(event, trans);
    const actions: Notification.IAction[] =
      showPanel && shown.section
        ? [
            {
              label: trans('Show'),
              caption: trans('Open the HPC panel'),
              callback: () => showPanel(shown.section!)
            }
          ]
        : [];
    const id = Notification.emit(shown.text, shown.type, {
      autoClose: shown.autoClose,
      actions
    });
    if (event.kind === 'unreachable') {
      this._unreachableId = id;
    }
  }

  /** Forget cancelled ids that can no longer come up: gone from the queue. */
  private _prune(state: INotifierState): void {
    for (const id of this._quiet) {
      const present = [...state.jobs.values()].some(job =>
        isQuiet(job, new Set([id]))
      );
      if (!present) {
        this._quiet.delete(id);
      }
    }
  }

  private _updateBackground(): void {
    if (this._before && !this._isDisposed) {
      this._options.model.background = wantsBackground(
        this._before,
        this._enabled
      );
    }
  }

  private _options: INotifierOptions;
  private _enabled = true;
  private _isDisposed = false;
  private _before: INotifierState | null = null;
  private _user: string | null = null;
  private _quiet = new Set<string>();
  private _unreachableId: string | null = null;
}
