/**
 * The wire contract, mirroring hpc_lab_ext/models.py.
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

export interface IJobList {
  jobs: IJob[];
  updated_at: number;
  stale: boolean;
}

export interface IStatus {
  backend: string;
  backend_version: string;
  reachable: boolean;
  user: string;
  error: string | null;
  live_queue: boolean;
}

export type JobScope = 'me' | 'all';
