import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { JobScope } from './api';
import { hpcIcon } from './icons';
import { HpcModel } from './model';
import { CommandIDs, IHpcModel } from './tokens';
import { HpcPanel } from './widgets/HpcPanel';

const PLUGIN_ID = 'hpc-lab-ext:plugin';

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
    const panel = new HpcPanel(model, trans);
    panel.id = 'hpc-lab-ext-panel';
    panel.title.icon = hpcIcon;
    panel.title.caption = trans('HPC: queue, nodes and Dask clusters');
    shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, 'hpc-lab-ext-panel');

    app.commands.addCommand(CommandIDs.showPanel, {
      label: trans('Show HPC Panel'),
      execute: () => shell.activateById(panel.id)
    });
    app.commands.addCommand(CommandIDs.refresh, {
      label: trans('Refresh Scheduler State'),
      execute: () => model.refresh()
    });
    app.commands.addCommand(CommandIDs.toggleScope, {
      label: () =>
        model.scope === 'me'
          ? trans('Show All Users’ Jobs')
          : trans('Show Only My Jobs'),
      execute: () => {
        model.scope = model.scope === 'me' ? 'all' : 'me';
      }
    });
    if (palette) {
      const category = trans('HPC');
      for (const command of [
        CommandIDs.showPanel,
        CommandIDs.refresh,
        CommandIDs.toggleScope
      ]) {
        palette.addItem({ command, category });
      }
    }

    if (settings) {
      void settings.load(PLUGIN_ID).then(loaded => {
        const apply = () => {
          model.scope = loaded.get('defaultScope').composite as JobScope;
        };
        apply();
      });
    }

    void app.restored.then(() => model.start());
    return model;
  }
};

export default plugin;
