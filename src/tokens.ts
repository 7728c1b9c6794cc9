import { Token } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal } from '@lumino/signaling';

import { IJob, IStatus, JobScope } from './api';

/**
 * The scheduler state shown by the HPC panel, for other extensions to read.
 */
export interface IHpcModel extends IDisposable {
  readonly changed: ISignal<IHpcModel, void>;
  readonly jobs: readonly IJob[];
  readonly status: IStatus | null;
  readonly error: string | null;
  readonly updatedAt: number | null;
  readonly stale: boolean;
  readonly loading: boolean;
  scope: JobScope;
  visible: boolean;
  refresh(): Promise<void>;
}

export const IHpcModel = new Token<IHpcModel>(
  'hpc-lab-ext:IHpcModel',
  'The scheduler queue and node state shown by the HPC panel.'
);

export namespace CommandIDs {
  export const showPanel = 'hpc-lab-ext:show-panel';
  export const refresh = 'hpc-lab-ext:refresh';
  export const toggleScope = 'hpc-lab-ext:toggle-scope';
}
