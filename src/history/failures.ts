/**
 * Which of the user's jobs that just left the queue failed, timed out or ran out of memory,
 * and what to tell them. Pure: the notifying plugin (notify.ts) keeps the state.
 */
import { Trans } from '../trans';
import { IEndedJob, IHistory } from './api';
import { endText } from './format';

/** Ways of ending worth a notification of their own. */
export const NOTIFY_GROUPS = new Set(['failed', 'timeout', 'oom']);

export interface IFailureNotice {
  jobId: string;
  text: string;
}

/** "Job 12 (train) failed: exit code 3", "Job 13 (big) ran out of memory". */
export function failureText(job: IEndedJob, trans: Trans): string {
  const name = job.name ? ` (${job.name})` : '';
  switch (job.group) {
    case 'timeout':
      return trans('Job %1%2 reached its time limit', job.id, name);
    case 'oom':
      return trans('Job %1%2 ran out of memory', job.id, name);
    default: {
      const why = endText(job, trans);
      return why
        ? trans('Job %1%2 failed: %3', job.id, name, why)
        : trans('Job %1%2 failed', job.id, name);
    }
  }
}

/**
 * The notices for `waiting` job ids the history now knows ended badly; `found` gets every
 * waiting id the history knows (however it ended), so it is not looked for again.
 */
export function failureNotices(
  history: IHistory,
  waiting: ReadonlySet<string>,
  trans: Trans,
  found: Set<string>
): IFailureNotice[] {
  const notices: IFailureNotice[] = [];
  for (const job of history.jobs) {
    if (!waiting.has(job.id) || found.has(job.id)) {
      continue;
    }
    found.add(job.id);
    if (NOTIFY_GROUPS.has(job.group)) {
      notices.push({ jobId: job.id, text: failureText(job, trans) });
    }
  }
  return notices;
}
