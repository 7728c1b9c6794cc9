import { IJob, IJobList, IStatus, JobScope } from '../api';
import { HpcModel, IHpcFetcher } from '../model';

const STATUS: IStatus = {
  backend: 'slurm',
  backend_version: 'slurm 22.05.8',
  reachable: true,
  user: 'alice',
  error: null,
  live_queue: true
};

function job(id: string, user = 'alice', state = 'RUNNING'): IJob {
  return {
    id,
    name: `job ${id}`,
    user,
    partition: 'debug',
    state,
    reason: '',
    nodes: 'node1',
    node_count: 1,
    cpus: 1,
    memory_mb: 1000,
    memory_per_cpu: true,
    gres: '',
    submit_time: null,
    start_time: null,
    time_limit_s: 1800,
    elapsed_s: 5,
    priority: 1,
    array_job_id: null,
    array_task_id: null
  };
}

class FakeFetcher implements IHpcFetcher {
  lists: Record<JobScope, IJob[]> = {
    me: [job('1')],
    all: [job('1'), job('2', 'bob')]
  };
  updatedAt = 100;
  calls: JobScope[] = [];
  fail: string | null = null;

  async status(): Promise<IStatus> {
    if (this.fail) {
      throw new Error(this.fail);
    }
    return STATUS;
  }

  async jobs(scope: JobScope): Promise<IJobList> {
    this.calls.push(scope);
    if (this.fail) {
      throw new Error(this.fail);
    }
    return {
      jobs: this.lists[scope],
      updated_at: this.updatedAt,
      stale: false
    };
  }
}

describe('HpcModel', () => {
  let fetcher: FakeFetcher;
  let model: HpcModel;
  let emitted: number;

  beforeEach(async () => {
    fetcher = new FakeFetcher();
    model = new HpcModel({ fetcher, interval: 60_000 });
    emitted = 0;
    model.changed.connect(() => emitted++);
    model.visible = true;
    await model.start();
    await model.refresh();
  });

  afterEach(() => model.dispose());

  it('loads status and my jobs', () => {
    expect(model.loading).toBe(false);
    expect(model.status).toEqual(STATUS);
    expect(model.jobs.map(j => j.id)).toEqual(['1']);
    expect(model.updatedAt).toBe(100);
  });

  it('emits changed only when something differs', async () => {
    const before = emitted;
    await model.refresh();
    expect(emitted).toBe(before);
    fetcher.lists.me = [job('1', 'alice', 'COMPLETING')];
    await model.refresh();
    expect(emitted).toBe(before + 1);
    expect(model.jobs[0].state).toBe('COMPLETING');
  });

  it('switches scope and fetches everyone’s jobs', async () => {
    model.scope = 'all';
    await model.refresh();
    expect(fetcher.calls[fetcher.calls.length - 1]).toBe('all');
    expect(model.jobs.map(j => j.user)).toEqual(['alice', 'bob']);
  });

  it('keeps the last jobs and reports the error when the server fails', async () => {
    fetcher.fail = 'Jupyter server not reachable';
    await model.refresh().catch(() => undefined);
    expect(model.error).toBe('Jupyter server not reachable');
    expect(model.jobs.map(j => j.id)).toEqual(['1']);
    fetcher.fail = null;
    await model.refresh();
    expect(model.error).toBeNull();
  });

  it('does not poll while hidden', async () => {
    model.visible = false;
    const calls = fetcher.calls.length;
    const fast = new HpcModel({ fetcher, interval: 10 });
    await fast.start();
    await new Promise(resolve => setTimeout(resolve, 100));
    expect(fetcher.calls.length).toBe(calls); // never visible: standby
    fast.visible = true;
    await new Promise(resolve => setTimeout(resolve, 100));
    expect(fetcher.calls.length).toBeGreaterThan(calls);
    fast.dispose();
  });
});
