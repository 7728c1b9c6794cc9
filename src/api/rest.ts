import { requestAPI } from './client';
import {
  IAdvice,
  ICluster,
  IClusterList,
  IGaps,
  IJobColumns,
  IJobList,
  INodeList,
  IPartitionList,
  IPatienceSettings,
  IProfileChoice,
  ISnapshotMessage,
  IStatus,
  JobAction
} from './types';

/** REST calls the model makes; tests pass fakes. */
export interface IRestClient {
  status(): Promise<IStatus>;
  snapshot(): Promise<ISnapshotMessage>;
  jobAction(jobId: string, action: JobAction): Promise<void>;
  clusters(): Promise<ICluster[]>;
  profiles(): Promise<IProfileChoice[]>;
  createCluster(request: INewClusterRequest): Promise<ICluster>;
  scaleCluster(id: string, n: number): Promise<ICluster>;
  adaptCluster(id: string, minimum: number, maximum: number): Promise<ICluster>;
  closeCluster(id: string): Promise<void>;
  advice(request: IAdviceRequest): Promise<IAdvice>;
  gaps(): Promise<IGaps>;
  setPatience(
    id: string,
    patience: IPatienceSettings | null
  ): Promise<ICluster>;
}

export interface IAdviceRequest {
  profile: string;
  overrides: Record<string, string | number>;
  n: number;
}

export interface INewClusterRequest {
  profile: string;
  overrides: Record<string, string | number>;
  kernel_id: string | null;
  notebook: string | null;
  /** workers to ask for as soon as the cluster runs (0 when not given) */
  workers?: number;
  /** resubmit worker jobs that wait longer than after_s in a shape that starts sooner */
  patience?: IPatienceSettings | null;
}

const post = (body: unknown): RequestInit => ({
  method: 'POST',
  body: JSON.stringify(body)
});

export const restClient: IRestClient = {
  status: () => requestAPI<IStatus>('status'),
  snapshot: async () => {
    const [jobs, nodes, partitions] = await Promise.all([
      // the compact form: a fraction of the plain records on the wire (hpc_lab_ext/wire.py)
      requestAPI<Omit<IJobList, 'jobs'> & { jobs: IJobColumns }>(
        'jobs?user=all&format=columns'
      ),
      requestAPI<INodeList>('nodes'),
      requestAPI<IPartitionList>('partitions')
    ]);
    return {
      type: 'snapshot',
      version: jobs.version,
      updated_at: jobs.updated_at,
      stale: jobs.stale,
      error: null,
      unreachable_since: null,
      jobs: jobs.jobs,
      nodes: nodes.nodes,
      partitions: partitions.partitions
    };
  },
  jobAction: async (jobId, action) => {
    await requestAPI(`jobs/${encodeURIComponent(jobId)}/${action}`, {
      method: 'POST'
    });
  },
  clusters: async () => (await requestAPI<IClusterList>('clusters')).clusters,
  profiles: async () =>
    (await requestAPI<{ profiles: IProfileChoice[] }>('profiles')).profiles,
  createCluster: request => requestAPI<ICluster>('clusters', post(request)),
  scaleCluster: (id, n) =>
    requestAPI<ICluster>(
      `clusters/${encodeURIComponent(id)}/scale`,
      post({ n })
    ),
  adaptCluster: (id, minimum, maximum) =>
    requestAPI<ICluster>(
      `clusters/${encodeURIComponent(id)}/adapt`,
      post({ minimum, maximum })
    ),
  advice: request => requestAPI<IAdvice>('advice', post(request)),
  gaps: () => requestAPI<IGaps>('gaps'),
  setPatience: (id, patience) =>
    requestAPI<ICluster>(
      `clusters/${encodeURIComponent(id)}/patience`,
      post({ patience })
    ),
  closeCluster: async id => {
    await requestAPI(`clusters/${encodeURIComponent(id)}`, {
      method: 'DELETE'
    });
  }
};
