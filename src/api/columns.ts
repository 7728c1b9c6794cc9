/**
 * The job list in the columns form (hpc_lab_ext/wire.py) back into records.
 *
 * A snapshot of 100,000 jobs arrives as 19 arrays; this turns them into the same IJob objects the
 * plain form gives, in one pass, each built with the same literal shape (so the engine gives all
 * of them one hidden class).
 */
import { IJob, IJobColumns, JobColumn, JobsOnTheWire } from './types';

/** The IJob fields, in the server's order; decoding fails if the server leaves one out. */
export const JOB_FIELDS: readonly (keyof IJob)[] = [
  'id',
  'name',
  'user',
  'partition',
  'state',
  'reason',
  'nodes',
  'node_count',
  'cpus',
  'memory_mb',
  'memory_per_cpu',
  'gres',
  'submit_time',
  'start_time',
  'time_limit_s',
  'elapsed_s',
  'priority',
  'array_job_id',
  'array_task_id'
];

/** Whether a job list came as columns. */
export function isColumns(jobs: JobsOnTheWire): jobs is IJobColumns {
  return !Array.isArray(jobs);
}

/** `2026-11-30T12:15:14` for a count of seconds from 1970-01-01T00:00:00 (no zone on either). */
function wallClock(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19);
}

/** The values of one column, `count` of them. */
export function columnValues(column: JobColumn, count: number): unknown[] {
  let values: unknown[];
  if (Array.isArray(column)) {
    values = column;
  } else if ('index' in column) {
    const table = column.values;
    values = column.index.map(i => table[i]);
  } else {
    const base = column.base;
    const seen = new Map<number, string>(); // times repeat: format each once
    values = column.offsets.map(offset => {
      if (offset === null) {
        return null;
      }
      let text = seen.get(offset);
      if (text === undefined) {
        text = wallClock(base + offset);
        seen.set(offset, text);
      }
      return text;
    });
  }
  if (values.length !== count) {
    throw new Error(`a column of ${values.length} values for ${count} jobs`);
  }
  return values;
}

/** The job records of a job list as sent, whichever form it came in. */
export function decodeJobs(jobs: JobsOnTheWire): IJob[] {
  if (!isColumns(jobs)) {
    return jobs;
  }
  const n = jobs.count;
  const c: Record<string, any[]> = {};
  for (const field of JOB_FIELDS) {
    const column = jobs.columns[field];
    if (column === undefined) {
      throw new Error(`the job list has no ${field} column`);
    }
    c[field] = columnValues(column, n);
  }
  const out = new Array<IJob>(n);
  for (let i = 0; i < n; i++) {
    out[i] = {
      id: c.id[i],
      name: c.name[i],
      user: c.user[i],
      partition: c.partition[i],
      state: c.state[i],
      reason: c.reason[i],
      nodes: c.nodes[i],
      node_count: c.node_count[i],
      cpus: c.cpus[i],
      memory_mb: c.memory_mb[i],
      memory_per_cpu: c.memory_per_cpu[i],
      gres: c.gres[i],
      submit_time: c.submit_time[i],
      start_time: c.start_time[i],
      time_limit_s: c.time_limit_s[i],
      elapsed_s: c.elapsed_s[i],
      priority: c.priority[i],
      array_job_id: c.array_job_id[i],
      array_task_id: c.array_task_id[i]
    };
  }
  return out;
}
