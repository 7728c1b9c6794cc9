import {
  ApiError,
  IAdvice,
  ICluster,
  IDeltaMessage,
  IGaps,
  IPatienceSettings,
  IProfileChoice,
  IJob,
  ISnapshotMessage,
  IStatus,
  IUpdatesHandlers,
  JobAction
} from '../api';
import { HpcModel, IRestClient } from '../model';
import { baseCluster } from './clusters';

const STATUS: IStatus = {
  backend: 'slurm',
  backend_version: 'slurm 22.05.8',
  reachable: true,
  user: 'alice',
  error: null,
  live_queue: true,
  unreachable_since: null,
  updated_at: 100
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
    memory_per_cpu: false,
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

function snapshot(version: number, jobs: IJob[]): ISnapshotMessage {
  return {
    type: 'snapshot',
    version,
    updated_at: 100 + version,
    stale: false,
    error: null,
    unreachable_since: null,
    jobs,
    nodes: [],
    partitions: []
  };
}

function delta(
  from: number,
  version: number,
  upsert: IJob[],
  remove: string[] = []
): IDeltaMessage {
  const none = { upsert: [], remove: [] };
  return {
    type: 'delta',
    from,
    version,
    updated_at: 200 + version,
    stale: false,
    error: null,
    unreachable_since: null,
    jobs: { upsert, remove },
    nodes: none,
    partitions: none
  };
}

class FakeRest implements IRestClient {
  snap = snapshot(1, [job('1'), job('2', 'bob')]);
  fail: string | null = null;
  snapshots = 0;
  actions: [string, JobAction][] = [];

  async status(): Promise<IStatus> {
    if (this.fail) {
      throw new Error(this.fail);
    }
    return STATUS;
  }

  async snapshot(): Promise<ISnapshotMessage> {
    this.snapshots++;
    if (this.fail) {
      throw new Error(this.fail);
    }
    return this.snap;
  }

  async jobAction(jobId: string, action: JobAction): Promise<void> {
    this.actions.push([jobId, action]);
  }

  clusterList: ICluster[] = [];
  clustersError: Error | null = null;

  async clusters(): Promise<ICluster[]> {
    if (this.clustersError) {
      throw this.clustersError;
    }
    return this.clusterList;
  }

  async profiles(): Promise<IProfileChoice[]> {
    return [];
  }

  async createCluster(): Promise<ICluster> {
    const made = cluster('c1', 'work.ipynb');
    this.clusterList = [...this.clusterList, made];
    return made;
  }

  async scaleCluster(id: string, n: number): Promise<ICluster> {
    const c = cluster(id, 'work.ipynb');
    return { ...c, counts: { ...c.counts, requested: n } };
  }

  async adaptCluster(
    id: string,
    minimum: number,
    maximum: number
  ): Promise<ICluster> {
    return { ...cluster(id, 'work.ipynb'), adapt: { minimum, maximum } };
  }

  async closeCluster(id: string): Promise<void> {
    this.clusterList = this.clusterList.filter(c => c.id !== id);
  }

  async advice(request: { n: number }): Promise<IAdvice> {
    return { n: request.n, jobs: request.n, estimates: [] };
  }

  gapsAsked = 0;

  async gaps(): Promise<IGaps> {
    this.gapsAsked++;
    return {
      partitions: [],
      horizon_s: [0, 900, 1800, 3600],
      computed_at: 0,
      version: 1,
      stale: false
    };
  }

  patience: [string, IPatienceSettings | null][] = [];

  async setPatience(
    id: string,
    patience: IPatienceSettings | null
  ): Promise<ICluster> {
    this.patience.push([id, patience]);
    const on = patience !== null;
    return {
      ...cluster(id, 'work.ipynb'),
      patience: on
        ? {
            on,
            after_s: patience.after_s,
            max_tries: 3,
            tries: 0,
            exhausted: false,
            events: []
          }
        : null
    };
  }
}

function cluster(id: string, notebook: string | null): ICluster {
  return { ...baseCluster, id, name: `cluster ${id}`, notebook };
}

class FakeSocket {
  handlers: IUpdatesHandlers | null = null;
  refreshes = 0;
  closed = 0;
  opened = 0;
  since: (number | undefined)[] = [];
  factory = (handlers: IUpdatesHandlers, options?: { since?: number }) => {
    this.opened++;
    this.since.push(options?.since);
    this.handlers = handlers;
    return {
      requestRefresh: () => this.refreshes++,
      close: () => {
        this.closed++;
        this.handlers = null;
      }
    };
  };
}

describe('HpcModel over REST only', () => {
  let rest: FakeRest;
  let model: HpcModel;
  let emitted: number;

  beforeEach(async () => {
    rest = new FakeRest();
    model = new HpcModel({ rest, openSocket: null, interval: 60_000 });
    emitted = 0;
    model.changed.connect(() => emitted++);
    model.visible = true;
    await model.start();
    await model.refresh();
  });

  afterEach(() => model.dispose());

  it('loads status and shows my jobs by default', () => {
    expect(model.loading).toBe(false);
    expect(model.status).toEqual(STATUS);
    expect(model.jobs.map(j => j.id)).toEqual(['1']);
    expect(model.updatedAt).toBe(101);
  });

  it('filters mine/all without asking the server again', () => {
    const before = rest.snapshots;
    model.scope = 'all';
    expect(model.jobs.map(j => j.user)).toEqual(['alice', 'bob']);
    expect(rest.snapshots).toBe(before);
  });

  it('returns the same jobs array until something changes', async () => {
    const first = model.jobs;
    await model.refresh();
    expect(model.jobs).toBe(first);
  });

  it('emits changed only when something shown differs', async () => {
    const before = emitted;
    await model.refresh();
    expect(emitted).toBe(before);
    rest.snap = snapshot(2, [job('1', 'alice', 'COMPLETING')]);
    await model.refresh();
    expect(emitted).toBe(before + 1);
    expect(model.jobs[0].state).toBe('COMPLETING');
  });

  it('keeps the last jobs and reports the error when the server fails', async () => {
    rest.fail = 'Jupyter server not reachable';
    await model.refresh().catch(() => undefined);
    expect(model.error).toBe('Jupyter server not reachable');
    expect(model.jobs.map(j => j.id)).toEqual(['1']);
    rest.fail = null;
    await model.refresh();
    expect(model.error).toBeNull();
  });

  it('sends job actions through REST and refreshes', async () => {
    const before = rest.snapshots;
    await model.jobAction('1', 'hold');
    expect(rest.actions).toEqual([['1', 'hold']]);
    expect(rest.snapshots).toBeGreaterThan(before);
  });

  it('says why there are no clusters when Dask is not installed (501)', async () => {
    rest.clustersError = new ApiError(
      501,
      "Dask clusters need the extension's dask extra on the server"
    );
    await model.refresh();
    expect(model.error).toBeNull();
    expect(model.jobs.map(j => j.id)).toEqual(['1']);
    expect(model.clustersUnavailable).toContain('dask extra');
    rest.clustersError = null;
    await model.refresh();
    expect(model.clustersUnavailable).toBeNull();
  });

  it('reports other cluster list errors as errors', async () => {
    rest.clustersError = new ApiError(500, 'boom');
    await model.refresh().catch(() => undefined);
    expect(model.error).toBe('boom');
  });

  it('keeps listening while hidden when asked to (background)', async () => {
    const quiet = new HpcModel({ rest, openSocket: null, interval: 10 });
    await quiet.start();
    const before = rest.snapshots;
    quiet.background = true;
    await new Promise(resolve => setTimeout(resolve, 100));
    expect(rest.snapshots).toBeGreaterThan(before);
    quiet.background = false;
    await new Promise(resolve => setTimeout(resolve, 30));
    const stopped = rest.snapshots;
    await new Promise(resolve => setTimeout(resolve, 100));
    expect(rest.snapshots).toBe(stopped);
    quiet.dispose();
  });

  it('does not poll while hidden', async () => {
    const fast = new HpcModel({ rest, openSocket: null, interval: 10 });
    const before = rest.snapshots;
    await fast.start();
    await new Promise(resolve => setTimeout(resolve, 100));
    expect(rest.snapshots).toBe(before); // never visible: standby
    fast.visible = true;
    await new Promise(resolve => setTimeout(resolve, 100));
    expect(rest.snapshots).toBeGreaterThan(before);
    fast.dispose();
  });
});

describe('HpcModel over the updates websocket', () => {
  let rest: FakeRest;
  let socket: FakeSocket;
  let model: HpcModel;
  let emitted: number;

  beforeEach(async () => {
    rest = new FakeRest();
    socket = new FakeSocket();
    model = new HpcModel({
      rest,
      openSocket: socket.factory,
      interval: 60_000
    });
    emitted = 0;
    model.changed.connect(() => emitted++);
    model.visible = true;
    await model.start();
    await model.refresh();
    socket.handlers!.onMessage(snapshot(5, [job('1'), job('2', 'bob')]));
  });

  afterEach(() => model.dispose());

  it('takes the pushed snapshot', () => {
    expect(socket.opened).toBe(1);
    expect(model.connected).toBe(true);
    expect(model.version).toBe(5);
  });

  it('applies deltas: added, changed, removed', () => {
    model.scope = 'all';
    socket.handlers!.onMessage(
      delta(5, 6, [job('2', 'bob', 'COMPLETING'), job('3')], ['1'])
    );
    expect(model.version).toBe(6);
    expect(model.jobs.map(j => `${j.id}:${j.state}`)).toEqual([
      '2:COMPLETING',
      '3:RUNNING'
    ]);
  });

  it('does not emit for an empty delta', () => {
    const before = emitted;
    socket.handlers!.onMessage(delta(5, 5, []));
    expect(emitted).toBe(before);
    expect(model.updatedAt).toBe(205); // fresher all the same
  });

  it('starts again from a snapshot when a delta does not follow', async () => {
    socket.handlers!.onMessage(delta(9, 10, [job('9')]));
    expect(socket.closed).toBe(1);
    await new Promise(resolve => setTimeout(resolve, 10));
    expect(socket.opened).toBe(2);
    expect(model.jobs.map(j => j.id)).not.toContain('9');
  });

  it('asks the server to refresh over the socket', async () => {
    const before = rest.snapshots;
    await model.refresh();
    expect(socket.refreshes).toBe(1);
    expect(rest.snapshots).toBe(before);
  });

  it('closes the socket while hidden and reconnects when shown', async () => {
    model.visible = false;
    expect(socket.closed).toBe(1);
    expect(model.connected).toBe(false);
    model.visible = true;
    await new Promise(resolve => setTimeout(resolve, 10));
    expect(socket.opened).toBe(2);
  });

  it('takes pushed cluster lists and finds the notebook’s cluster', () => {
    const before = emitted;
    socket.handlers!.onMessage({
      type: 'clusters',
      clusters: [cluster('a', 'x.ipynb'), cluster('b', 'work.ipynb')]
    });
    expect(emitted).toBe(before + 1);
    expect(model.clusterForNotebook('work.ipynb')?.id).toBe('b');
    expect(model.clusterForNotebook('other.ipynb')).toBeNull();
    socket.handlers!.onMessage({
      type: 'clusters',
      clusters: [cluster('a', 'x.ipynb'), cluster('b', 'work.ipynb')]
    });
    expect(emitted).toBe(before + 1); // same list: no signal
  });

  it('keeps the server’s notice about clusters until it changes', () => {
    expect(model.clustersNotice).toBeNull();
    socket.handlers!.onMessage({
      type: 'clusters',
      clusters: [],
      notice: 'cancelled 2 worker job(s)'
    });
    expect(model.clustersNotice).toBe('cancelled 2 worker job(s)');
    const before = emitted;
    socket.handlers!.onMessage({
      type: 'clusters',
      clusters: [],
      notice: 'cancelled 2 worker job(s)'
    });
    expect(emitted).toBe(before);
    socket.handlers!.onMessage({ type: 'clusters', clusters: [] });
    expect(model.clustersNotice).toBeNull();
  });

  it('applies cluster action answers at once', async () => {
    await model.createCluster({
      profile: 'small',
      overrides: {},
      kernel_id: null,
      notebook: 'work.ipynb'
    });
    expect(model.clusters.map(c => c.id)).toEqual(['c1']);
    await model.scaleCluster('c1', 3);
    expect(model.clusters[0].counts.requested).toBe(3);
    await model.closeCluster('c1');
    expect(model.clusters).toEqual([]);
  });

  it('falls back to REST when the socket closes', async () => {
    socket.handlers!.onClose();
    expect(model.connected).toBe(false);
    const before = rest.snapshots;
    await model.refresh();
    expect(rest.snapshots).toBeGreaterThan(before);
  });
});

describe('HpcModel on a first load', () => {
  /** A model whose panel is shown, started on `rest` (and `socket`, if any). */
  async function shown(
    rest: FakeRest,
    socket: FakeSocket | null
  ): Promise<HpcModel> {
    const model = new HpcModel({
      rest,
      openSocket: socket ? socket.factory : null,
      interval: 60_000
    });
    model.visible = true;
    await model.start();
    return model;
  }

  it('downloads the job list once: the socket names the version the REST views gave', async () => {
    const rest = new FakeRest();
    const socket = new FakeSocket();
    const model = await shown(rest, socket);
    await model.refresh();
    expect(rest.snapshots).toBe(1);
    expect(model.version).toBe(1);
    expect(socket.opened).toBe(1);
    expect(socket.since).toEqual([1]);
    // the server's answer while version 1 is current: an empty delta from it
    socket.handlers!.onMessage(delta(1, 1, []));
    expect(model.connected).toBe(true);
    expect(model.jobs.map(j => j.id)).toEqual(['1']);
    await model.refresh(); // over the socket now
    expect(rest.snapshots).toBe(1);
    expect(socket.refreshes).toBe(1);
    model.dispose();
  });

  it('asks for the status and the snapshot at once, not one after the other', async () => {
    const rest = new FakeRest();
    let answer: (() => void) | null = null;
    const status = rest.status.bind(rest);
    rest.status = () =>
      new Promise<IStatus>(resolve => {
        answer = () => void status().then(resolve);
      });
    const model = await shown(rest, null);
    await new Promise(resolve => setTimeout(resolve, 10));
    expect(answer).not.toBeNull(); // the status is asked …
    expect(rest.snapshots).toBe(1); // … and the snapshot with it, before the status came
    answer!();
    await new Promise(resolve => setTimeout(resolve, 10));
    expect(model.version).toBe(1);
    model.dispose();
  });

  it('opens the socket without a version when the REST views failed', async () => {
    const rest = new FakeRest();
    rest.fail = 'unreachable';
    const socket = new FakeSocket();
    const model = await shown(rest, socket);
    await new Promise(resolve => setTimeout(resolve, 10));
    expect(socket.since).toEqual([undefined]);
    socket.handlers!.onMessage(snapshot(3, [job('1')]));
    expect(model.version).toBe(3);
    expect(model.error).toBeNull();
    model.dispose();
  });
});

describe('patience and gaps', () => {
  it('turns patience on and off through the server and keeps the answer', async () => {
    const rest = new FakeRest();
    const model = new HpcModel({ rest, openSocket: null, interval: 60_000 });
    const on = await model.setClusterPatience('c1', { after_s: 300 });
    expect(rest.patience).toEqual([['c1', { after_s: 300 }]]);
    expect(on.patience?.on).toBe(true);
    expect(model.clusters.find(c => c.id === 'c1')?.patience?.after_s).toBe(
      300
    );
    await model.setClusterPatience('c1', null);
    expect(rest.patience[1]).toEqual(['c1', null]);
    expect(model.clusters.find(c => c.id === 'c1')?.patience).toBeNull();
    model.dispose();
  });

  it('asks the server for the gaps', async () => {
    const rest = new FakeRest();
    const model = new HpcModel({ rest, openSocket: null, interval: 60_000 });
    const gaps = await model.gaps();
    expect(rest.gapsAsked).toBe(1);
    expect(gaps.horizon_s).toEqual([0, 900, 1800, 3600]);
    model.dispose();
  });
});
