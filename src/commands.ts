import { JupyterFrontEnd } from '@jupyterlab/application';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import {
  Dialog,
  InputDialog,
  Notification,
  showDialog
} from '@jupyterlab/apputils';

import { IJob, JobAction } from './api';
import { CommandIDs, IHpcModel } from './tokens';
import { Trans } from './trans';

export interface ICommandOptions {
  app: JupyterFrontEnd;
  model: IHpcModel;
  trans: Trans;
  showPanel: () => void;
  /** ask before cancelling a job */
  confirmCancel: () => boolean;
  /** a job is being cancelled here (false: the cancel failed), so its end is no news */
  cancelling?: (jobId: string, cancelling: boolean) => void;
  /** the job whose details are open in the panel: the palette's job commands act on it */
  selectedJob?: () => IJob | null;
}

const JOB_COMMANDS: [string, JobAction, string][] = [
  [CommandIDs.cancelJob, 'cancel', 'Cancel Job'],
  [CommandIDs.holdJob, 'hold', 'Hold Job'],
  [CommandIDs.releaseJob, 'release', 'Release Job']
];

/** Every action is a command: buttons, menus and the palette all call these. */
export function addCommands(options: ICommandOptions): void {
  const { app, model, trans } = options;

  app.commands.addCommand(CommandIDs.showPanel, {
    label: trans('Show HPC Panel'),
    execute: () => options.showPanel()
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

  for (const [id, action, label] of JOB_COMMANDS) {
    /** the job a call acts on: the one named in its arguments, else the one open in the panel */
    const target = (args: ReadonlyPartialJSONObject) =>
      args.jobId
        ? { id: args.jobId as string, name: (args.jobName as string) ?? '' }
        : (options.selectedJob?.() ?? null);
    app.commands.addCommand(id, {
      label: args => {
        const job = target(args);
        return job ? `${trans(label)} ${job.id}` : trans(label);
      },
      // read-only access: the server would refuse it (GET status's can_write)
      isEnabled: () => model.status?.can_write !== false,
      execute: async args => {
        const job = target(args);
        let jobId = job?.id;
        const jobName = job?.name ?? '';
        if (!jobId) {
          const answer = await InputDialog.getText({
            title: trans(label),
            label: trans('Job id (e.g. 1234, 1234_5 or 1234+1)')
          });
          if (!answer.button.accept || !answer.value) {
            return;
          }
          jobId = answer.value.trim();
        }
        // someone else's job, as far as the panel knows: say so before asking anything
        const user = model.status?.user ?? null;
        const owner = model.jobs.find(j => j.id === jobId)?.user;
        if (user !== null && owner !== undefined && owner !== user) {
          Notification.error(
            `${trans(label)} ${jobId}: ${trans('it belongs to')} ${owner}; ${trans('you can only act on your own jobs')}`,
            { autoClose: 8000 }
          );
          return;
        }
        if (action === 'cancel' && options.confirmCancel()) {
          const answer = await showDialog({
            title: trans('Cancel job?'),
            body: `${trans('Cancel job')} ${jobId}${jobName ? ` “${jobName}”` : ''}? ${trans('Its work is lost.')}`,
            buttons: [
              Dialog.cancelButton({ label: trans('Keep it') }),
              Dialog.warnButton({ label: trans('Cancel job') })
            ]
          });
          if (!answer.button.accept) {
            return;
          }
        }
        const cancelling = action === 'cancel' ? options.cancelling : undefined;
        cancelling?.(jobId, true);
        try {
          await model.jobAction(jobId, action);
        } catch (error) {
          cancelling?.(jobId, false);
          const message =
            error instanceof Error ? error.message : String(error);
          Notification.error(`${trans(label)} ${jobId}: ${message}`, {
            autoClose: 8000
          });
        }
      }
    });
  }
}
