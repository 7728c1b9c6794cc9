import * as React from 'react';

import { Trans } from '../trans';
import { EndGroup, END_GROUPS, IEndedJob, IHistory } from './api';
import {
  GROUP_LABELS,
  duration,
  endText,
  jobsOf,
  megabytes,
  percent,
  spreadText,
  suggestionText
} from './format';

/** Rows shown before "Show all". */
export const MAX_ROWS = 500;

export interface IHistoryTableProps {
  history: IHistory;
  group: EndGroup | null;
  trans: Trans;
  onGroup: (group: EndGroup | null) => void;
  onLog: (job: IEndedJob) => void;
  /** resubmit the job right-sized (offered where a smaller request is suggested) */
  onResize?: (job: IEndedJob) => void;
}

/** The ended jobs, grouped by how they ended: pure (props in, callbacks out). */
export function HistoryTable(props: IHistoryTableProps): JSX.Element {
  const { history, group, trans, onGroup, onLog, onResize } = props;
  const jobs = jobsOf(history.jobs, group);
  const [all, setAll] = React.useState(false);
  // thousands of rows take seconds to lay out: the newest first, the rest on request
  const shown = all ? jobs : jobs.slice(0, MAX_ROWS);
  return (
    <>
      <div
        className="jp-HpcHistory-groups"
        role="group"
        aria-label={trans('How jobs ended')}
      >
        {END_GROUPS.filter(g => history.counts[g] > 0 || g === 'failed').map(
          g => (
            <button
              key={g}
              className={`jp-HpcHistory-group jp-mod-${g}`}
              aria-pressed={group === g}
              onClick={() => onGroup(group === g ? null : g)}
            >
              {trans(GROUP_LABELS[g])} {history.counts[g]}
            </button>
          )
        )}
      </div>
      {(history.arrays ?? []).length > 0 ? (
        <ul className="jp-HpcHistory-arrays" aria-label={trans('Arrays')}>
          {(history.arrays ?? []).map(a => (
            <li key={a.array_id} data-array-id={a.array_id}>
              {trans('Array %1 (%2): %3 tasks', a.array_id, a.name, a.tasks)}
              {a.cpu_efficiency
                ? ` · ${trans('CPU %1', spreadText(a.cpu_efficiency))}`
                : ''}
              {a.memory_efficiency
                ? ` · ${trans('memory %1', spreadText(a.memory_efficiency))}`
                : ''}
              {a.time_efficiency
                ? ` · ${trans('time %1', spreadText(a.time_efficiency))}`
                : ''}
            </li>
          ))}
        </ul>
      ) : null}
      {jobs.length === 0 ? (
        <p className="jp-HpcHistory-empty">
          {trans('No jobs ended in this time.')}
        </p>
      ) : (
        <table className="jp-HpcHistory-table">
          <thead>
            <tr>
              <th>{trans('Job')}</th>
              <th>{trans('Name')}</th>
              <th>{trans('State')}</th>
              <th>{trans('How it ended')}</th>
              <th>{trans('Ended')}</th>
              <th>{trans('Elapsed / limit')}</th>
              <th>{trans('CPUs (used)')}</th>
              <th>{trans('Memory (used)')}</th>
              <th>{trans('Next time')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {shown.map(job => (
              <tr
                key={job.id}
                data-job-id={job.id}
                className={`jp-mod-${job.group}`}
              >
                <td>{job.id}</td>
                <td>{job.name}</td>
                <td>{job.state}</td>
                <td>{endText(job, trans)}</td>
                <td>{job.end_time?.replace('T', ' ') ?? ''}</td>
                <td>
                  {duration(job.elapsed_s)}
                  {job.time_limit_s !== null
                    ? ` / ${duration(job.time_limit_s)}`
                    : ''}
                  {job.time_efficiency !== null
                    ? ` (${percent(job.time_efficiency)})`
                    : ''}
                </td>
                <td>
                  {job.cpus ?? ''}
                  {job.cpu_efficiency !== null
                    ? ` (${percent(job.cpu_efficiency)})`
                    : ''}
                </td>
                <td>
                  {megabytes(job.req_mem_mb)}
                  {job.max_rss_mb !== null
                    ? ` (${megabytes(job.max_rss_mb)})`
                    : ''}
                </td>
                <td
                  className="jp-HpcHistory-suggestion"
                  title={trans(
                    'Measured use plus a margin: ask for this next time and the job may start sooner'
                  )}
                >
                  {suggestionText(job.suggestion)}
                  {onResize && job.suggestion?.smaller ? (
                    <button
                      className="jp-HpcHistory-resize"
                      aria-label={trans('Resubmit job %1 right-sized', job.id)}
                      onClick={() => onResize(job)}
                    >
                      {trans('Resubmit…')}
                    </button>
                  ) : null}
                </td>
                <td>
                  <button
                    className="jp-HpcHistory-log"
                    aria-label={trans('Log of job %1', job.id)}
                    onClick={() => onLog(job)}
                  >
                    {trans('Log')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {shown.length < jobs.length ? (
        <button className="jp-HpcHistory-all" onClick={() => setAll(true)}>
          {trans('Show all %1 jobs', jobs.length)}
        </button>
      ) : null}
    </>
  );
}
