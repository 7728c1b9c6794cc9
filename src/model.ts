import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { IJob, IJobList, IStatus, JobScope, requestAPI } from './api';
import { IHpcModel } from './tokens';

/** Functions the model uses to reach the server; tests pass fakes. */
export interface IHpcFetcher {
  status(): Promise<IStatus>;
  jobs(scope: JobScope): Promise<IJobList>;
}

export const restFetcher: IHpcFetcher = {
  status: () => requestAPI<IStatus>('status'),
  jobs: scope => requestAPI<IJobList>(`jobs?user=${scope}`)
};

/**
 * All scheduler state the panel shows. Views read it and listen to `changed`;
 * `changed` fires only when something a view shows is different.
 */
export class HpcModel implements IHpcModel {
  constructor(
    options: { fetcher?: IHpcFetcher; interval?: number; scope?: JobScope } = {}
  ) {
    this._fetcher = options.fetcher ?? restFetcher;
    this._scope = options.scope ?? 'me';
    this._poll = new Poll({
      auto: false,
      factory: () => this._fetch(),
      frequency: {
        interval: options.interval ?? 5000,
        backoff: true,
        max: 60 * 1000
      },
      name: 'hpc-lab-ext:model',
      standby: () => (this._visible ? 'when-hidden' : true)
    });
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get jobs(): readonly IJob[] {
    return this._jobs;
  }

  get status(): IStatus | null {
    return this._status;
  }

  get error(): string | null {
    return this._error;
  }

  get updatedAt(): number | null {
    return this._updatedAt;
  }

  get stale(): boolean {
    return this._stale;
  }

  get loading(): boolean {
    return this._updatedAt === null && this._error === null;
  }

  get scope(): JobScope {
    return this._scope;
  }

  set scope(scope: JobScope) {
    if (scope === this._scope) {
      return;
    }
    this._scope = scope;
    this._jobs = [];
    this._jobsKey = '';
    this._changed.emit();
    void this.refresh();
  }

  /** Views tell the model whether anyone sees it; hidden models do not poll. */
  get visible(): boolean {
    return this._visible;
  }

  set visible(visible: boolean) {
    if (visible === this._visible) {
      return;
    }
    this._visible = visible;
    if (visible) {
      void this.refresh();
    }
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  /** Start polling (called once the application is ready). */
  async start(): Promise<void> {
    await this._poll.start();
  }

  /** Fetch now, without waiting for the next tick. */
  async refresh(): Promise<void> {
    await this._poll.refresh();
    await this._poll.tick;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    Signal.clearData(this);
  }

  private async _fetch(): Promise<void> {
    const scope = this._scope;
    let changed = false;
    try {
      const [status, list] = await Promise.all([
        this._fetcher.status(),
        this._fetcher.jobs(scope)
      ]);
      if (scope !== this._scope) {
        return; // the user switched scope meanwhile; a new fetch is on its way
      }
      const statusKey = JSON.stringify(status);
      if (statusKey !== this._statusKey) {
        this._status = status;
        this._statusKey = statusKey;
        changed = true;
      }
      const jobsKey = JSON.stringify(list.jobs);
      if (jobsKey !== this._jobsKey) {
        this._jobs = list.jobs;
        this._jobsKey = jobsKey;
        changed = true;
      }
      if (list.updated_at !== this._updatedAt || list.stale !== this._stale) {
        this._updatedAt = list.updated_at;
        this._stale = list.stale;
        changed = true;
      }
      if (this._error !== null) {
        this._error = null;
        changed = true;
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this._error) {
        this._error = message;
        changed = true;
      }
      if (changed) {
        this._changed.emit();
      }
      throw error; // lets the Poll back off
    }
    if (changed) {
      this._changed.emit();
    }
  }

  private _fetcher: IHpcFetcher;
  private _poll: Poll;
  private _scope: JobScope;
  private _visible = false;
  private _jobs: IJob[] = [];
  private _jobsKey = '';
  private _status: IStatus | null = null;
  private _statusKey = '';
  private _error: string | null = null;
  private _updatedAt: number | null = null;
  private _stale = false;
  private _changed = new Signal<this, void>(this);
}
