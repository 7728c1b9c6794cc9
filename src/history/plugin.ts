import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { hpcIcon } from '../icons';
import { OPEN_JOB_LOG } from '../logs/plugin';
import { bundleTrans } from '../trans';
import { fetchHistory } from './api';
import { IHpcModel } from '../tokens';
import { FailureNotifier } from './notify';
import { resizeAndResubmit } from './resizeDialog';
import { HistoryView } from './view';

export const OPEN_JOB_HISTORY = 'hpc-lab:open-job-history';

/** The user's ended jobs in a main-area tab. */
export const historyPlugin: JupyterFrontEndPlugin<void> = {
  id: 'hpc-lab-ext:history',
  description: "The user's ended jobs: how they ended and what they used.",
  autoStart: true,
  optional: [ICommandPalette, ITranslator, IHpcModel],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
    model: IHpcModel | null
  ): void => {
    const trans = bundleTrans(
      (translator ?? nullTranslator).load('hpc_lab_ext')
    );
    let open: MainAreaWidget<HistoryView> | null = null;
    app.commands.addCommand(OPEN_JOB_HISTORY, {
      label: trans('Open Job History'),
      caption: trans('Your ended jobs: how they ended and what they used'),
      execute: () => {
        if (open && !open.isDisposed) {
          void open.content.load();
          app.shell.activateById(open.id);
          return open;
        }
        const content = new HistoryView(
          fetchHistory,
          trans,
          job => app.commands.execute(OPEN_JOB_LOG, { jobId: job.id }),
          job => void resizeAndResubmit(job, trans)
        );
        open = new MainAreaWidget({ content });
        open.id = 'hpc-lab-job-history';
        open.title.label = trans('Job History');
        open.title.icon = hpcIcon;
        open.title.closable = true;
        app.shell.add(open, 'main');
        return open;
      }
    });
    if (model) {
      // failed, timed out or out of memory: say so, with the job's log a click away
      new FailureNotifier(model, fetchHistory, app.commands, trans);
    }
    if (palette) {
      palette.addItem({ command: OPEN_JOB_HISTORY, category: trans('HPC') });
    }
  }
};
