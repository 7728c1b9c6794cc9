import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';

import { ICluster } from '../api';
import {
  DASHBOARD_PANES,
  DashboardPanes,
  DaskIDs,
  HIDDEN_DASK_COMMANDS,
  hideDaskLabextensionUi
} from '../daskPanes';
import { bundleTrans } from '../trans';
import { baseCluster } from './clusters';

const trans = bundleTrans(nullTranslator.load('hpc_lab_ext'));

/** What DashboardPanes uses of the model: its clusters and their changes. */
class FakeModel {
  clusters: ICluster[] = [];
  changed = new Signal<this, void>(this);
  set(clusters: ICluster[]) {
    this.clusters = clusters;
    this.changed.emit();
  }
}

/** A dask-labextension pane as the shell holds it. */
function pane(dashboardUrl = '') {
  return {
    dashboardUrl,
    active: false,
    closed: 0,
    hasClass: (name: string) => name === DaskIDs.paneClass,
    close() {
      this.closed++;
    }
  };
}

function fakeApp(main: any[], left: any[] = []) {
  const executed: [string, any][] = [];
  const commands = {
    hasCommand: (id: string) => id.startsWith('dask:'),
    execute: async (id: string, args: any) => {
      executed.push([id, args]);
      if (id === DaskIDs.launchPane) {
        main.push(pane(''));
      }
    },
    isVisible: (id: string) => true,
    isEnabled: (id: string) => true,
    notifyCommandChanged: () => undefined
  };
  const shell = {
    widgets: (area: string) =>
      (area === 'main' ? main : left)[Symbol.iterator](),
    add: () => undefined
  };
  return { app: { commands, shell } as any, executed };
}

const running: ICluster = {
  ...baseCluster,
  dashboard_path: '/dask/dashboard/k1'
};

describe('DashboardPanes', () => {
  it('opens one pane, the task stream unless told another', async () => {
    const main: any[] = [];
    const { app, executed } = fakeApp(main);
    const model = new FakeModel();
    const panes = new DashboardPanes(app, model as any, trans);
    await panes.open(running);
    expect(executed.map(([id]) => id)).toEqual([
      DaskIDs.populateUrl,
      DaskIDs.launchPane
    ]);
    expect(executed[0][1].url).toBe('http://localhost/dask/dashboard/k1');
    expect(executed[1][1].item.route).toBe(DASHBOARD_PANES[0].route);
    expect(executed[1][1].item.label).toBe('Task Stream');
    await panes.open(running, '/individual-progress');
    expect(executed[3][1].item.label).toBe('Progress');
    expect(main).toHaveLength(2);
    // pointed at the cluster at once, not only when dask-labextension's URL check answers
    for (const p of main) {
      expect(p.dashboardUrl).toBe('http://localhost/dask/dashboard/k1');
      expect(p.active).toBe(true);
    }
  });

  it('closes the panes when their cluster ends, whoever ended it', async () => {
    const main: any[] = [];
    const { app } = fakeApp(main);
    const model = new FakeModel();
    const panes = new DashboardPanes(app, model as any, trans);
    model.set([running]);
    await panes.open(running);
    model.set([{ ...running, status: 'running' }]);
    expect(main[0].closed).toBe(0);
    // e.g. cluster.close() from the notebook: the cluster leaves the list
    model.set([]);
    expect(main[0].closed).toBe(1);
  });

  it('after a reload, knows the restored panes’ cluster from their URL', () => {
    const main = [pane('http://localhost/dask/dashboard/k1/')];
    const { app } = fakeApp(main);
    const model = new FakeModel();
    new DashboardPanes(app, model as any, trans);
    model.set([running]);
    expect(main[0].closed).toBe(0);
    model.set([{ ...running, status: 'closing' }]);
    expect(main[0].closed).toBe(1);
  });

  it('leaves panes of another cluster open', async () => {
    const main: any[] = [];
    const { app } = fakeApp(main);
    const model = new FakeModel();
    const panes = new DashboardPanes(app, model as any, trans);
    const other = {
      ...running,
      id: 'c2',
      dashboard_path: '/dask/dashboard/k2'
    };
    model.set([running, other]);
    await panes.open(running);
    model.set([running]);
    expect(main[0].closed).toBe(0);
  });
});

describe('DashboardPanes and the dashboard’s own list of plots', () => {
  afterEach(() => jest.restoreAllMocks());
  const answer = (plots: object) => {
    jest.spyOn(ServerConnection, 'makeSettings').mockReturnValue({} as any);
    jest
      .spyOn(ServerConnection, 'makeRequest')
      .mockResolvedValue({ ok: true, json: async () => plots } as any);
  };

  it('opens the pane under the route this Dask release lists', async () => {
    answer({ 'Individual Task Stream': '/individual-task-stream/' });
    const main: any[] = [];
    const { app, executed } = fakeApp(main);
    await new DashboardPanes(app, new FakeModel() as any, trans).open(running);
    expect(executed[1][1].item).toEqual({
      route: '/individual-task-stream/',
      label: 'Task Stream',
      key: 'Task Stream'
    });
  });

  it('says why, and opens no blank pane, when the dashboard lists no plots', async () => {
    answer({});
    const main: any[] = [];
    const { app, executed } = fakeApp(main);
    // in the person's language: a language pack's bundle with this text translated
    const german = nullTranslator.load('hpc_lab_ext');
    const bundle = {
      ...german,
      __: (text: string, ...args: any[]) =>
        text.startsWith('its dashboard has no plots')
          ? 'sein Dashboard zeigt keine Grafiken: bokeh installieren'
          : german.__(text, ...args)
    } as TranslationBundle;
    const panes = new DashboardPanes(
      app,
      new FakeModel() as any,
      bundleTrans(bundle)
    );
    await expect(panes.open(running)).rejects.toThrow(
      'sein Dashboard zeigt keine Grafiken: bokeh installieren'
    );
    expect(executed.map(([id]) => id)).not.toContain(DaskIDs.launchPane);
    expect(main).toHaveLength(0);
  });
});

describe('hideDaskLabextensionUi', () => {
  it('hides its cluster commands and takes its sidebar out, and can undo both', () => {
    const sidebar = {
      id: DaskIDs.sidebar,
      parent: {} as any,
      isDisposed: false
    };
    const { app } = fakeApp([], [sidebar]);
    const undo = hideDaskLabextensionUi(app);
    for (const id of HIDDEN_DASK_COMMANDS) {
      expect(app.commands.isVisible(id)).toBe(false);
      expect(app.commands.isEnabled(id)).toBe(false);
    }
    expect(app.commands.isVisible(DaskIDs.launchPane)).toBe(true);
    expect(app.commands.isVisible('hpc-lab-ext:new-cluster')).toBe(true);
    expect(sidebar.parent).toBeNull();
    undo();
    expect(app.commands.isVisible('dask:launch-cluster')).toBe(true);
  });
});
