import { requestAPI } from '../api/client';

export type LogStream = 'stdout' | 'stderr';

/** GET logs/<job id>: a window of a job's output file (hpc_lab_ext/logs/manager.py). */
export interface ILogWindow {
  job_id: string;
  stream: LogStream;
  path: string;
  /** stdout and stderr go to the same file */
  same_file: boolean;
  /** the job's state when read; '' once it left the queue */
  state: string;
  size: number;
  start: number;
  end: number;
  /** the asked-for offset was past the file's end: it was truncated or replaced */
  reset: boolean;
  text: string;
  read_at: number;
}

export interface ILogQuery {
  stream: LogStream;
  offset?: number;
  before?: number;
  limit?: number;
  /** seconds to wait for the file to grow past `offset` */
  wait?: number;
}

export type LogFetcher = (
  jobId: string,
  query: ILogQuery
) => Promise<ILogWindow>;

/** The server's job log endpoint. */
export const fetchLog: LogFetcher = (jobId, query) => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) {
      params.set(key, String(value));
    }
  }
  return requestAPI<ILogWindow>(
    `logs/${encodeURIComponent(jobId)}?${params.toString()}`
  );
};
