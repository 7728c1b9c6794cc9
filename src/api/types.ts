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
  updated_at: number;
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
  jobs: IJob[];
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
  jobs: IChanges<IJob>;
  nodes: IChanges<INode>;
  partitions: IChanges<IPartition>;
}

export interface IErrorMessage {
  type: 'error';
  message: string;
}

export type UpdateMessage = ISnapshotMessage | IDeltaMessage | IErrorMessage;

export type JobScope = 'me' | 'all';

export type JobAction = 'cancel' | 'hold' | 'release';
