import { Token } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal } from '@lumino/signaling';

import {
  ICluster,
  IJob,
  INode,
  IPartition,
  IAdvice,
  IGaps,
  INewClusterRequest,
  IPatienceSettings,
  IProfileChoice,
  IStatus,
  JobAction,
  JobScope
} from './api';

/**
 * The scheduler state shown by the HPC panel, for other extensions to read and act on.
 */
export interface IHpcModel extends IDisposable {
  /** Fires when something a view shows has changed. */
  readonly changed: ISignal<IHpcModel, void>;
  /** Jobs in the current scope. */
  readonly jobs: readonly IJob[];
  readonly nodes: readonly INode[];
  readonly partitions: readonly IPartition[];
  readonly status: IStatus | null;
  /** The Jupyter server extension could not be reached. */
  readonly error: string | null;
  /** The scheduler did not answer the last poll: data is the last known. */
  readonly stale: boolean;
  readonly schedulerError: string | null;
  readonly unreachableSince: number | null;
  readonly updatedAt: number | null;
  readonly version: number;
  readonly loading: boolean;
  /** Updates arrive by websocket (else by polling the REST API). */
  readonly connected: boolean;
  scope: JobScope;
  /** A view of the model is visible: fetch and listen. */
  visible: boolean;
  /** Keep listening while no view is visible (notifications, status bar). */
  background: boolean;
  refresh(): Promise<void>;
  jobAction(jobId: string, action: JobAction): Promise<void>;

  /** This user's Dask clusters. */
  readonly clusters: readonly ICluster[];
  /** Why this server offers no Dask clusters (e.g. Dask not installed), else null. */
  readonly clustersUnavailable: string | null;
  /** What the server wants people to know about their clusters, else null. */
  readonly clustersNotice: string | null;
  clusterForNotebook(path: string | null): ICluster | null;
  profiles(): Promise<IProfileChoice[]>;
  advice(request: {
    profile: string;
    overrides: Record<string, string | number>;
    n: number;
  }): Promise<IAdvice>;
  createCluster(request: INewClusterRequest): Promise<ICluster>;
  gaps(): Promise<IGaps>;
  setClusterPatience(
    id: string,
    patience: IPatienceSettings | null
  ): Promise<ICluster>;
  scaleCluster(id: string, n: number): Promise<ICluster>;
  adaptCluster(id: string, minimum: number, maximum: number): Promise<ICluster>;
  closeCluster(id: string): Promise<void>;
}

export const IHpcModel = new Token<IHpcModel>(
  'hpc-lab-ext:IHpcModel',
  'The scheduler queue and node state shown by the HPC panel.'
);

export namespace CommandIDs {
  export const showPanel = 'hpc-lab-ext:show-panel';
  export const refresh = 'hpc-lab-ext:refresh';
  export const toggleScope = 'hpc-lab-ext:toggle-scope';
  export const openQueueTab = 'hpc-lab-ext:open-queue-tab';
  export const cancelJob = 'hpc-lab-ext:cancel-job';
  export const holdJob = 'hpc-lab-ext:hold-job';
  export const releaseJob = 'hpc-lab-ext:release-job';
  export const newCluster = 'hpc-lab-ext:new-cluster';
  export const scaleCluster = 'hpc-lab-ext:scale-cluster';
  export const adaptCluster = 'hpc-lab-ext:adapt-cluster';
  export const connectNotebook = 'hpc-lab-ext:connect-notebook';
  export const openDashboard = 'hpc-lab-ext:open-dashboard';
  export const shutdownCluster = 'hpc-lab-ext:shutdown-cluster';
  export const clusterPatience = 'hpc-lab-ext:cluster-patience';
}
