import { IJob } from '../api';

/** A pending array job as squeue reports it; tests override what they need. */
export const baseJob: IJob = {
  id: '123_[1-5%2]',
  name: 'Grüße | x',
  user: 'alice',
  partition: 'batch',
  state: 'PENDING',
  reason: 'Priority',
  nodes: '',
  node_count: 1,
  cpus: 4,
  memory_mb: 2048,
  memory_per_cpu: false,
  gres: 'gpu:a100:2',
  submit_time: '2026-11-25T12:00:00',
  start_time: '2026-11-25T14:00:00',
  time_limit_s: 86400,
  elapsed_s: 0,
  priority: 1,
  array_job_id: '123',
  array_task_id: '[1-5%2]'
};

/** `count` synthetic jobs with ids 1..count, alternating users, states and partitions. */
export function manyJobs(count: number): IJob[] {
  const jobs: IJob[] = [];
  for (let i = 1; i <= count; i++) {
    const running = i % 3 === 0;
    jobs.push({
      ...baseJob,
      id: String(i),
      name: `job ${i}`,
      user: i % 2 === 0 ? 'alice' : 'bob',
      partition: i % 4 === 0 ? 'debug' : 'batch',
      state: running ? 'RUNNING' : 'PENDING',
      reason: running ? '' : i % 5 === 0 ? 'Resources' : 'Priority',
      nodes: running ? `node${i % 4}` : '',
      cpus: (i % 8) + 1,
      array_job_id: null,
      array_task_id: null
    });
  }
  return jobs;
}
