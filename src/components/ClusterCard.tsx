import * as React from 'react';

import { ICluster, IClusterWorker } from '../api';
import {
  describeReason,
  formatDuration,
  relativeTime,
  startsAt
} from './format';
import { PatienceLine } from './PatienceLine';
import { requestJobLog } from '../logs/events';
import { Trans } from '../trans';

export interface IClusterCallbacks {
  onScale: (cluster: ICluster, n: number) => void;
  onAdapt: (cluster: ICluster, minimum: number, maximum: number) => void;
  onConnect: (cluster: ICluster) => void;
  onDashboard: (cluster: ICluster) => void;
  /** the menu of the dashboard's other panes, opened below `anchor` */
  onDashboardMenu?: (cluster: ICluster, anchor: HTMLElement) => void;
  onShutdown: (cluster: ICluster) => void;
  /** turn resubmission of long-waiting worker jobs on or off */
  onPatience?: (cluster: ICluster, on: boolean) => void;
}

export interface IClusterCardProps extends IClusterCallbacks {
  cluster: ICluster;
  /** the active notebook's cluster is marked */
  current: boolean;
  now: number;
  trans: Trans;
  /** read-only access (the server refuses this person's actions): the card shows, it does not act */
  readOnly?: boolean;
}

/**
 * Worker counts as the card shows them: parts that add up. The server's counts come from two
 * sources read at different moments (Dask's connected workers, the scheduler's job states), so
 * a worker may be connected while its job still reads pending. A connected worker's job runs;
 * `starting` are running jobs whose worker has not connected yet; `pending` are no more than
 * the requested workers not yet running.
 */
export function shownCounts(cluster: ICluster): {
  connected: number;
  starting: number;
  pending: number;
  requested: number;
} {
  const { requested, pending, running, connected } = cluster.counts;
  const started = Math.max(running, connected);
  return {
    connected,
    starting: started - connected,
    pending: Math.max(0, Math.min(pending, requested - started)),
    requested
  };
}

/** Parts of the progress bar: connected, starting up, pending, of requested. */
export function progressParts(cluster: ICluster): {
  connected: number;
  starting: number;
  pending: number;
} {
  const { connected, starting, pending, requested } = shownCounts(cluster);
  const total = Math.max(requested, connected + starting + pending, 1);
  return {
    connected: connected / total,
    starting: starting / total,
    pending: pending / total
  };
}

function formatBytes(bytes: number | null): string {
  if (bytes === null) {
    return '';
  }
  const gb = bytes / 1024 ** 3;
  return gb >= 1
    ? `${gb.toFixed(1)} GB`
    : `${Math.round(bytes / 1024 ** 2)} MB`;
}

function timeLeft(worker: IClusterWorker): string {
  if (worker.time_limit_s === null) {
    return '';
  }
  if (worker.state !== 'RUNNING' || worker.elapsed_s === null) {
    return formatDuration(worker.time_limit_s);
  }
  return formatDuration(Math.max(0, worker.time_limit_s - worker.elapsed_s));
}

function WorkerRows(props: {
  workers: IClusterWorker[];
  now: number;
  trans: Trans;
}): JSX.Element {
  const { workers, now, trans } = props;
  if (workers.length === 0) {
    return <div className="jp-HpcEmpty">{trans('No worker jobs.')}</div>;
  }
  return (
    <table className="jp-HpcCluster-workers">
      <thead>
        <tr>
          <th>{trans('Job')}</th>
          <th>{trans('State')}</th>
          <th>{trans('Node or reason')}</th>
          <th>{trans('Time left')}</th>
          <th>{trans('Worker')}</th>
          <th>{trans('Memory')}</th>
          <th>{trans('Tasks')}</th>
        </tr>
      </thead>
      <tbody>
        {workers.map((w, i) => {
          const start = w.start_time ? Date.parse(w.start_time) : NaN;
          const where =
            w.state === 'PENDING'
              ? [
                  describeReason(w.reason),
                  Number.isFinite(start) && !w.reason.startsWith('JobHeld')
                    ? start <= now
                      ? `${trans('starts')} ${trans('soon')}`
                      : `${trans('starts')} ${startsAt(start, now)}`
                    : ''
                ]
                  .filter(Boolean)
                  .join(' · ')
              : w.node;
          return (
            <tr
              key={w.job_id ?? w.worker_name ?? i}
              data-job-id={w.job_id ?? ''}
              data-worker={w.worker_name ?? ''}
            >
              <td>
                {w.job_id ? (
                  <button
                    className="jp-HpcCluster-log"
                    title={trans('Open the log of worker job %1', w.job_id)}
                    aria-label={trans('Log of job %1', w.job_id)}
                    onClick={e =>
                      // Dask writes its log to standard error
                      requestJobLog(e.currentTarget, {
                        jobId: w.job_id!,
                        stream: 'stderr'
                      })
                    }
                  >
                    {w.job_id}
                  </button>
                ) : (
                  '—'
                )}
              </td>
              <td>{w.state}</td>
              <td title={w.reason}>{where}</td>
              <td>{timeLeft(w)}</td>
              <td title={w.worker_address ?? ''}>{w.worker_name ?? ''}</td>
              <td>{formatBytes(w.memory_bytes)}</td>
              <td>{w.tasks ?? ''}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/**
 * Why the pending worker jobs wait, as the card shows it without expanding: one line per reason,
 * "2 waiting: waiting for free nodes · starts in 4 min (12:40)", the earliest start of the group.
 */
export function pendingReasons(
  workers: readonly IClusterWorker[],
  now: number,
  trans: Trans
): string[] {
  const groups = new Map<string, { count: number; start: number }>();
  for (const w of workers) {
    if (w.state !== 'PENDING') {
      continue;
    }
    const start = w.start_time ? Date.parse(w.start_time) : NaN;
    const group = groups.get(w.reason) ?? { count: 0, start: Infinity };
    group.count++;
    if (Number.isFinite(start) && !w.reason.startsWith('JobHeld')) {
      group.start = Math.min(group.start, start);
    }
    groups.set(w.reason, group);
  }
  return [...groups.entries()].map(([reason, { count, start }]) => {
    const why =
      describeReason(reason) ||
      trans('waiting for the scheduler to consider it');
    const when = Number.isFinite(start)
      ? start <= now
        ? ` · ${trans('starts')} ${trans('soon')}`
        : ` · ${trans('starts')} ${startsAt(start, now)}`
      : '';
    return `${trans('%1 waiting: %2', count, why)}${when}`;
  });
}

/** One-click worker counts: 0, 1, 2, 4, 8… up to the profile's maximum (always included). */
export function presets(max: number): number[] {
  const values = [0];
  for (let v = 1; v < max; v *= 2) {
    values.push(v);
  }
  if (max > 0) {
    values.push(max);
  }
  return values.length > 7 ? [...values.slice(0, 6), max] : values;
}

/** One Dask cluster: what it asked for and has, scale buttons, adapt, and its worker jobs. */
export function ClusterCard(props: IClusterCardProps): JSX.Element {
  const { cluster, current, now, trans } = props;
  const { requested, pending, running, connected } = cluster.counts;
  const max = cluster.profile.max_workers;
  const [target, setTarget] = React.useState(String(requested));
  const [expanded, setExpanded] = React.useState(false);
  const [adaptMin, setAdaptMin] = React.useState(
    String(cluster.adapt?.minimum ?? 0)
  );
  const [adaptMax, setAdaptMax] = React.useState(
    String(cluster.adapt?.maximum ?? Math.min(4, max))
  );
  React.useEffect(() => setTarget(String(requested)), [requested]);
  const parts = progressParts(cluster);
  const shown = shownCounts(cluster);
  const waiting =
    shown.pending > 0 ? pendingReasons(cluster.workers, now, trans) : [];
  const n = Number(target);
  const validTarget = /^\d+$/.test(target) && n >= 0 && n <= max;
  const scaleTo = (value: number) =>
    props.onScale(cluster, Math.max(0, Math.min(max, value)));
  const p = cluster.profile;
  const shape = [
    `${p.cores} ${p.cores === 1 ? trans('core') : trans('cores')}`,
    p.memory,
    p.gres,
    p.walltime,
    p.partition
  ]
    .filter(Boolean)
    .join(' · ');
  const idle =
    cluster.idle_since !== null && connected > 0
      ? `${trans('idle since')} ${relativeTime(cluster.idle_since * 1000, now)}`
      : '';
  return (
    <article
      className={`jp-HpcCluster${current ? ' jp-mod-current' : ''}`}
      data-cluster-id={cluster.id}
      aria-label={`${trans('Dask cluster')} ${cluster.name}`}
    >
      <header className="jp-HpcCluster-header">
        <span className="jp-HpcCluster-name">{cluster.name}</span>
        <span className={`jp-HpcCluster-status jp-mod-${cluster.status}`}>
          {cluster.status}
        </span>
        {current ? (
          <span className="jp-HpcCluster-current">
            {trans('this notebook')}
          </span>
        ) : null}
      </header>
      <div className="jp-HpcCluster-shape" title={cluster.python}>
        {p.name} · {shape}
      </div>
      {cluster.error ? (
        <div className="jp-HpcBanner jp-mod-error" role="alert">
          {cluster.error}
        </div>
      ) : null}
      <div
        className="jp-HpcCluster-counts"
        aria-label={trans('Workers')}
        data-requested={requested}
        data-pending={pending}
        data-running={running}
        data-connected={connected}
      >
        <span>
          <b>{shown.connected}</b> {trans('connected')}
        </span>
        <span
          title={trans('worker jobs running, their workers not connected yet')}
        >
          <b>{shown.starting}</b> {trans('starting')}
        </span>
        <span>
          <b>{shown.pending}</b> {trans('pending')}
        </span>
        <span>
          {trans('of')} <b>{requested}</b> {trans('requested')}
        </span>
        {idle ? <span className="jp-HpcCluster-idle">{idle}</span> : null}
      </div>
      {waiting.length > 0 ? (
        <ul
          className="jp-HpcCluster-pendingReasons"
          aria-label={trans('Why workers wait')}
        >
          {waiting.map(line => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      ) : null}
      <div className="jp-HpcCluster-progress" aria-hidden="true">
        <span
          className="jp-HpcCluster-progressConnected"
          style={{ width: `${parts.connected * 100}%` }}
        />
        <span
          className="jp-HpcCluster-progressStarting"
          style={{ width: `${parts.starting * 100}%` }}
        />
        <span
          className="jp-HpcCluster-progressPending"
          style={{ width: `${parts.pending * 100}%` }}
        />
      </div>
      {/* Scaling and patience wait for a running cluster (the server refuses them before). */}
      <fieldset
        className="jp-HpcCluster-controls"
        disabled={cluster.status !== 'running'}
        hidden={props.readOnly}
      >
        <div className="jp-HpcCluster-scale">
          <button
            aria-label={trans('One worker fewer')}
            disabled={requested <= 0}
            onClick={() => scaleTo(requested - 1)}
          >
            −
          </button>
          <input
            type="number"
            min={0}
            max={max}
            value={target}
            aria-label={trans('Workers wanted')}
            aria-invalid={!validTarget}
            onChange={e => setTarget(e.target.value)}
            onKeyDown={e => {
              if (e.key === 'Enter' && validTarget) {
                scaleTo(n);
              }
            }}
          />
          <button
            aria-label={trans('One worker more')}
            disabled={requested >= max}
            onClick={() => scaleTo(requested + 1)}
          >
            +
          </button>
          <button
            className="jp-HpcCluster-apply"
            disabled={!validTarget || n === requested}
            onClick={() => scaleTo(n)}
          >
            {trans('Scale')}
          </button>
          <span className="jp-HpcCluster-max">
            {trans('max')} {max}
          </span>
        </div>
        <div className="jp-HpcCluster-presets" aria-label={trans('Scale to')}>
          {presets(max).map(value => (
            <button
              key={value}
              aria-label={`${trans('Scale to')} ${value} ${trans('workers')}`}
              className={value === requested ? 'jp-mod-active' : ''}
              disabled={value === requested}
              onClick={() => scaleTo(value)}
            >
              {value}
            </button>
          ))}
        </div>
        <div className="jp-HpcCluster-adapt">
          <label>
            <input
              type="checkbox"
              checked={cluster.adapt !== null}
              onChange={e =>
                e.target.checked
                  ? props.onAdapt(cluster, Number(adaptMin), Number(adaptMax))
                  : props.onScale(cluster, requested)
              }
            />
            {trans('Adapt between')}
          </label>
          <input
            type="number"
            min={0}
            max={max}
            value={adaptMin}
            aria-label={trans('Adapt minimum')}
            onChange={e => setAdaptMin(e.target.value)}
          />
          <span>{trans('and')}</span>
          <input
            type="number"
            min={0}
            max={max}
            value={adaptMax}
            aria-label={trans('Adapt maximum')}
            onChange={e => setAdaptMax(e.target.value)}
          />
          {cluster.adapt !== null ? (
            <button
              onClick={() =>
                props.onAdapt(cluster, Number(adaptMin), Number(adaptMax))
              }
            >
              {trans('Apply')}
            </button>
          ) : null}
        </div>
        {props.onPatience && cluster.profile.scheduler === 'slurm' ? (
          <PatienceLine
            cluster={cluster}
            onPatience={props.onPatience}
            trans={trans}
          />
        ) : null}
      </fieldset>
      <div className="jp-HpcCluster-actions">
        {props.readOnly ? null : (
          <button onClick={() => props.onConnect(cluster)}>
            {trans('Connect notebook')}
          </button>
        )}
        <span className="jp-HpcCluster-dashboard">
          <button onClick={() => props.onDashboard(cluster)}>
            {trans('Dashboard')}
          </button>
          {props.onDashboardMenu ? (
            <button
              className="jp-HpcCluster-dashboardMenu"
              aria-haspopup="menu"
              aria-label={trans('Other dashboard panes')}
              title={trans('Other dashboard panes')}
              onClick={e => props.onDashboardMenu!(cluster, e.currentTarget)}
            >
              ▾
            </button>
          ) : null}
        </span>
        {props.readOnly ? null : (
          <button
            className="jp-mod-warn"
            onClick={() => props.onShutdown(cluster)}
          >
            {trans('Shut down')}
          </button>
        )}
        <button
          className="jp-HpcCluster-expand"
          aria-expanded={expanded}
          onClick={() => setExpanded(!expanded)}
        >
          {expanded ? trans('Hide jobs') : trans('Worker jobs')} (
          {cluster.workers.length})
        </button>
      </div>
      {expanded ? (
        <WorkerRows workers={cluster.workers} now={now} trans={trans} />
      ) : null}
    </article>
  );
}
