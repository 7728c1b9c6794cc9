import { Notification } from '@jupyterlab/apputils';
import { IDisposable } from '@lumino/disposable';

import { ICluster, IJob, WORKER_JOB_PREFIX } from './api';
import { IHpcModel } from './tokens';

/** What notifications compare between two updates of the model. */
export interface INotifierState {
  /** the model has scheduler state: a first snapshot arrived */
  loaded: boolean;
  /** jobs, at least the user's own (others are ignored) */
  jobs: ReadonlyMap<string, IJob>;
  clusters: readonly ICluster[];
  /** the scheduler did not answer: the jobs are the last known */
  unreachable: boolean;
  schedulerError: string | null;
}

/**
 * How one of the user's jobs changed. squeue shows only pending, running, suspended and
 * completing jobs, so a job usually just leaves the queue and how it ended is not known here:
 * `ended` (last seen started) and `left` (last seen pending) say only that. `finished`,
 * `failed` and `cancelled` are for backends that do show end states.
 */
export type JobChange =
  'started' | 'finished' | 'failed' | 'cancelled' | 'ended' | 'left';

export interface IJobEvent {
  kind: 'job';
  change: JobChange;
  /** the job as last seen (for `ended` and `left`, before it left the queue) */
  job: IJob;
}

export type NotificationEvent =
  | IJobEvent
  /** more than MAX_JOB_EVENTS job events in one update, told as one */
  | { kind: 'jobs'; events: IJobEvent[] }
  /** all workers a cluster asked for are connected */
  | { kind: 'workers'; cluster: ICluster }
  | { kind: 'unreachable'; error: string | null }
  | { kind: 'reachable' };

/** More job events than this in one update become one summary notification. */
export const MAX_JOB_EVENTS = 5;

const WAITING = new Set(['PENDING', 'CONFIGURING', 'REQUEUED']);
const FAILED = new Set([
  'FAILED',
  'TIMEOUT',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'BOOT_FAIL',
  'DEADLINE',
  'PREEMPTED'
]);
const ENDED = new Set([...FAILED, 'COMPLETED', 'CANCELLED']);

function endChange(state: string): JobChange | null {
  if (state === 'COMPLETED') {
    return 'finished';
  }
  if (state === 'CANCELLED') {
    return 'cancelled';
  }
  return FAILED.has(state) ? 'failed' : null;
}

/** A job id names the job, an array job (1234 for 1234_5) or a heterogeneous job (1234 for 1234+1). */
function isQuiet(job: IJob, quiet: ReadonlySet<string>): boolean {
  return (
    quiet.has(job.id) ||
    (job.array_job_id !== null && quiet.has(job.array_job_id)) ||
    quiet.has(job.id.split('+')[0])
  );
}

function jobChange(before: IJob, after: IJob | undefined): JobChange | null {
  if (ENDED.has(before.state)) {
    return null; // told when it reached that state, or it was already over when first seen
  }
  if (!after) {
    return WAITING.has(before.state) ? 'left' : 'ended';
  }
  if (after.state === 'RUNNING' && WAITING.has(before.state)) {
    return 'started';
  }
  return endChange(after.state);
}

function allConnected(cluster: ICluster): boolean {
  const { requested, connected } = cluster.counts;
  return requested > 0 && connected >= requested;
}

/**
 * The notifications due between two states of the model: the user's own jobs that started
 * or ended, clusters whose requested workers are all connected, the scheduler lost or back.
 * The first state never notifies (everything in it would be news). Dask worker jobs are told
 * as their cluster; `quiet` holds ids of jobs not to tell about (the user cancelled them here).
 */
export function notificationEvents(
  before: INotifierState | null,
  after: INotifierState,
  user: string | null,
  quiet: ReadonlySet<string> = new Set()
): NotificationEvent[] {
  if (!before || !before.loaded || !after.loaded) {
    return [];
  }
  const events: NotificationEvent[] = [];
  if (!before.unreachable && after.unreachable) {
    events.push({ kind: 'unreachable', error: after.schedulerError });
  } else if (before.unreachable && !after.unreachable) {
    events.push({ kind: 'reachable' });
  }

  const jobEvents: IJobEvent[] = [];
  // a pending array record (1234_[1-9]) changes its id as tasks start: not gone while any part is
  const arrays = new Set(
    [...after.jobs.values()].map(j => j.array_job_id).filter(id => id !== null)
  );
  if (user !== null) {
    for (const [id, old] of before.jobs) {
      if (
        old.user !== user ||
        old.name.startsWith(WORKER_JOB_PREFIX) ||
        isQuiet(old, quiet)
      ) {
        continue;
      }
      const now = after.jobs.get(id);
      if (!now && old.array_job_id !== null && arrays.has(old.array_job_id)) {
        continue;
      }
      const change = jobChange(old, now);
      if (change) {
        jobEvents.push({ kind: 'job', change, job: now ?? old });
      }
    }
  }
  if (jobEvents.length > MAX_JOB_EVENTS) {
    events.push({ kind: 'jobs', events: jobEvents });
  } else {
    events.push(...jobEvents);
  }

  const previous = new Map(before.clusters.map(c => [c.id, c]));
  for (const cluster of after.clusters) {
    const old = previous.get(cluster.id);
    if (
      old &&
      cluster.adapt === null && // adaptive clusters come and go with the work: not news
      allConnected(cluster) &&
      !allConnected(old) &&
      cluster.counts.connected > old.counts.connected
    ) {
      events.push({ kind: 'workers', cluster });
    }
  }
  return events;
}

/** A notification as shown: its text, its kind, and the panel section it is about. */
export interface INotice {
  text: string;
  type: 'info' | 'success' | 'warning' | 'error';
  /** ms before the toast closes (it stays in the notification centre) */
  autoClose: number;
  section: 'queue' | 'dask' | null;
}

/** Fill %1, %2… of a translated text, as JupyterLab's translations write them. */
function fill(text: string, ...values: (string | number)[]): string {
  return text.replace(/%(\d)/g, (all, n) =>
    values[Number(n) - 1] === undefined ? all : String(values[Number(n) - 1])
  );
}

/** Names are not the key fact (the id is): long ones are cut to keep the toast readable. */
function shortName(name: string): string {
  return name.length > 40 ? `${name.slice(0, 39)}…` : name;
}

function jobText(
  change: JobChange,
  job: IJob,
  trans: (text: string) => string
): string {
  const name = shortName(job.name);
  switch (change) {
    case 'started':
      return job.nodes
        ? fill(trans('Job %1 “%2” started on %3'), job.id, name, job.nodes)
        : fill(trans('Job %1 “%2” started'), job.id, name);
    case 'finished':
      return fill(trans('Job %1 “%2” completed'), job.id, name);
    case 'cancelled':
      return fill(trans('Job %1 “%2” was cancelled'), job.id, name);
    case 'ended':
      return fill(
        trans('Job %1 “%2” has ended: it left the queue. Its output says how.'),
        job.id,
        name
      );
    case 'left':
      return fill(
        trans(
          'Job %1 “%2” left the queue; it was last seen pending (it may have run between updates).'
        ),
        job.id,
        name
      );
    default:
      break;
  }
  const failures: Record<string, string> = {
    TIMEOUT: 'Job %1 “%2” reached its time limit',
    OUT_OF_MEMORY: 'Job %1 “%2” ran out of memory',
    NODE_FAIL: 'Job %1 “%2” failed: a node it ran on failed',
    BOOT_FAIL: 'Job %1 “%2” failed: its node did not boot',
    DEADLINE: 'Job %1 “%2” missed its deadline',
    PREEMPTED: 'Job %1 “%2” was preempted'
  };
  return fill(trans(failures[job.state] ?? 'Job %1 “%2” failed'), job.id, name);
}

const CHANGE_ORDER: JobChange[] = [
  'failed',
  'cancelled',
  'finished',
  'ended',
  'left',
  'started'
];

const CHANGE_COUNTS: Record<JobChange, string> = {
  failed: '%1 failed',
  cancelled: '%1 cancelled',
  finished: '%1 completed',
  ended: '%1 ended',
  left: '%1 left the queue',
  started: '%1 started'
};

/** The words and kind of one notification. */
export function notice(
  event: NotificationEvent,
  trans: (text: string) => string
): INotice {
  switch (event.kind) {
    case 'job': {
      const bad = event.change === 'failed';
      const warn = event.change === 'cancelled' || event.change === 'left';
      return {
        text: jobText(event.change, event.job, trans),
        type: bad
          ? 'error'
          : warn
            ? 'warning'
            : event.change === 'finished'
              ? 'success'
              : 'info',
        autoClose: bad ? 10000 : 6000,
        section: 'queue'
      };
    }
    case 'jobs': {
      const counts = new Map<JobChange, number>();
      for (const e of event.events) {
        counts.set(e.change, (counts.get(e.change) ?? 0) + 1);
      }
      const parts = CHANGE_ORDER.filter(c => counts.has(c)).map(c =>
        fill(trans(CHANGE_COUNTS[c]), counts.get(c)!)
      );
      const failed = counts.has('failed');
      return {
        text: fill(
          trans('%1 of your jobs changed: %2'),
          event.events.length,
          parts.join(', ')
        ),
        type: failed ? 'error' : 'info',
        autoClose: failed ? 10000 : 6000,
        section: 'queue'
      };
    }
    case 'workers': {
      const { name, counts } = event.cluster;
      return {
        text:
          counts.requested === 1
            ? fill(trans('Dask cluster “%1”: its worker is connected'), name)
            : fill(
                trans('Dask cluster “%1”: all %2 workers are connected'),
                name,
                counts.requested
              ),
        type: 'success',
        autoClose: 6000,
        section: 'dask'
      };
    }
    case 'unreachable':
      return {
        text:
          trans(
            'The scheduler does not answer; the HPC panel shows the last known state.'
          ) + (event.error ? ` ${event.error}` : ''),
        type: 'warning',
        autoClose: 10000,
        section: null
      };
    case 'reachable':
      return {
        text: trans(
          'The scheduler answers again; the HPC panel is up to date.'
        ),
        type: 'success',
        autoClose: 5000,
        section: null
      };
  }
}

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
  trans: (text: string) => string;
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
   * A job the user is cancelling here: its end is no news. `false` takes that back (the
   * cancel failed). An array or heterogeneous job id covers all its parts.
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
