/**
 * The wire contract, mirroring hpc_lab_ext/models.py and hpc_lab_ext/updates.py.
 */

export interface IJob {
  id: string;
  name: string;
  user: string;
  partition: string;
  state: string;
  reason: string;
  nodes: string;
  node_count: number;
  cpus: number;
  memory_mb: number | null;
  memory_per_cpu: boolean;
  gres: string;
  submit_time: string | null;
  start_time: string | null;
  time_limit_s: number | null;
  elapsed_s: number;
  priority: number | null;
  array_job_id: string | null;
  array_task_id: string | null;
}

/** A column of repeated strings: the distinct values and, per job, the position of its value. */
export interface IInternedColumn {
  values: (string | null)[];
  index: number[];
}

/** Zone-less local times as whole seconds after `base` (seconds from 1970-01-01T00:00:00). */
export interface ITimeColumn {
  base: number;
  offsets: (number | null)[];
}

/** One column: the values as they are, interned strings or times. */
export type JobColumn =
  IInternedColumn | ITimeColumn | (string | number | boolean | null)[];

/** The compact form of a job list (`?format=columns`): one column per IJob field. */
export interface IJobColumns {
  count: number;
  columns: Record<string, JobColumn>;
}

/** A job list as the server sends it: records, or columns when asked for. */
export type JobsOnTheWire = IJob[] | IJobColumns;

export interface INode {
  name: string;
  state: string;
  reason: string;
  partitions: string[];
  cpus_total: number;
  cpus_alloc: number;
  memory_total_mb: number;
  memory_alloc_mb: number;
  gpus_total: number;
  gpus_alloc: number;
  load: number | null;
}

export interface IPartition {
  name: string;
  state: string;
  default: boolean;
  nodes: string[];
  max_time_s: number | null;
  default_time_s: number | null;
  max_nodes: number | null;
  cpus_total: number;
  gpus_total: number;
}

export interface IStatus {
  backend: string;
  backend_version: string;
  reachable: boolean;
  user: string;
  error: string | null;
  live_queue: boolean;
  unreachable_since: number | null;
  /** a scheduler found on the server whose queue cannot be shown yet ("PBS", "LSF") */
  unsupported_scheduler?: string | null;
  updated_at: number;
  /** the Slurm job this Jupyter server runs in, if it runs in one */
  server_job?: IServerJob | null;
  /** whether this person may act: false where the server grants read-only access */
  can_write?: boolean;
}

/** The Slurm job the Jupyter server runs in (JupyterHub's batchspawner, or `srun jupyter lab`). */
export interface IServerJob {
  id: string;
  /** seconds since the epoch when its time limit ends it; null when unknown or unlimited */
  ends_at: number | null;
  time_limit_s: number | null;
  /** what the site says to do for more time ("" when it says nothing) */
  extend_hint: string;
}

interface IView {
  updated_at: number;
  stale: boolean;
  version: number;
}

export interface IJobList extends IView {
  jobs: IJob[];
}

export interface INodeList extends IView {
  nodes: INode[];
}

export interface IPartitionList extends IView {
  partitions: IPartition[];
}

/** Header shared by every message of the updates websocket. */
interface IUpdateHeader {
  version: number;
  updated_at: number;
  stale: boolean;
  error: string | null;
  unreachable_since: number | null;
}

export interface ISnapshotMessage extends IUpdateHeader {
  type: 'snapshot';
  jobs: JobsOnTheWire;
  nodes: INode[];
  partitions: IPartition[];
}

export interface IChanges<T> {
  upsert: T[];
  remove: string[];
}

export interface IDeltaMessage extends IUpdateHeader {
  type: 'delta';
  from: number;
  jobs: { upsert: JobsOnTheWire; remove: string[] };
  nodes: IChanges<INode>;
  partitions: IChanges<IPartition>;
}

export interface IErrorMessage {
  type: 'error';
  message: string;
}

/** The user's Dask clusters, pushed whenever one changes. */
export interface IClustersMessage {
  type: 'clusters';
  clusters: ICluster[];
  /** what the server wants people to know, e.g. orphaned worker jobs it cancelled at start */
  notice?: string | null;
}

export type UpdateMessage =
  ISnapshotMessage | IDeltaMessage | IErrorMessage | IClustersMessage;

export type JobScope = 'me' | 'all';

export type JobAction = 'cancel' | 'hold' | 'release';

/** Slurm job name prefix of Dask worker jobs (TAG_PREFIX in hpc_lab_ext/clusters/model.py). */
export const WORKER_JOB_PREFIX = 'hpc-lab-';

/** One Dask worker job of a cluster, joined to the Dask worker behind it when connected. */
export interface IClusterWorker {
  job_id: string | null;
  state: string;
  reason: string;
  start_time: string | null;
  node: string;
  elapsed_s: number | null;
  time_limit_s: number | null;
  worker_name: string | null;
  worker_address: string | null;
  memory_bytes: number | null;
  tasks: number | null;
}

export interface IClusterCounts {
  requested: number;
  pending: number;
  running: number;
  connected: number;
}

export interface IProfileValues {
  name: string;
  description: string;
  scheduler: string;
  cores: number;
  memory: string;
  processes: number;
  walltime: string;
  partition: string;
  gres: string;
  account: string;
  max_workers: number;
  open_fields: string[];
  allowed_partitions: string[];
  idle_timeout_s: number;
}

export interface ICluster {
  id: string;
  name: string;
  profile: IProfileValues;
  owner: string;
  notebook: string | null;
  python: string;
  scheduler_address: string | null;
  dashboard_link: string | null;
  /** where JupyterLab's Dask dashboard panes reach this cluster (proxied by the server) */
  dashboard_path: string | null;
  status: string;
  created_at: number;
  adapt: { minimum: number; maximum: number } | null;
  idle_since: number | null;
  idle_timeout_s: number;
  counts: IClusterCounts;
  workers: IClusterWorker[];
  connect_code: string;
  error: string | null;
  /** resubmission of long-pending worker jobs; null when never turned on */
  patience: IPatience | null;
}

export interface IPatienceSettings {
  after_s: number;
  max_tries?: number;
}

export interface IPatience {
  on: boolean;
  after_s: number;
  max_tries: number;
  tries: number;
  exhausted: boolean;
  /** what happened, oldest first; `at` in seconds since the epoch */
  events: { at: number; text: string }[];
}

/** Free cores of one partition now and at later times (from running jobs' limits and plans). */
export interface IPartitionGaps {
  name: string;
  cpus_total: number;
  max_time_s: number | null;
  free: { in_s: number; cpus: number }[];
  /** the most cores free on a single node now */
  largest_node_free: number;
}

export interface IGaps {
  partitions: IPartitionGaps[];
  horizon_s: number[];
  computed_at: number;
  version: number;
  stale: boolean;
}

/** A field of a profile a person may change, with the bounds the server will accept. */
export interface IProfileField {
  name: string;
  value: string | number;
  /** integer bounds for numbers */
  min?: number;
  max?: number;
  /** allowed values for choices (partition, gres) */
  choices?: string[];
  /** a hint such as "≤ 30 min in debug" */
  hint?: string;
}

export interface IProfileChoice {
  profile: IProfileValues;
  fields: IProfileField[];
}

export interface IClusterList {
  clusters: ICluster[];
  notice?: string | null;
}

/** One worker shape and when Slurm says it would start (nothing was submitted). */
export interface IStartEstimate {
  shape: {
    partition: string;
    cores: number;
    memory_mb: number;
    walltime_s: number;
    gres: string;
  };
  /** what to send as overrides to get this shape from the profile ({} = the profile as it is) */
  overrides: Record<string, string | number>;
  first_start: string | null;
  all_start: string | null;
  first_wait_s: number | null;
  all_wait_s: number | null;
  error: string | null;
  /** worker jobs of this shape that give the capacity asked for */
  jobs: number;
  /** why this shape is suggested, e.g. "8 × 1 cores fit the free cores in batch now" */
  why: string;
  /** what the figures rest on: Slurm's test-only answer or the queue snapshot (backfill) */
  basis: string;
}

export interface IAdvice {
  n: number;
  jobs: number;
  /** soonest first */
  estimates: IStartEstimate[];
}
