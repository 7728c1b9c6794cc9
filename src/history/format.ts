/** Pure helpers of the history view. */
import { Trans } from '../trans';
import { EndGroup, IEndedJob, IHistory, ISpread, ISuggestion } from './api';

/** "25 %", or '' when unknown. */
export function percent(value: number | null): string {
  return value === null ? '' : `${Math.round(value * 100)} %`;
}

/** "1:02:03" for seconds, '' when unknown. */
export function duration(seconds: number | null): string {
  if (seconds === null) {
    return '';
  }
  const s = Math.round(seconds);
  const days = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock =
    h > 0 || days > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
  return days > 0 ? `${days}-${clock}` : clock;
}

/** "1.5 GB" / "500 MB" for megabytes, '' when unknown. */
export function megabytes(mb: number | null): string {
  if (mb === null) {
    return '';
  }
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${Math.round(mb)} MB`;
}

/** How the job ended in words: "exit code 3", "signal 9", "time limit", "out of memory". */
export function endText(job: IEndedJob, trans: Trans): string {
  switch (job.group) {
    case 'timeout':
      return trans('reached its time limit');
    case 'oom':
      return trans('ran out of memory');
    case 'cancelled':
      return trans('cancelled');
    default:
      break;
  }
  if (job.signal) {
    return trans('killed by signal %1', job.signal);
  }
  if (job.exit_code !== null && job.exit_code !== 0) {
    return trans('exit code %1', job.exit_code);
  }
  return job.group === 'completed' ? trans('exit code 0') : '';
}

/** What the history is made of, in words, for the line above the table. */
export function sourceText(history: IHistory, trans: Trans): string {
  if (history.source === 'accounting') {
    return trans('From Slurm accounting (sacct), last %1 days', history.days);
  }
  const why = history.note ? ` — ${history.note}` : '';
  return (
    trans(
      'From this server’s own record of jobs it saw end, last %1 days (no use figures)',
      history.days
    ) + why
  );
}

export const GROUP_LABELS: Record<EndGroup, string> = {
  completed: 'Completed',
  failed: 'Failed',
  timeout: 'Timed out',
  oom: 'Out of memory',
  cancelled: 'Cancelled',
  other: 'Other'
};

/** The jobs of one way of ending (all when `group` is null). */
export function jobsOf(
  jobs: readonly IEndedJob[],
  group: EndGroup | null
): IEndedJob[] {
  return group === null ? [...jobs] : jobs.filter(j => j.group === group);
}

/** sbatch options of a suggestion: "-c 1 --mem=256M -t 0:05:00"; '' when it asks for no less. */
export function suggestionText(
  suggestion: ISuggestion | null | undefined
): string {
  if (!suggestion || !suggestion.smaller) {
    return '';
  }
  const parts: string[] = [];
  if (suggestion.cpus !== undefined) {
    parts.push(`-c ${suggestion.cpus}`);
  }
  if (suggestion.mem_mb !== undefined) {
    parts.push(`--mem=${suggestion.mem_mb}M`);
  }
  const h = Math.floor(suggestion.time_s / 3600);
  const m = Math.floor((suggestion.time_s % 3600) / 60);
  const sec = suggestion.time_s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  parts.push(`-t ${h}:${pad(m)}:${pad(sec)}`);
  return parts.join(' ');
}

/** "12–30 % (median 25 %)", '' when unknown. */
export function spreadText(spread: ISpread | null): string {
  if (!spread) {
    return '';
  }
  const median = percent(spread.median);
  return spread.min === spread.max
    ? median
    : `${percent(spread.min).replace(' %', '')}–${percent(spread.max)} (median ${median})`;
}
