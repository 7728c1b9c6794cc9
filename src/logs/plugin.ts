import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  InputDialog,
  MainAreaWidget,
  WidgetTracker
} from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { hpcIcon } from '../icons';
import { bundleTrans } from '../trans';
import { fetchLog, LogStream } from './api';
import { IOpenJobLogDetail, OPEN_JOB_LOG_EVENT } from './events';
import { LogModel } from './model';
import { LogView } from './view';

/** Open a job's log in a main-area tab: args { jobId, stream?: 'stdout' | 'stderr' }. */
export const OPEN_JOB_LOG = 'hpc-lab:open-job-log';

/** Job logs in the main area, opened by the `hpc-lab:open-job-log` command. */
export const logsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'hpc-lab-ext:logs',
  description:
    "A job's stdout and stderr in a main-area tab, followed as it runs.",
  autoStart: true,
  optional: [ILayoutRestorer, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): void => {
    const trans = bundleTrans(
      (translator ?? nullTranslator).load('hpc_lab_ext')
    );
    const tracker = new WidgetTracker<MainAreaWidget<LogView>>({
      namespace: 'hpc-lab-job-log'
    });

    app.commands.addCommand(OPEN_JOB_LOG, {
      label: args =>
        args.jobId
          ? trans('Open the Log of Job %1', String(args.jobId))
          : trans('Open a Job Log…'),
      caption: trans("A job's output, followed as it runs"),
      execute: async args => {
        let jobId = typeof args.jobId === 'string' ? args.jobId : '';
        if (typeof args.jobId === 'number') {
          jobId = String(args.jobId);
        }
        const stream: LogStream =
          args.stream === 'stderr' ? 'stderr' : 'stdout';
        if (!jobId) {
          const answer = await InputDialog.getText({
            title: trans('Open a Job Log'),
            label: trans('Job id (123, or 123_4 for an array task)')
          });
          if (!answer.button.accept || !answer.value?.trim()) {
            return null;
          }
          jobId = answer.value.trim();
        }
        const open = tracker.find(
          w => w.content.model.jobId === jobId && !w.isDisposed
        );
        if (open) {
          if (open.content.model.stream !== stream) {
            void open.content.model.setStream(stream);
          }
          app.shell.activateById(open.id);
          return open;
        }
        const model = new LogModel(jobId, stream, fetchLog);
        const content = new LogView(model, trans);
        const widget = new MainAreaWidget({ content });
        widget.id = `hpc-lab-job-log-${jobId.replace(/[^0-9_+]/g, '')}-${Date.now()}`;
        widget.title.label = trans('Log %1', jobId);
        widget.title.caption = trans('Output of job %1', jobId);
        widget.title.icon = hpcIcon;
        widget.title.closable = true;
        widget.addClass('jp-HpcLogTab');
        app.shell.add(widget, 'main');
        void tracker.add(widget);
        void model.open();
        return widget;
      }
    });

    document.addEventListener(OPEN_JOB_LOG_EVENT, event => {
      const detail = (event as CustomEvent<IOpenJobLogDetail>).detail;
      void app.commands.execute(OPEN_JOB_LOG, { ...detail });
    });

    if (palette) {
      palette.addItem({ command: OPEN_JOB_LOG, category: trans('HPC') });
    }
    if (restorer) {
      void restorer.restore(tracker, {
        command: OPEN_JOB_LOG,
        args: w => ({
          jobId: w.content.model.jobId,
          stream: w.content.model.stream
        }),
        name: w => `${w.content.model.jobId}:${w.content.model.stream}`
      });
    }
  }
};
