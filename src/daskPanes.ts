/**
 * dask-labextension as this extension uses it: its dashboard panes, opened one at a time and
 * closed with their cluster, and none of its own cluster UI (its sidebar, "Launch New Cluster"),
 * which would be a second Dask UI whose scaling bypasses our manager.
 *
 * Everything here goes through dask-labextension's commands and widgets as they are; nothing of
 * it is rewritten. Without dask-labextension, none of this does anything.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type { Widget } from '@lumino/widgets';

import { ICluster } from './api';
import { IHpcModel } from './tokens';
import { Trans } from './trans';

/** dask-labextension's command ids and names (7.x). */
export const DaskIDs = {
  populateUrl: 'dask:populate-dashboard-url',
  launchPane: 'dask:launch-dashboard',
  /** its sidebar: the URL field, every pane's button, its own cluster list */
  sidebar: 'dask-dashboard-launcher',
  /** the class of its pane widgets in the main area */
  paneClass: 'dask-DaskDashboard-widget'
};

/**
 * dask-labextension's commands that start, scale or stop clusters behind our manager's back, or
 * open its three-pane layout: hidden from the palette and menus while this extension runs.
 */
export const HIDDEN_DASK_COMMANDS = [
  'dask:launch-cluster',
  'dask:stop-cluster',
  'dask:scale-cluster',
  'dask:launch-layout',
  'dask:populate-and-launch-layout',
  'dask:inject-client-code',
  'dask:toggle-auto-start-client'
];

export interface IDashboardPane {
  /** the Dask dashboard's route of the plot */
  route: string;
  /** as dask-labextension titles it (the plot's name in the dashboard's individual-plots.json) */
  label: string;
  group: 'tasks' | 'workers' | 'cluster';
}

/** The few panes that matter, grouped; the Dashboard button opens the first. */
export const DASHBOARD_PANES: IDashboardPane[] = [
  { route: '/individual-task-stream', label: 'Task Stream', group: 'tasks' },
  { route: '/individual-progress', label: 'Progress', group: 'tasks' },
  { route: '/individual-graph', label: 'Graph', group: 'tasks' },
  {
    route: '/individual-workers-memory',
    label: 'Workers Memory',
    group: 'workers'
  },
  { route: '/individual-cpu', label: 'Cpu', group: 'workers' },
  { route: '/individual-workers', label: 'Workers', group: 'workers' },
  {
    route: '/individual-cluster-memory',
    label: 'Cluster Memory',
    group: 'cluster'
  }
];

export const DEFAULT_PANE = DASHBOARD_PANES[0].route;

/** Cluster states whose dashboard is gone for good. */
const ENDED = new Set(['closing', 'closed', 'failed']);

/**
 * Opens a cluster's dashboard panes and closes them when the cluster is shut down (today they
 * would stay open, blank). dask-labextension points every open pane at one dashboard URL, so
 * the panes show the cluster whose dashboard was opened last.
 */
export class DashboardPanes {
  constructor(
    private readonly _app: JupyterFrontEnd,
    private readonly _model: IHpcModel,
    private readonly _trans: Trans
  ) {
    _model.changed.connect(this._onModelChanged, this);
  }

  /** Whether dask-labextension's panes are there to open. */
  get available(): boolean {
    return this._app.commands.hasCommand(DaskIDs.launchPane);
  }

  /** dask-labextension's panes now in the main area. */
  panes(): Widget[] {
    const found: Widget[] = [];
    for (const widget of this._app.shell.widgets('main')) {
      if (widget.hasClass(DaskIDs.paneClass)) {
        found.push(widget);
      }
    }
    return found;
  }

  /** One pane of the cluster's dashboard (`route`, by default the task stream). */
  async open(cluster: ICluster, route = DEFAULT_PANE): Promise<void> {
    if (!cluster.dashboard_path) {
      throw new Error(this._trans('this cluster has no dashboard'));
    }
    const wanted =
      DASHBOARD_PANES.find(p => p.route === route) ??
      ({ route, label: route.replace(/^\/individual-/, '') } as IDashboardPane);
    // through the server's proxy, under the server's base URL
    const url = URLExt.join(PageConfig.getBaseUrl(), cluster.dashboard_path);
    await this._app.commands.execute(DaskIDs.populateUrl, { url });
    this._shown = cluster.id;
    // the pane as dask-labextension lists it from this dashboard (routes and names differ
    // between Dask releases; a pane it cannot find among them stays blank)
    const listed = await this._listed(url, wanted);
    if (listed === 'none') {
      // Dask lists its plots only when bokeh is installed where the scheduler runs
      throw new Error(
        this._trans(
          'its dashboard has no plots: install bokeh in the notebook’s environment (the scheduler runs its Python)'
        )
      );
    }
    const item = listed ?? {
      route: wanted.route,
      label: wanted.label,
      key: wanted.label
    };
    await this._app.commands.execute(DaskIDs.launchPane, { item });
    // dask-labextension points its panes at the new URL once its own check of the URL answers,
    // but misses a pane made while that check is under way (it stays blank): the URL is our
    // running cluster's, so every pane is pointed at it now.
    for (const open of this.panes()) {
      const view = open as Widget & { dashboardUrl: string; active: boolean };
      view.dashboardUrl = url;
      view.active = true;
    }
  }

  /**
   * The dashboard's own entry for a pane, from its individual-plots.json (what dask-labextension
   * reads too): {"Individual Task Stream": "/individual-task-stream", ...}; 'none' when the
   * dashboard lists no plots at all.
   */
  private async _listed(
    url: string,
    wanted: IDashboardPane
  ): Promise<{ route: string; label: string; key: string } | 'none' | null> {
    try {
      const settings = ServerConnection.makeSettings();
      const answer = await ServerConnection.makeRequest(
        URLExt.join(url, 'individual-plots.json'),
        {},
        settings
      );
      if (!answer.ok) {
        return null;
      }
      const plots = (await answer.json()) as Record<string, string>;
      if (Object.keys(plots).length === 0) {
        return 'none';
      }
      const name = wanted.route.replace(/^.*individual-/, '');
      for (const [title, route] of Object.entries(plots)) {
        const label = title.replace('Individual ', '');
        if (
          label.toLowerCase() === wanted.label.toLowerCase() ||
          String(route).endsWith(`individual-${name}`)
        ) {
          return { route: String(route), label, key: label };
        }
      }
    } catch {
      // no answer: the pane opens with our route, and dask-labextension's check decides
    }
    return null;
  }

  /** Close the panes that show this cluster's dashboard. */
  closeFor(clusterId: string): void {
    if (this._shown !== clusterId) {
      return;
    }
    this._shown = null;
    for (const pane of this.panes()) {
      pane.close();
    }
  }

  dispose(): void {
    this._model.changed.disconnect(this._onModelChanged, this);
  }

  private _onModelChanged(): void {
    const live = new Map(this._model.clusters.map(c => [c.id, c]));
    if (this._shown === null) {
      // after a reload: the panes restored with the page show the cluster whose path they hold
      this._shown = this._showing(this._model.clusters);
    }
    const shown = this._shown;
    if (shown !== null) {
      const cluster = live.get(shown);
      if (!cluster || ENDED.has(cluster.status)) {
        this.closeFor(shown);
      }
    }
  }

  /** The cluster the open panes point at, from their URL. */
  private _showing(clusters: readonly ICluster[]): string | null {
    for (const pane of this.panes()) {
      const url = String((pane as any).dashboardUrl ?? '');
      const cluster = clusters.find(
        c => c.dashboard_path && url.includes(c.dashboard_path)
      );
      if (cluster) {
        return cluster.id;
      }
    }
    return null;
  }

  private _shown: string | null = null;
}

/**
 * One Dask UI: take dask-labextension's sidebar out of the shell (its panes keep working, its
 * widget stays alive for them) and hide its cluster commands from the palette and menus.
 * Returns what undoes it, for the setting that brings its UI back.
 */
export function hideDaskLabextensionUi(app: JupyterFrontEnd): () => void {
  const commands = app.commands;
  const hidden = new Set(HIDDEN_DASK_COMMANDS);
  // The palette and menus ask the registry whether a command is visible and enabled; the
  // registry's answer for these few ids becomes "no" (their own options stay as they are).
  const isVisible = commands.isVisible;
  const isEnabled = commands.isEnabled;
  commands.isVisible = (id, args) =>
    !hidden.has(id) && isVisible.call(commands, id, args);
  commands.isEnabled = (id, args) =>
    !hidden.has(id) && isEnabled.call(commands, id, args);
  for (const id of hidden) {
    if (commands.hasCommand(id)) {
      commands.notifyCommandChanged(id);
    }
  }

  let sidebar: Widget | null = null;
  const detach = () => {
    for (const widget of app.shell.widgets('left')) {
      if (widget.id === DaskIDs.sidebar) {
        sidebar = widget;
        // out of the left area; not disposed: its URL field drives the panes
        widget.parent = null;
        return;
      }
    }
  };
  detach();
  // a dask-labextension activated after us adds its sidebar later
  const shell = app.shell as any;
  const onLayout = () => detach();
  shell.layoutModified?.connect(onLayout);
  return () => {
    shell.layoutModified?.disconnect(onLayout);
    commands.isVisible = isVisible;
    commands.isEnabled = isEnabled;
    for (const id of hidden) {
      if (commands.hasCommand(id)) {
        commands.notifyCommandChanged(id);
      }
    }
    if (sidebar && !sidebar.isDisposed && !sidebar.parent) {
      app.shell.add(sidebar, 'left', { rank: 200 });
    }
  };
}
