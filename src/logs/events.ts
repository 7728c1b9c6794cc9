/**
 * Views that know a job but not the application (pure components such as the job details)
 * ask for its log with this DOM event; the logs plugin listens on the document and runs
 * `hpc-lab:open-job-log`. No prop has to be threaded through the views in between.
 */
export const OPEN_JOB_LOG_EVENT = 'hpc-lab-open-job-log';

export interface IOpenJobLogDetail {
  jobId: string;
  stream?: 'stdout' | 'stderr';
}

/** Ask for a job's log from the element a person clicked. */
export function requestJobLog(
  from: EventTarget,
  detail: IOpenJobLogDetail
): void {
  from.dispatchEvent(
    new CustomEvent<IOpenJobLogDetail>(OPEN_JOB_LOG_EVENT, {
      bubbles: true,
      detail
    })
  );
}
