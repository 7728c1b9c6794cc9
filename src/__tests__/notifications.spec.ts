import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';

import { ICluster, IJob, IStatus } from '../api';
import {
  INotifierState,
  MAX_JOB_EVENTS,
  NotificationEvent,
  Notifier,
  notice,
  notificationEvents,
  wantsBackground
} from '../notifications';
import { IHpcModel } from '../tokens';
import { bundleTrans } from '../trans';
import { baseCluster } from './clusters';

// JupyterLab's notification manager needs a running application: count the calls instead.
jest.mock('@jupyterlab/apputils', () => {
  let n = 0;
  return {
    Notification: {
      emit: jest.fn(() => `notice-${++n}`),
      dismiss: jest.fn()
    }
  };
});

const emit = Notification.emit as jest.Mock;
const dismiss = Notification.dismiss as jest.Mock;

// JupyterLab's own translator, as the panel gets it: it fills %1, %2… itself.
const trans = bundleTrans(nullTranslator.load('hpc_lab_ext'));

function job(id: string, state = 'RUNNING', extra: Partial<IJob> = {}): IJob {
  return {
    id,
    name: `train-${id}`,
    user: 'alice',
    partition: 'debug',
    state,
    reason: '',
    nodes: state === 'RUNNING' ? 'node1' : '',
    node_count: 1,
    cpus: 1,
    memory_mb: 1000,
    memory_per_cpu: false,
    gres: '',
    submit_time: null,
    start_time: null,
    time_limit_s: 1800,
    elapsed_s: 5,
    priority: 1,
    array_job_id: null,
    array_task_id: null,
    ...extra
  };
}

function cluster(
  id: string,
  requested: number,
  connected: number,
  extra: Partial<ICluster> = {}
): ICluster {
  const counts = {
    requested,
    pending: requested - connected,
    running: connected,
    connected
  };
  return { ...baseCluster, id, name: `hpc-lab-${id}`, counts, ...extra };
}

function state(
  jobs: IJob[],
  clusters: ICluster[] = [],
  extra: Partial<INotifierState> = {}
): INotifierState {
  return {
    loaded: true,
    jobs: new Map(jobs.map(j => [j.id, j])),
    clusters,
    unreachable: false,
    schedulerError: null,
    ...extra
  };
}

function changes(events: NotificationEvent[]): string[] {
  return events.map(e =>
    e.kind === 'job' ? `${e.change}:${e.job.id}` : e.kind
  );
}

describe('notificationEvents', () => {
  it('says nothing about the first state', () => {
    const first = state([job('1', 'PENDING')], [cluster('c', 2, 2)], {
      unreachable: true
    });
    expect(notificationEvents(null, first, 'alice')).toEqual([]);
    const empty = state([], [], { loaded: false });
    expect(notificationEvents(empty, first, 'alice')).toEqual([]);
  });

  it('tells when an own job starts', () => {
    const events = notificationEvents(
      state([job('1', 'PENDING'), job('2', 'PENDING', { user: 'bob' })]),
      state([job('1'), job('2', 'RUNNING', { user: 'bob' })]),
      'alice'
    );
    expect(changes(events)).toEqual(['started:1']);
  });

  it('says a job that left the queue has ended, without claiming how', () => {
    const events = notificationEvents(
      state([job('1'), job('2', 'COMPLETING'), job('3', 'PENDING')]),
      state([]),
      'alice'
    );
    expect(changes(events)).toEqual(['ended:1', 'ended:2', 'left:3']);
    const [ended, , left] = events.map(e => notice(e, trans));
    expect(ended.text).toBe(
      'Job 1 “train-1” has ended: it left the queue. Its output says how.'
    );
    expect(left.text).toBe(
      'Job 3 “train-3” left the queue before it was seen running: it was cancelled elsewhere, or it ran and ended between two updates.'
    );
  });

  it('tells end states when the backend shows them, once', () => {
    const before = state([
      job('1'),
      job('2'),
      job('3'),
      job('4'),
      job('5', 'COMPLETED')
    ]);
    const after = state([
      job('1', 'COMPLETED'),
      job('2', 'TIMEOUT'),
      job('3', 'CANCELLED'),
      job('4', 'OUT_OF_MEMORY')
    ]);
    const events = notificationEvents(before, after, 'alice');
    expect(changes(events)).toEqual([
      'finished:1',
      'failed:2',
      'cancelled:3',
      'failed:4'
    ]);
    expect(events.map(e => notice(e, trans).type)).toEqual([
      'success',
      'error',
      'warning',
      'error'
    ]);
    expect(notice(events[1], trans).text).toBe(
      'Job 2 “train-2” reached its time limit'
    );
    expect(notice(events[3], trans).text).toBe(
      'Job 4 “train-4” ran out of memory'
    );
    // seen ended, then gone: already told
    expect(notificationEvents(after, state([]), 'alice')).toEqual([]);
  });

  it('tells a job cancelled here as cancelled, and keeps quiet about Dask worker jobs', () => {
    const before = state([
      job('1'),
      job('7_1', 'RUNNING', { array_job_id: '7', array_task_id: '1' }),
      job('8+1', 'PENDING'),
      job('9', 'RUNNING', { name: 'hpc-lab-c1' }),
      job('10'),
      job('11', 'PENDING')
    ]);
    const cancelling = new Set(['1', '7', '8', '11']);
    // still in the queue, or started meanwhile: nothing yet
    const meanwhile = state(
      [...before.jobs.values()].map(j => (j.id === '11' ? job('11') : j))
    );
    expect(notificationEvents(before, meanwhile, 'alice', cancelling)).toEqual(
      []
    );
    const events = notificationEvents(before, state([]), 'alice', cancelling);
    expect(changes(events)).toEqual([
      'cancelled:1',
      'cancelled:7_1',
      'cancelled:8+1',
      'ended:10',
      'cancelled:11'
    ]);
    expect(notice(events[4], trans).text).toBe(
      'Job 11 “train-11” was cancelled'
    );
  });

  it('does not take a pending array record that splits for a job gone', () => {
    const array = (id: string, state: string, task: string) =>
      job(id, state, { array_job_id: '7', array_task_id: task });
    const events = notificationEvents(
      state([array('7_[1-3]', 'PENDING', '[1-3]')]),
      state([
        array('7_1', 'RUNNING', '1'),
        array('7_[2-3]', 'PENDING', '[2-3]')
      ]),
      'alice'
    );
    expect(events).toEqual([]);
  });

  it('ignores other users’ jobs and an unknown user', () => {
    const before = state([job('1', 'RUNNING', { user: 'bob' })]);
    expect(notificationEvents(before, state([]), 'alice')).toEqual([]);
    expect(notificationEvents(state([job('2')]), state([]), null)).toEqual([]);
  });

  it('collapses a flood of job events into one summary', () => {
    const many = (n: number) =>
      Array.from({ length: n }, (_, i) => job(String(i + 1)));
    const five = notificationEvents(state(many(5)), state([]), 'alice');
    expect(five).toHaveLength(MAX_JOB_EVENTS);

    const before = state([...many(6), job('p', 'PENDING')]);
    const after = state([job('1', 'FAILED'), job('p')]);
    const events = notificationEvents(before, after, 'alice');
    expect(events).toHaveLength(1);
    expect(events[0].kind).toBe('jobs');
    const shown = notice(events[0], trans);
    expect(shown.text).toBe(
      '7 of your jobs changed: 1 failed, 5 ended, 1 started'
    );
    expect(shown.type).toBe('error');
    expect(shown.section).toBe('queue');
  });

  it('tells when all requested workers of a cluster are connected', () => {
    const events = notificationEvents(
      state([], [cluster('a', 4, 2), cluster('b', 1, 0)]),
      state([], [cluster('a', 4, 4), cluster('b', 1, 1)]),
      'alice'
    );
    expect(events.map(e => e.kind)).toEqual(['workers', 'workers']);
    expect(events.map(e => notice(e, trans).text)).toEqual([
      'Dask cluster “hpc-lab-a”: all 4 workers are connected',
      'Dask cluster “hpc-lab-b”: its worker is connected'
    ]);
    expect(notice(events[0], trans).section).toBe('dask');
  });

  it('does not tell about new, shrinking, empty or adaptive clusters', () => {
    const before = state(
      [],
      [
        cluster('shrunk', 8, 4),
        cluster('empty', 2, 1),
        cluster('adaptive', 4, 2, { adapt: { minimum: 0, maximum: 8 } })
      ]
    );
    const after = state(
      [],
      [
        cluster('new', 2, 2),
        cluster('shrunk', 4, 4),
        cluster('empty', 0, 0),
        cluster('adaptive', 4, 4, { adapt: { minimum: 0, maximum: 8 } })
      ]
    );
    expect(notificationEvents(before, after, 'alice')).toEqual([]);
  });

  it('tells when the scheduler stops answering and when it is back', () => {
    const up = state([job('1')]);
    const down = state([job('1')], [], {
      unreachable: true,
      schedulerError: 'squeue: slurm_load_jobs error: Unable to contact'
    });
    const lost = notificationEvents(up, down, 'alice');
    expect(lost).toEqual([
      {
        kind: 'unreachable',
        error: 'squeue: slurm_load_jobs error: Unable to contact'
      }
    ]);
    expect(notice(lost[0], trans).type).toBe('warning');
    expect(notice(lost[0], trans).text).toContain('Unable to contact');
    expect(notificationEvents(down, down, 'alice')).toEqual([]);
    expect(changes(notificationEvents(down, up, 'alice'))).toEqual([
      'reachable'
    ]);
  });

  it('passes every text through the translator', () => {
    const marked = (text: string, ...args: (string | number)[]) =>
      `«${trans(text, ...args)}»`;
    const events: NotificationEvent[] = [
      { kind: 'job', change: 'started', job: job('1') },
      { kind: 'job', change: 'left', job: job('1', 'PENDING') },
      { kind: 'workers', cluster: cluster('a', 2, 2) },
      { kind: 'unreachable', error: null },
      { kind: 'reachable' }
    ];
    for (const event of events) {
      expect(notice(event, marked).text).toMatch(/^«/);
    }
  });
});

describe('wantsBackground', () => {
  it('listens until loaded, for clusters, and for own jobs when notifying', () => {
    expect(wantsBackground(state([], [], { loaded: false }), false)).toBe(true);
    expect(wantsBackground(state([]), true)).toBe(false);
    expect(wantsBackground(state([job('1')]), true)).toBe(true);
    expect(wantsBackground(state([job('1')]), false)).toBe(false);
    expect(wantsBackground(state([], [cluster('a', 1, 0)]), false)).toBe(true);
    expect(wantsBackground(state([], [], { unreachable: true }), true)).toBe(
      true
    );
  });
});

const STATUS = { user: 'alice' } as IStatus;

/** The parts of the model the notifier reads. */
class FakeModel {
  changed = new Signal<this, void>(this);
  status: IStatus | null = STATUS;
  jobs: IJob[] = [];
  clusters: ICluster[] = [];
  updatedAt: number | null = 1;
  stale = false;
  schedulerError: string | null = null;
  background = false;

  set(update: Partial<FakeModel>): void {
    Object.assign(this, update);
    this.changed.emit();
  }
}

describe('Notifier', () => {
  let model: FakeModel;
  let notifier: Notifier;
  let shown: string[];

  beforeEach(() => {
    emit.mockClear();
    dismiss.mockClear();
    model = new FakeModel();
    model.jobs = [job('1', 'PENDING')];
    notifier = new Notifier({
      model: model as unknown as IHpcModel,
      trans,
      showPanel: section => shown.push(section)
    });
    shown = [];
  });

  afterEach(() => notifier.dispose());

  it('shows JupyterLab notifications with autoClose, from the second update on', () => {
    expect(emit).not.toHaveBeenCalled();
    model.set({ jobs: [job('1')] });
    expect(emit).toHaveBeenCalledTimes(1);
    const [text, type, options] = emit.mock.calls[0];
    expect(text).toBe('Job 1 “train-1” started on node1');
    expect(type).toBe('info');
    expect(options.autoClose).toBeGreaterThan(0);
    options.actions[0].callback();
    expect(shown).toEqual(['queue']);
  });

  it('shows nothing while the setting is off, and no backlog when turned on', () => {
    notifier.enabled = false;
    model.set({ jobs: [job('1')] });
    model.set({ stale: true, schedulerError: 'down' });
    model.set({ jobs: [], stale: false, schedulerError: null });
    expect(emit).not.toHaveBeenCalled();
    notifier.enabled = true;
    expect(emit).not.toHaveBeenCalled();
    model.set({ jobs: [job('2', 'PENDING')] });
    model.set({ jobs: [job('2')] });
    expect(emit).toHaveBeenCalledTimes(1);
  });

  it('tells a job cancelled here as cancelled, not as one that left the queue', () => {
    model.set({ jobs: [job('1', 'PENDING'), job('2', 'PENDING')] });
    emit.mockClear();
    notifier.quiet('1');
    notifier.quiet('2');
    notifier.quiet('2', false); // that cancel failed
    model.set({ jobs: [] });
    expect(emit.mock.calls.map(c => c[0])).toEqual([
      'Job 1 “train-1” was cancelled',
      'Job 2 “train-2” left the queue before it was seen running: it was cancelled elsewhere, or it ran and ended between two updates.'
    ]);
  });

  it('replaces the “scheduler unreachable” notice when it is back', () => {
    model.set({ stale: true, schedulerError: 'slurmctld down' });
    expect(emit).toHaveBeenCalledTimes(1);
    const id = emit.mock.results[0].value;
    model.set({ jobs: [job('1')] }); // another notice meanwhile
    model.set({ stale: false, schedulerError: null });
    expect(dismiss).toHaveBeenCalledWith(id);
    expect(emit.mock.calls[2][1]).toBe('success');
  });

  it('starts again without notifying when the server user changes', () => {
    model.set({ status: null, jobs: [] });
    model.set({ status: STATUS, jobs: [job('1')] });
    expect(emit).not.toHaveBeenCalled();
  });

  it('keeps the model listening in the background only while useful', () => {
    expect(model.background).toBe(true); // own pending job
    model.set({ jobs: [] });
    expect(model.background).toBe(false);
    model.set({ clusters: [cluster('a', 1, 0)] });
    expect(model.background).toBe(true);
    model.set({ clusters: [], jobs: [job('3')] });
    expect(model.background).toBe(true);
    notifier.enabled = false;
    expect(model.background).toBe(false);
  });

  it('stops listening when disposed', () => {
    notifier.dispose();
    model.set({ jobs: [job('1')] });
    expect(emit).not.toHaveBeenCalled();
  });
});
