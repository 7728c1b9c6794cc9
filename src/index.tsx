import * as React from 'react';

import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { IJob, JobAction, JobScope } from './api';
import { addClusterCommands } from './clusterCommands';
import { addCommands } from './commands';
import {
  DEFAULT_PANE,
  DashboardPanes,
  hideDaskLabextensionUi
} from './daskPanes';
import { dashboardMenu } from './widgets/DashboardMenu';
import { currentNotebook } from './notebook';
import { hpcIcon } from './icons';
import { HpcModel } from './model';
import { Notifier } from './notifications';
import { CommandIDs, IHpcModel } from './tokens';
import { NodeMetric } from './components/NodeHeatmap';
import { DaskSection } from './widgets/DaskSection';
import { HpcPanel, Section } from './widgets/HpcPanel';
import { QueueTab } from './widgets/QueueTab';
import { WorkersStatus } from './widgets/WorkersStatus';
import { bundleTrans } from './trans';
import { logsPlugin } from './logs/plugin';
import { historyPlugin } from './history/plugin';
import { serverJobPlugin } from './serverJob/plugin';

const PLUGIN_ID = 'hpc-lab-ext:plugin';

const ACTION_COMMANDS: Record<JobAction, string> = {
  cancel: CommandIDs.cancelJob,
  hold: CommandIDs.holdJob,
  release: CommandIDs.releaseJob
};

/** Wiring only: the model, the panel, and the commands that act on them. */
const plugin: JupyterFrontEndPlugin<IHpcModel> = {
  id: PLUGIN_ID,
  description: 'Scheduler queue, node usage and Dask clusters in a sidebar.',
  autoStart: true,
  provides: IHpcModel,
  requires: [ILabShell],
  optional: [
    ILayoutRestorer,
    ICommandPalette,
    ISettingRegistry,
    ITranslator,
    INotebookTracker,
    IStatusBar
  ],
  activate: (
    app: JupyterFrontEnd,
    shell: ILabShell,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    settings: ISettingRegistry | null,
    translator: ITranslator | null,
    tracker: INotebookTracker | null,
    statusBar: IStatusBar | null
  ): IHpcModel => {
    const bundle = (translator ?? nullTranslator).load('hpc_lab_ext');
    const trans = bundleTrans(bundle);
    const model = new HpcModel();
    // the job whose details are open: what the palette's job commands act on
    let selectedJob: IJob | null = null;
    // the model polls at full speed while any of its views shows (the panel, the queue tab)
    const seen = new Set<string>();
    const setSeen = (view: string, shown: boolean) => {
      if (shown) {
        seen.add(view);
      } else {
        seen.delete(view);
      }
      model.visible = seen.size > 0;
    };
    const onAction = (job: IJob, action: JobAction) =>
      app.commands.execute(ACTION_COMMANDS[action], {
        jobId: job.id,
        jobName: job.name
      });
    let queueTab: QueueTab | null = null;
    app.commands.addCommand(CommandIDs.openQueueTab, {
      label: trans('Open the Queue in a Tab'),
      execute: () => {
        if (!queueTab || queueTab.isDisposed) {
          queueTab = new QueueTab({
            model,
            trans,
            onAction,
            onSeen: shown => setSeen('tab', shown)
          });
          queueTab.id = 'hpc-lab-ext-queue-tab';
          queueTab.title.label = trans('HPC queue');
          queueTab.title.icon = hpcIcon;
          queueTab.title.closable = true;
          shell.add(queueTab, 'main');
        }
        shell.activateById(queueTab.id);
      }
    });
    const panel = new HpcPanel({
      model,
      trans,
      onAction,
      onSeen: shown => setSeen('panel', shown),
      onOpenTab: () => void app.commands.execute(CommandIDs.openQueueTab),
      onSelect: job => {
        selectedJob = job;
      },
      renderDask: formRequest => (
        <DaskSection
          model={model}
          trans={trans}
          formRequest={formRequest}
          notebook={currentNotebook(tracker)?.path ?? null}
          onCreate={async (profile, overrides, options) =>
            (await app.commands.execute(CommandIDs.newCluster, {
              profile,
              overrides,
              workers: options.workers,
              patience: options.patience as any
            })) ?? null
          }
          onScale={(cluster, n) =>
            void app.commands.execute(CommandIDs.scaleCluster, {
              clusterId: cluster.id,
              n
            })
          }
          onAdapt={(cluster, minimum, maximum) =>
            void app.commands.execute(CommandIDs.adaptCluster, {
              clusterId: cluster.id,
              minimum,
              maximum
            })
          }
          onConnect={cluster =>
            void app.commands.execute(CommandIDs.connectNotebook, {
              clusterId: cluster.id
            })
          }
          onDashboard={cluster =>
            void app.commands.execute(CommandIDs.openDashboard, {
              clusterId: cluster.id
            })
          }
          onDashboardMenu={(cluster, anchor) => {
            const box = anchor.getBoundingClientRect();
            dashboardMenu(app.commands, cluster).open(box.left, box.bottom);
          }}
          onShutdown={cluster =>
            void app.commands.execute(CommandIDs.shutdownCluster, {
              clusterId: cluster.id
            })
          }
          onPatience={(cluster, on) =>
            void app.commands.execute(CommandIDs.clusterPatience, {
              clusterId: cluster.id,
              on
            })
          }
        />
      )
    });
    // the Dask section names the active notebook: re-render when it changes
    tracker?.currentChanged.connect(() => panel.update());
    panel.id = 'hpc-lab-ext-panel';
    panel.title.icon = hpcIcon;
    panel.title.caption = trans('HPC: queue, nodes and Dask clusters');
    shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, 'hpc-lab-ext-panel');

    const showPanel = (section?: Section) => {
      if (section) {
        panel.section = section;
      }
      shell.activateById(panel.id);
    };
    const notifier = new Notifier({ model, trans, showPanel });

    let confirmCancel = true;
    addCommands({
      app,
      model,
      trans,
      showPanel: () => showPanel(),
      confirmCancel: () => confirmCancel,
      selectedJob: () => selectedJob,
      cancelling: (jobId, cancelling) => notifier.quiet(jobId, cancelling)
    });
    const panes = new DashboardPanes(app, model, trans);
    let defaultPane = DEFAULT_PANE;
    addClusterCommands({
      app,
      model,
      tracker,
      trans,
      panes,
      defaultPane: () => defaultPane,
      showNewClusterForm: () => {
        shell.activateById(panel.id);
        panel.openNewClusterForm();
      }
    });
    if (statusBar) {
      const item = new WorkersStatus(model, tracker, trans, () =>
        showPanel('dask')
      );
      statusBar.registerStatusItem('hpc-lab-ext:workers', {
        item,
        align: 'left',
        rank: 50,
        isActive: () => item.isActive(),
        activeStateChanged: item.activeChanged
      });
    }
    if (palette) {
      const category = trans('HPC');
      for (const command of [
        CommandIDs.showPanel,
        CommandIDs.refresh,
        CommandIDs.toggleScope,
        CommandIDs.openQueueTab,
        CommandIDs.cancelJob,
        CommandIDs.holdJob,
        CommandIDs.releaseJob,
        CommandIDs.newCluster,
        CommandIDs.scaleCluster,
        CommandIDs.adaptCluster,
        CommandIDs.connectNotebook,
        CommandIDs.openDashboard,
        CommandIDs.shutdownCluster,
        CommandIDs.clusterPatience
      ]) {
        palette.addItem({ command, category });
      }
    }

    // One Dask UI: dask-labextension's own cluster sidebar and commands hidden (a setting
    // brings them back), once every plugin has been activated.
    let showDaskUi: boolean | null = settings ? null : false;
    let restoreDaskUi: (() => void) | null = null;
    const applyDaskUi = () => {
      if (showDaskUi === null) {
        return;
      }
      if (!showDaskUi && !restoreDaskUi) {
        restoreDaskUi = hideDaskLabextensionUi(app);
      } else if (showDaskUi && restoreDaskUi) {
        restoreDaskUi();
        restoreDaskUi = null;
      }
    };
    void app.restored.then(applyDaskUi);

    if (settings) {
      void settings.load(PLUGIN_ID).then(loaded => {
        // what the panel opens with; the panel's own controls change them afterwards
        model.scope = loaded.get('defaultScope').composite as JobScope;
        panel.section = loaded.get('defaultSection').composite as Section;
        let metric: NodeMetric | null = null;
        const apply = () => {
          confirmCancel = loaded.get('confirmCancel').composite as boolean;
          notifier.enabled = loaded.get('notifications').composite as boolean;
          defaultPane = loaded.get('dashboardPane').composite as string;
          showDaskUi = loaded.get('daskLabextensionUi').composite as boolean;
          void app.restored.then(applyDaskUi);
          const nodeMetric = loaded.get('nodeMetric').composite as NodeMetric;
          if (nodeMetric !== metric) {
            // only when the setting itself changed, not on every other setting's change
            metric = nodeMetric;
            panel.metric = nodeMetric;
          }
        };
        apply();
        loaded.changed.connect(apply);
      });
    }

    void app.restored.then(() => model.start());
    return model;
  }
};

export default [plugin, logsPlugin, historyPlugin, serverJobPlugin];
