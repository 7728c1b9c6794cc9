import { requestAPI } from '../api/client';

/** How a job ended (hpc_lab_ext/history/records.py GROUPS). */
export type EndGroup =
  'completed' | 'failed' | 'timeout' | 'oom' | 'cancelled' | 'other';

export const END_GROUPS: EndGroup[] = [
  'completed',
  'failed',
  'timeout',
  'oom',
  'cancelled',
  'other'
];

/** One ended job (EndedJob.to_json). */
export interface IEndedJob {
  id: string;
  name: string;
  partition: string;
  state: string;
  group: EndGroup;
  exit_code: number | null;
  signal: number | null;
  submit_time: string | null;
  start_time: string | null;
  end_time: string | null;
  elapsed_s: number | null;
  time_limit_s: number | null;
  cpus: number | null;
  req_mem_mb: number | null;
  max_rss_mb: number | null;
  total_cpu_s: number | null;
  nodes: string;
  cpu_efficiency: number | null;
  memory_efficiency: number | null;
  time_efficiency: number | null;
  /** the request suggested for the next job like it (measured use plus a margin) */
  suggestion?: ISuggestion | null;
}

/** hpc_lab_ext/history/sizing.py suggest() */
export interface ISuggestion {
  cpus?: number;
  mem_mb?: number;
  time_s: number;
  /** asks for less than the job did */
  smaller: boolean;
}

export interface ISpread {
  min: number;
  median: number;
  max: number;
}

/** hpc_lab_ext/history/sizing.py array_summaries() */
export interface IArraySummary {
  array_id: string;
  name: string;
  tasks: number;
  groups: Partial<Record<EndGroup, number>>;
  cpu_efficiency: ISpread | null;
  memory_efficiency: ISpread | null;
  time_efficiency: ISpread | null;
}

/** GET history?days=N */
export interface IHistory {
  /** Slurm's accounting, or the jobs this server saw end */
  source: 'accounting' | 'own-record';
  /** why it is not accounting, when it is not */
  note: string | null;
  days: number;
  counts: Record<EndGroup, number>;
  /** per array, min/median/max efficiency over its tasks (accounting only) */
  arrays?: IArraySummary[];
  jobs: IEndedJob[];
}

export type HistoryFetcher = (days: number) => Promise<IHistory>;

export const fetchHistory: HistoryFetcher = days =>
  requestAPI<IHistory>(`history?days=${days}`);

/** One shape of a resubmission and when Slurm says it would start. */
export interface IShapeStart {
  label: 'asked' | 'suggested';
  cpus: number;
  mem_mb: number;
  time_s: number;
  /** ISO time, or null with `error` */
  start: string | null;
  error: string | null;
}

/** GET history/<id>/resubmit */
export interface IResubmitPlan {
  job: IEndedJob;
  script: string | null;
  workdir: string;
  suggestion: ISuggestion | null;
  limits: {
    max_time_s: number | null;
    max_cpus: number | null;
    max_mem_mb: number | null;
  };
  shapes: IShapeStart[];
}

/** What a person may change: nothing else is sent. */
export interface IResubmitFields {
  cpus: number;
  mem_mb: number;
  time_s: number;
}

export const fetchPlan = (jobId: string): Promise<IResubmitPlan> =>
  requestAPI<IResubmitPlan>(`history/${encodeURIComponent(jobId)}/resubmit`);

export const postResubmit = (
  jobId: string,
  fields: IResubmitFields
): Promise<{ job_id: string }> =>
  requestAPI<{ job_id: string }>(
    `history/${encodeURIComponent(jobId)}/resubmit`,
    { method: 'POST', body: JSON.stringify(fields) }
  );
