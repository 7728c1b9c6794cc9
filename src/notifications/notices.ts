/** The words and kinds of the notifications for a list of events (pure). */
import { IJob } from '../api';
import { JobChange, NotificationEvent } from './events';
import { Trans } from '../trans';

/** A notification as shown: its text, its kind, and the panel section it is about. */
export interface INotice {
  text: string;
  type: 'info' | 'success' | 'warning' | 'error';
  /** ms before the toast closes (it stays in the notification centre) */
  autoClose: number;
  section: 'queue' | 'dask' | null;
}

/** Names are not the key fact (the id is): long ones are cut to keep the toast readable. */
function shortName(name: string): string {
  return name.length > 40 ? `${name.slice(0, 39)}…` : name;
}

function jobText(change: JobChange, job: IJob, trans: Trans): string {
  const name = shortName(job.name);
  switch (change) {
    case 'started':
      return job.nodes
        ? trans('Job %1 “%2” started on %3', job.id, name, job.nodes)
        : trans('Job %1 “%2” started', job.id, name);
    case 'finished':
      return trans('Job %1 “%2” completed', job.id, name);
    case 'cancelled':
      return trans('Job %1 “%2” was cancelled', job.id, name);
    case 'ended':
      return trans(
        'Job %1 “%2” has ended: it left the queue. Its output says how.',
        job.id,
        name
      );
    case 'left':
      return trans(
        'Job %1 “%2” left the queue before it was seen running: it was cancelled elsewhere, or it ran and ended between two updates.',
        job.id,
        name
      );
    default:
      break;
  }
  const failures: Record<string, string> = {
    TIMEOUT: 'Job %1 “%2” reached its time limit',
    OUT_OF_MEMORY: 'Job %1 “%2” ran out of memory',
    NODE_FAIL: 'Job %1 “%2” failed: a node it ran on failed',
    BOOT_FAIL: 'Job %1 “%2” failed: its node did not boot',
    DEADLINE: 'Job %1 “%2” missed its deadline',
    PREEMPTED: 'Job %1 “%2” was preempted'
  };
  return trans(failures[job.state] ?? 'Job %1 “%2” failed', job.id, name);
}

const CHANGE_ORDER: JobChange[] = [
  'failed',
  'cancelled',
  'finished',
  'ended',
  'left',
  'started'
];

const CHANGE_COUNTS: Record<JobChange, string> = {
  failed: '%1 failed',
  cancelled: '%1 cancelled',
  finished: '%1 completed',
  ended: '%1 ended',
  left: '%1 left the queue',
  started: '%1 started'
};

/** The words and kind of one notification. */
export function notice(event: NotificationEvent, trans: Trans): INotice {
  switch (event.kind) {
    case 'job': {
      const bad = event.change === 'failed';
      const warn = event.change === 'cancelled' || event.change === 'left';
      return {
        text: jobText(event.change, event.job, trans),
        type: bad
          ? 'error'
          : warn
            ? 'warning'
            : event.change === 'finished'
              ? 'success'
              : 'info',
        autoClose: bad ? 10000 : 6000,
        section: 'queue'
      };
    }
    case 'jobs': {
      const counts = new Map<JobChange, number>();
      for (const e of event.events) {
        counts.set(e.change, (counts.get(e.change) ?? 0) + 1);
      }
      const parts = CHANGE_ORDER.filter(c => counts.has(c)).map(c =>
        trans(CHANGE_COUNTS[c], counts.get(c)!)
      );
      const failed = counts.has('failed');
      return {
        text: trans(
          '%1 of your jobs changed: %2',
          event.events.length,
          parts.join(', ')
        ),
        type: failed ? 'error' : 'info',
        autoClose: failed ? 10000 : 6000,
        section: 'queue'
      };
    }
    case 'workers': {
      const { name, counts } = event.cluster;
      return {
        text:
          counts.requested === 1
            ? trans('Dask cluster “%1”: its worker is connected', name)
            : trans(
                'Dask cluster “%1”: all %2 workers are connected',
                name,
                counts.requested
              ),
        type: 'success',
        autoClose: 6000,
        section: 'dask'
      };
    }
    case 'unreachable':
      return {
        text:
          trans(
            'The scheduler does not answer; the HPC panel shows the last known state.'
          ) + (event.error ? ` ${event.error}` : ''),
        type: 'warning',
        autoClose: 10000,
        section: null
      };
    case 'reachable':
      return {
        text: trans(
          'The scheduler answers again; the HPC panel is up to date.'
        ),
        type: 'success',
        autoClose: 5000,
        section: null
      };
  }
}
