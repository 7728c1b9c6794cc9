import * as React from 'react';

import { IStatus } from '../api';

export interface IStatusBannerProps {
  status: IStatus | null;
  error: string | null;
  trans: (text: string) => string;
}

/** One line that says what is wrong and what it means, or nothing when all is well. */
export function StatusBanner(props: IStatusBannerProps): JSX.Element | null {
  const { status, error, trans } = props;
  if (error) {
    return (
      <div className="jp-HpcBanner jp-mod-error" role="alert">
        {trans('Cannot reach the HPC server extension:')} {error}
      </div>
    );
  }
  if (!status) {
    return null;
  }
  if (!status.reachable) {
    return (
      <div className="jp-HpcBanner jp-mod-error" role="alert">
        {trans('The scheduler is not answering; showing the last known state.')}
        {status.error ? ` (${status.error})` : ''}
      </div>
    );
  }
  if (!status.live_queue) {
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
