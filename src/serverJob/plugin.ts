import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { requestAPI } from '../api/client';
import { IServerJob, IStatus } from '../api/types';
import { bundleTrans, Trans } from '../trans';
import { formatLeft, warningsDue } from './timeLeft';

/** How often the job's end is read again (an extended time limit shows within this). */
const REFRESH_MS = 5 * 60 * 1000;
const TICK_MS = 15 * 1000;

/** The status-bar text: "Server job 75 · 1 h 58 min left". */
class ServerJobItem extends Widget {
  constructor() {
    super();
    this.addClass('jp-HpcServerJob');
    this.addClass('jp-StatusBar-TextItem');
  }

  setText(text: string, title: string, urgent: boolean): void {
    this.node.textContent = text;
    this.node.title = title;
    this.toggleClass('jp-mod-urgent', urgent);
  }
}

function warn(
  app: JupyterFrontEnd,
  trans: Trans,
  job: IServerJob,
  minutes: number
): void {
  const text =
    trans(
      'This Jupyter server ends in %1 min, when its Slurm job %2 reaches its time limit: save your work.',
      minutes,
      job.id
    ) + (job.extend_hint ? ' ' + job.extend_hint : '');
  Notification.warning(text, {
    autoClose: false,
    actions: [
      {
        label: trans('Save all'),
        callback: () => void app.commands.execute('docmanager:save-all')
      }
    ]
  });
}

/**
 * When the Jupyter server runs inside a Slurm job (JupyterHub's batchspawner, `srun jupyter lab`):
 * the time its job has left in the status bar, and warnings 15 and 5 minutes before its time
 * limit ends it, with a Save all action and the site's hint for getting more time.
 */
export const serverJobPlugin: JupyterFrontEndPlugin<void> = {
  id: 'hpc-lab-ext:server-job',
  description:
    'The time left of the Slurm job this Jupyter server runs in, and warnings before it ends.',
  autoStart: true,
  optional: [IStatusBar, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    statusBar: IStatusBar | null,
    translator: ITranslator | null
  ): void => {
    const trans = bundleTrans(
      (translator ?? nullTranslator).load('hpc_lab_ext')
    );
    const item = new ServerJobItem();
    const given = new Set<number>();
    let job: IServerJob | null = null;

    const render = (): void => {
      if (!job) {
        return;
      }
      const now = Date.now() / 1000;
      if (job.ends_at === null) {
        item.setText(
          trans('Server job %1', job.id),
          trans('This Jupyter server runs as Slurm job %1', job.id),
          false
        );
        return;
      }
      const left = job.ends_at - now;
      item.setText(
        trans('Server job %1 · %2 left', job.id, formatLeft(left)),
        trans(
          'This Jupyter server runs as Slurm job %1, which reaches its time limit at %2',
          job.id,
          new Date(job.ends_at * 1000).toLocaleTimeString()
        ),
        left <= 15 * 60
      );
      for (const minutes of warningsDue(job.ends_at, now, given)) {
        given.add(minutes);
        warn(app, trans, job, minutes);
      }
    };

    const read = async (): Promise<void> => {
      try {
        const status = await requestAPI<IStatus>('status');
        const next = status.server_job ?? null;
        if (next && job && next.ends_at !== job.ends_at) {
          given.clear(); // a new time limit: its warnings are new too
        }
        job = next;
      } catch {
        return; // the panel reports an unreachable server; the last known end stays
      }
      if (job && statusBar && !registered) {
        registered = true;
        statusBar.registerStatusItem('hpc-lab-ext:server-job', {
          item,
          align: 'left',
          rank: 60
        });
      }
      render();
    };

    let registered = false;
    void read();
    window.setInterval(() => void read(), REFRESH_MS);
    window.setInterval(render, TICK_MS);
  }
};
