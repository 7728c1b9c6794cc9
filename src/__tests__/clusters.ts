import { ICluster } from '../api';

/** A running cluster with no workers, as the server reports it; tests override what they need. */
export const baseCluster: ICluster = {
  id: 'c1',
  name: 'hpc-lab-c1',
  profile: { scheduler: 'slurm' } as ICluster['profile'],
  owner: 'alice',
  notebook: 'work.ipynb',
  python: '/usr/bin/python3',
  scheduler_address: 'tls://127.0.0.1:1',
  dashboard_link: null,
  dashboard_path: null,
  status: 'running',
  created_at: 1,
  adapt: null,
  idle_since: null,
  idle_timeout_s: 600,
  counts: { requested: 0, pending: 0, running: 0, connected: 0 },
  workers: [],
  connect_code: '',
  patience: null,
  error: null
};
