import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { JobAction, JobScope } from './api';
import { addCommands } from './commands';
import { hpcIcon } from './icons';
import { HpcModel } from './model';
import { CommandIDs, IHpcModel } from './tokens';
import { NodeMetric } from './components/NodeHeatmap';
import { HpcPanel, Section } from './widgets/HpcPanel';

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
  optional: [ILayoutRestorer, ICommandPalette, ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    shell: ILabShell,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    settings: ISettingRegistry | null,
    translator: ITranslator | null
  ): IHpcModel => {
    const bundle = (translator ?? nullTranslator).load('hpc_lab_ext');
    const trans = (text: string) => bundle.__(text);
    const model = new HpcModel();
    const panel = new HpcPanel({
      model,
      trans,
      onAction: (job, action) =>
        app.commands.execute(ACTION_COMMANDS[action], {
          jobId: job.id,
          jobName: job.name
        })
    });
    panel.id = 'hpc-lab-ext-panel';
    panel.title.icon = hpcIcon;
    panel.title.caption = trans('HPC: queue, nodes and Dask clusters');
    shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, 'hpc-lab-ext-panel');

    let confirmCancel = true;
    addCommands({
      app,
      model,
      trans,
      showPanel: () => shell.activateById(panel.id),
      confirmCancel: () => confirmCancel
    });
    if (palette) {
      const category = trans('HPC');
      for (const command of [
        CommandIDs.showPanel,
        CommandIDs.refresh,
        CommandIDs.toggleScope,
        CommandIDs.cancelJob,
        CommandIDs.holdJob,
        CommandIDs.releaseJob
      ]) {
        palette.addItem({ command, category });
      }
    }

    if (settings) {
      void settings.load(PLUGIN_ID).then(loaded => {
        model.scope = loaded.get('defaultScope').composite as JobScope;
        panel.section = loaded.get('defaultSection').composite as Section;
        panel.metric = loaded.get('nodeMetric').composite as NodeMetric;
        const apply = () => {
          confirmCancel = loaded.get('confirmCancel').composite as boolean;
        };
        apply();
        loaded.changed.connect(apply);
      });
    }

    void app.restored.then(() => model.start());
    return model;
  }
};

export default plugin;
