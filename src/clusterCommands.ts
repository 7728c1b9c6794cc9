import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  Dialog,
  InputDialog,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';

import { ICluster, IPatienceSettings } from './api';
import { DashboardPanes } from './daskPanes';
import { currentNotebook, insertAndRun } from './notebook';
import { CommandIDs, IHpcModel } from './tokens';
import { Trans } from './trans';

export interface IClusterCommandOptions {
  app: JupyterFrontEnd;
  model: IHpcModel;
  tracker: INotebookTracker | null;
  trans: Trans;
  /** show the panel's Dask section with the new-cluster form open */
  showNewClusterForm: () => void;
  /** dask-labextension's dashboard panes, opened one at a time */
  panes: DashboardPanes;
  /** the pane the Dashboard button opens (a route of the Dask dashboard) */
  defaultPane: () => string;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Every cluster action is a command: card buttons, the palette and menus call these. */
export function addClusterCommands(options: IClusterCommandOptions): void {
  const { app, model, tracker, trans } = options;

  /** The cluster a command acts on: the one named, else the active notebook's, else the only one. */
  const target = (args: any): ICluster | null => {
    if (args.clusterId) {
      return model.clusters.find(c => c.id === args.clusterId) ?? null;
    }
    const mine = model.clusterForNotebook(
      currentNotebook(tracker)?.path ?? null
    );
    if (mine) {
      return mine;
    }
    return model.clusters.length === 1 ? model.clusters[0] : null;
  };

  const withCluster =
    (label: string, run: (cluster: ICluster, args: any) => Promise<unknown>) =>
    async (args: any) => {
      const cluster = target(args);
      if (!cluster) {
        Notification.warning(
          `${trans(label)}: ${trans('no cluster for the active notebook; open the HPC panel to pick one')}`,
          { autoClose: 6000 }
        );
        return;
      }
      try {
        await run(cluster, args);
      } catch (error) {
        Notification.error(`${trans(label)}: ${message(error)}`, {
          autoClose: 8000
        });
      }
    };

  /** read-only access: the server would refuse these (GET status's can_write) */
  const canWrite = () => model.status?.can_write !== false;

  app.commands.addCommand(CommandIDs.newCluster, {
    isEnabled: canWrite,
    label: trans('New Dask Cluster for This Notebook'),
    execute: async args => {
      if (!args.profile) {
        options.showNewClusterForm();
        return;
      }
      const notebook = currentNotebook(tracker);
      try {
        return await model.createCluster({
          profile: String(args.profile),
          overrides: (args.overrides as Record<string, string | number>) ?? {},
          workers: typeof args.workers === 'number' ? args.workers : 0,
          patience: (args.patience as IPatienceSettings | undefined) ?? null,
          kernel_id: notebook?.kernelId ?? null,
          notebook: notebook?.path ?? null
        });
      } catch (error) {
        Notification.error(`${trans('New Dask cluster')}: ${message(error)}`, {
          autoClose: 8000
        });
      }
    }
  });

  app.commands.addCommand(CommandIDs.scaleCluster, {
    isEnabled: canWrite,
    label: args =>
      args.n !== undefined
        ? `${trans('Scale Dask Cluster to')} ${args.n} ${trans('Workers')}`
        : trans('Scale Dask Cluster to N Workers'),
    execute: withCluster('Scale Dask cluster', async (cluster, args) => {
      let n = args.n as number | undefined;
      if (n === undefined) {
        const answer = await InputDialog.getNumber({
          title: `${trans('Scale')} ${cluster.name}`,
          label: `${trans('Workers')} (0–${cluster.profile.max_workers})`,
          value: cluster.counts.requested
        });
        if (!answer.button.accept || answer.value === null) {
          return;
        }
        n = answer.value;
      }
      await model.scaleCluster(cluster.id, n);
    })
  });

  app.commands.addCommand(CommandIDs.adaptCluster, {
    isEnabled: canWrite,
    label: trans('Adapt Dask Cluster'),
    execute: withCluster('Adapt Dask cluster', async (cluster, args) => {
      let { minimum, maximum } = args as { minimum?: number; maximum?: number };
      if (minimum === undefined || maximum === undefined) {
        const answer = await InputDialog.getText({
          title: `${trans('Adapt')} ${cluster.name}`,
          label: `${trans('Minimum and maximum workers, e.g. 0-4')} (≤ ${cluster.profile.max_workers})`,
          text: `${cluster.adapt?.minimum ?? 0}-${cluster.adapt?.maximum ?? Math.min(4, cluster.profile.max_workers)}`
        });
        const m = answer.value?.match(/^\s*(\d+)\s*-\s*(\d+)\s*$/);
        if (!answer.button.accept || !m) {
          return;
        }
        [minimum, maximum] = [Number(m[1]), Number(m[2])];
      }
      await model.adaptCluster(cluster.id, minimum, maximum);
    })
  });

  app.commands.addCommand(CommandIDs.clusterPatience, {
    label: args =>
      args.on === false
        ? trans('Stop Resubmitting Waiting Dask Workers')
        : trans('Resubmit Waiting Dask Workers in a Sooner Shape'),
    execute: withCluster('Patience', async (cluster, args) => {
      const on = args.on === undefined ? !cluster.patience?.on : !!args.on;
      const minutes = typeof args.minutes === 'number' ? args.minutes : 5;
      await model.setClusterPatience(
        cluster.id,
        on ? { after_s: Math.round(minutes * 60) } : null
      );
    })
  });

  app.commands.addCommand(CommandIDs.connectNotebook, {
    isEnabled: canWrite,
    label: trans('Connect Notebook to Dask Cluster'),
    execute: withCluster('Connect notebook', async cluster => {
      if (!tracker?.currentWidget) {
        throw new Error(trans('open the notebook to connect first'));
      }
      const ok = await insertAndRun(tracker, cluster.connect_code);
      if (ok) {
        Notification.success(
          `${trans('Notebook connected to')} ${cluster.name}: ${trans('a `client` is ready')}`,
          { autoClose: 4000 }
        );
      } else {
        Notification.warning(
          `${trans('The connection cell did not run cleanly; see its output')}`,
          { autoClose: 8000 }
        );
      }
    })
  });

  app.commands.addCommand(CommandIDs.openDashboard, {
    label: args =>
      args.browser
        ? trans('Open the Whole Dask Dashboard in a Browser Tab')
        : args.label
          ? trans('Open the Dask %1 Pane', String(args.label))
          : trans('Open Dask Dashboard of Cluster'),
    execute: withCluster('Open dashboard', async (cluster, args) => {
      if (!cluster.dashboard_path) {
        throw new Error(trans('this cluster has no dashboard'));
      }
      if (args.browser || !options.panes.available) {
        // through the server's proxy: the scheduler's own address is not the browser's to reach
        window.open(
          new URL(`${cluster.dashboard_path}/status`, window.location.origin)
            .href,
          '_blank'
        );
        return;
      }
      await options.panes.open(
        cluster,
        typeof args.pane === 'string' ? args.pane : options.defaultPane()
      );
    })
  });

  app.commands.addCommand(CommandIDs.shutdownCluster, {
    isEnabled: canWrite,
    label: trans('Shut Down Dask Cluster'),
    execute: withCluster('Shut down', async cluster => {
      const answer = await showDialog({
        title: trans('Shut down cluster?'),
        body: `${trans('Shut down')} ${cluster.name}? ${trans('Its worker jobs are cancelled; notebooks connected to it lose their client.')}`,
        buttons: [
          Dialog.cancelButton({ label: trans('Keep it') }),
          Dialog.warnButton({ label: trans('Shut down') })
        ]
      });
      if (answer.button.accept) {
        await model.closeCluster(cluster.id);
        options.panes.closeFor(cluster.id);
      }
    })
  });
}
