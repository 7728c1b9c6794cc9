import * as React from 'react';

import { IStatus } from '../api';
import { Trans } from '../trans';

export interface IStatusBannerProps {
  status: IStatus | null;
  /** the Jupyter server extension itself could not be reached */
  error: string | null;
  stale: boolean;
  schedulerError: string | null;
  /** seconds since the epoch */
  unreachableSince: number | null;
  trans: Trans;
}

function clock(seconds: number): string {
  return new Date(seconds * 1000).toLocaleTimeString();
}

/** One line that says what is wrong and what it means, or nothing when all is well. */
export function StatusBanner(props: IStatusBannerProps): JSX.Element | null {
  const { status, error, stale, schedulerError, unreachableSince, trans } =
    props;
  if (error) {
    return (
      <div className="jp-HpcBanner jp-mod-error" role="alert">
        {trans('Cannot reach the HPC server extension:')} {error}
      </div>
    );
  }
  if (stale && schedulerError) {
    const since = unreachableSince
      ? ` ${trans('since')} ${clock(unreachableSince)}`
      : '';
    return (
      <div className="jp-HpcBanner jp-mod-error" role="alert">
        {trans('Scheduler unreachable')}
        {since}
        {trans(
          '; showing the last known state. Actions wait until it is back.'
        )}
        <div className="jp-HpcBanner-detail">{schedulerError}</div>
      </div>
    );
  }
  if (status && !status.live_queue && status.unsupported_scheduler) {
    return (
      <div className="jp-HpcBanner jp-mod-info">
        {`${status.unsupported_scheduler} ${trans(
          'was found on this server, but its queue cannot be shown yet (Slurm and Grid Engine can): this machine is shown as one node.'
        )}`}
      </div>
    );
  }
  if (status && !status.live_queue) {
    return (
      <div className="jp-HpcBanner jp-mod-info">
        {trans(
          'No batch scheduler found: this machine is shown as one node and there is no queue.'
        )}
      </div>
    );
  }
  return null;
}
