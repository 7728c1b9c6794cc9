import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import {
  ICluster,
  IAdvice,
  IAdviceRequest,
  IGaps,
  IJob,
  INewClusterRequest,
  INode,
  IPartition,
  IPatienceSettings,
  IProfileChoice,
  IRestClient,
  IStatus,
  IUpdatesSocket,
  JobAction,
  ApiError,
  JobScope,
  UpdateMessage,
  UpdatesSocketFactory,
  openUpdatesSocket,
  restClient
} from './api';
import { ISchedulerState, applyDelta, stateFromSnapshot } from './delta';
import { IHpcModel } from './tokens';

export type { IRestClient } from './api';

export interface IHpcModelOptions {
  rest?: IRestClient;
  /** null: never use the websocket (REST polling only). */
  openSocket?: UpdatesSocketFactory | null;
  /** ms between REST polls while the websocket is not connected */
  interval?: number;
  scope?: JobScope;
}

/**
 * All scheduler state the panel shows. The server pushes a snapshot and then deltas over a
 * websocket; while that is down the model polls the cached REST views. Views read the model and
 * listen to `changed`, which fires only when something they show is different. Nothing is
 * fetched while no view is visible and nothing listens in the background.
 */
export class HpcModel implements IHpcModel {
  constructor(options: IHpcModelOptions = {}) {
    this._rest = options.rest ?? restClient;
    this._openSocket =
      options.openSocket === undefined ? openUpdatesSocket : options.openSocket;
    this._scope = options.scope ?? 'me';
    this._interval = options.interval ?? 5000;
    this._poll = new Poll({
      auto: false,
      factory: () => this._tick(),
      frequency: {
        interval: this._interval,
        backoff: true,
        max: 60 * 1000
      },
      name: 'hpc-lab-ext:model',
      standby: () => (this._live ? 'when-hidden' : true)
    });
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Jobs in the current scope (mine or all), in the scheduler's order. */
  get jobs(): readonly IJob[] {
    const all = this._state?.jobs;
    if (!all) {
      return [];
    }
    const user = this._status?.user ?? null;
    const key = { all, scope: this._scope, user };
    const memo = this._jobsMemo;
    if (
      !memo ||
      memo.key.all !== all ||
      memo.key.scope !== key.scope ||
      memo.key.user !== key.user
    ) {
      const list = [...all.values()];
      const jobs =
        this._scope === 'me' ? list.filter(j => j.user === user) : list;
      this._jobsMemo = { key, jobs };
      return jobs;
    }
    return memo.jobs;
  }

  get nodes(): readonly INode[] {
    return this._state ? [...this._state.nodes.values()] : [];
  }

  get partitions(): readonly IPartition[] {
    return this._state ? [...this._state.partitions.values()] : [];
  }

  get status(): IStatus | null {
    return this._status;
  }

  /** This user's Dask clusters, newest last. */
  get clusters(): readonly ICluster[] {
    return this._clusters;
  }

  /** Why there are no Dask clusters on this server (e.g. Dask is not installed), else null. */
  get clustersUnavailable(): string | null {
    return this._clustersUnavailable;
  }

  /** What the server wants people to know about their clusters (e.g. orphans cancelled), else null. */
  get clustersNotice(): string | null {
    return this._clustersNotice;
  }

  /** The cluster made for a notebook, if any (the newest when there are several). */
  clusterForNotebook(path: string | null): ICluster | null {
    if (!path) {
      return null;
    }
    const mine = this._clusters.filter(c => c.notebook === path);
    return mine.length > 0 ? mine[mine.length - 1] : null;
  }

  async profiles(): Promise<IProfileChoice[]> {
    return this._rest.profiles();
  }

  /** When N workers would start, for the requested shape and the ones the profile allows instead. */
  async advice(request: IAdviceRequest): Promise<IAdvice> {
    return this._rest.advice(request);
  }

  /** Free cores per partition now and over the next hour. */
  async gaps(): Promise<IGaps> {
    return this._rest.gaps();
  }

  /** Turn resubmission of long-pending worker jobs on (settings) or off (null). */
  async setClusterPatience(
    id: string,
    patience: IPatienceSettings | null
  ): Promise<ICluster> {
    return this._upsertCluster(await this._rest.setPatience(id, patience));
  }

  async createCluster(request: INewClusterRequest): Promise<ICluster> {
    return this._upsertCluster(await this._rest.createCluster(request));
  }

  async scaleCluster(id: string, n: number): Promise<ICluster> {
    return this._upsertCluster(await this._rest.scaleCluster(id, n));
  }

  async adaptCluster(
    id: string,
    minimum: number,
    maximum: number
  ): Promise<ICluster> {
    return this._upsertCluster(
      await this._rest.adaptCluster(id, minimum, maximum)
    );
  }

  async closeCluster(id: string): Promise<void> {
    await this._rest.closeCluster(id);
    this._setClusters(this._clusters.filter(c => c.id !== id));
  }

  get error(): string | null {
    return this._error;
  }

  get updatedAt(): number | null {
    return this._state ? this._state.updatedAt : null;
  }

  get stale(): boolean {
    return this._state?.stale ?? false;
  }

  get schedulerError(): string | null {
    return this._state?.error ?? null;
  }

  get unreachableSince(): number | null {
    return this._state?.unreachableSince ?? null;
  }

  get version(): number {
    return this._state?.version ?? -1;
  }

  get loading(): boolean {
    return this._state === null && this._error === null;
  }

  get connected(): boolean {
    return this._socket !== null && this._socketLive;
  }

  get scope(): JobScope {
    return this._scope;
  }

  set scope(scope: JobScope) {
    if (scope !== this._scope) {
      this._scope = scope;
      this._changed.emit();
    }
  }

  /** Views tell the model whether anyone sees it; hidden models neither poll nor listen. */
  get visible(): boolean {
    return this._visible;
  }

  set visible(visible: boolean) {
    this._setLive(() => (this._visible = visible));
  }

  /**
   * Keep listening while no view is visible, for notifications and the status bar. Over the
   * websocket this costs the server's one shared poll; REST polling slows down meanwhile.
   */
  get background(): boolean {
    return this._background;
  }

  set background(background: boolean) {
    this._setLive(() => (this._background = background));
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  async start(): Promise<void> {
    await this._poll.start();
  }

  /** Ask for fresh scheduler state now (the server coalesces and rate-limits). */
  async refresh(): Promise<void> {
    if (this.connected) {
      this._socket!.requestRefresh();
      return;
    }
    await this._poll.refresh();
    await this._poll.tick;
  }

  async jobAction(jobId: string, action: JobAction): Promise<void> {
    await this._rest.jobAction(jobId, action);
    if (!this.connected) {
      await this.refresh();
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._disconnect();
    this._poll.dispose();
    Signal.clearData(this);
  }

  /** Apply one message of the updates websocket (public for tests and other transports). */
  handleMessage(message: UpdateMessage): void {
    if (message.type === 'error') {
      console.warn(`hpc-lab-ext: server said: ${message.message}`);
      return;
    }
    if (message.type === 'clusters') {
      this._setClusters(message.clusters);
      this._setClustersNotice(message.notice ?? null);
      return;
    }
    this._socketLive = true;
    if (message.type === 'snapshot') {
      this._setState(stateFromSnapshot(message));
      return;
    }
    const next = this._state ? applyDelta(this._state, message) : null;
    if (next === null) {
      // Missed a message: start again from a full snapshot.
      this._disconnect();
      void this._poll.refresh();
      return;
    }
    this._setState(next);
  }

  private get _live(): boolean {
    return this._visible || this._background;
  }

  private _setLive(change: () => void): void {
    const wasLive = this._live;
    change();
    // when only the background listens, a REST poll need not be as quick
    const { max } = this._poll.frequency;
    this._poll.frequency = {
      ...this._poll.frequency,
      interval: this._visible
        ? this._interval
        : Math.min(this._interval * 6, max)
    };
    if (this._live === wasLive) {
      return;
    }
    if (this._live) {
      void this._poll.refresh();
    } else {
      this._disconnect();
    }
  }

  private _upsertCluster(cluster: ICluster): ICluster {
    const others = this._clusters.filter(c => c.id !== cluster.id);
    const index = this._clusters.findIndex(c => c.id === cluster.id);
    const next = [...others];
    next.splice(index < 0 ? next.length : index, 0, cluster);
    this._setClusters(next);
    return cluster;
  }

  private _setClusters(clusters: ICluster[]): void {
    const key = JSON.stringify(clusters);
    if (key !== this._clustersKey) {
      this._clusters = clusters;
      this._clustersKey = key;
      this._changed.emit();
    }
  }

  private _setState(next: ISchedulerState): void {
    const prev = this._state;
    if (prev && prev.version === next.version) {
      // Same version, same content: keep the old records so views can skip work.
      next = {
        ...next,
        jobs: prev.jobs,
        nodes: prev.nodes,
        partitions: prev.partitions
      };
    }
    this._state = next;
    const shown =
      !prev ||
      prev.version !== next.version ||
      prev.stale !== next.stale ||
      prev.error !== next.error;
    const recovered = this._error !== null;
    this._error = null;
    if (shown || recovered) {
      this._changed.emit();
    }
  }

  private async _tick(): Promise<void> {
    if (!this._live) {
      return;
    }
    try {
      if (this.connected) {
        if (this._status === null) {
          this._setStatus(await this._rest.status());
        }
        return;
      }
      // The status, the REST views and the clusters at once: no round trip waits for another
      // (over a slow link each is one). The socket opens once the panel holds the snapshot and
      // names its version, so the server does not send the job list a second time.
      const [status, snapshot, clusters] = await Promise.all([
        this._rest.status(),
        this._rest.snapshot(),
        this._clustersOrNull()
      ]);
      this._setStatus(status);
      if (!this.connected) {
        if (clusters !== null) {
          this._setClusters(clusters);
        }
        this._setState(
          stateFromSnapshot({
            ...snapshot,
            error: status.error ?? null,
            unreachable_since: status.unreachable_since ?? null
          })
        );
      }
      this._connect();
    } catch (error) {
      this._connect(); // the socket may bring what the REST views could not
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this._error) {
        this._error = message;
        this._changed.emit();
      }
      throw error; // the Poll backs off
    }
  }

  /** Open the updates socket if it is not open, from the version the model holds. */
  private _connect(): void {
    if (!this._openSocket || this._socket !== null || !this._live) {
      return;
    }
    this._socket = this._openSocket(
      {
        onMessage: m => this.handleMessage(m),
        onClose: () => {
          this._socket = null;
          this._socketLive = false;
        }
      },
      this._state ? { since: this._state.version } : {}
    );
  }

  private _setStatus(status: IStatus): void {
    if (JSON.stringify(status) !== JSON.stringify(this._status)) {
      this._status = status;
      this._changed.emit();
    }
  }

  /** The clusters, or null when this server has none to offer (501: Dask not installed). */
  private async _clustersOrNull(): Promise<ICluster[] | null> {
    try {
      const clusters = await this._rest.clusters();
      this._setClustersUnavailable(null);
      return clusters;
    } catch (error) {
      if (error instanceof ApiError && error.status === 501) {
        this._setClustersUnavailable(error.message);
        return null;
      }
      throw error;
    }
  }

  private _setClustersNotice(notice: string | null): void {
    if (notice !== this._clustersNotice) {
      this._clustersNotice = notice;
      this._changed.emit();
    }
  }

  private _setClustersUnavailable(reason: string | null): void {
    if (reason !== this._clustersUnavailable) {
      this._clustersUnavailable = reason;
      this._changed.emit();
    }
  }

  private _disconnect(): void {
    this._socket?.close();
    this._socket = null;
    this._socketLive = false;
  }

  private _rest: IRestClient;
  private _openSocket: UpdatesSocketFactory | null;
  private _socket: IUpdatesSocket | null = null;
  private _socketLive = false;
  private _poll: Poll;
  private _scope: JobScope;
  private _interval: number;
  private _visible = false;
  private _background = false;
  private _state: ISchedulerState | null = null;
  private _jobsMemo: {
    key: { all: Map<string, IJob>; scope: JobScope; user: string | null };
    jobs: IJob[];
  } | null = null;
  private _status: IStatus | null = null;
  private _clustersNotice: string | null = null;
  private _clusters: ICluster[] = [];
  private _clustersKey = '[]';
  private _clustersUnavailable: string | null = null;
  private _error: string | null = null;
  private _changed = new Signal<this, void>(this);
}
