import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { Trans } from '../trans';
import {
  IEndedJob,
  IResubmitFields,
  IResubmitPlan,
  fetchPlan,
  postResubmit
} from './api';
import { ResizeForm, initialFields } from './resize';

/** The dialog's body: the form, holding the fields a person set. */
class ResizeBody
  extends ReactWidget
  implements Dialog.IBodyWidget<IResubmitFields>
{
  constructor(
    private readonly _plan: IResubmitPlan,
    private readonly _trans: Trans
  ) {
    super();
    this._fields = initialFields(_plan);
  }

  getValue(): IResubmitFields {
    return this._fields;
  }

  protected render(): JSX.Element {
    return (
      <ResizeForm
        plan={this._plan}
        fields={this._fields}
        trans={this._trans}
        onChange={fields => {
          this._fields = fields;
          this.update();
        }}
      />
    );
  }

  private _fields: IResubmitFields;
}

/** Show the right-sized resubmission of an ended job and submit it when asked to. */
export async function resizeAndResubmit(
  job: IEndedJob,
  trans: Trans
): Promise<string | null> {
  let plan: IResubmitPlan;
  try {
    plan = await fetchPlan(job.id);
  } catch (error) {
    Notification.error(
      trans(
        'Cannot resubmit job %1: %2',
        job.id,
        String((error as Error).message ?? error)
      )
    );
    return null;
  }
  const result = await showDialog({
    title: trans('Resubmit job %1 right-sized', job.id),
    body: new ResizeBody(plan, trans),
    buttons: [
      Dialog.cancelButton(),
      Dialog.okButton({ label: trans('Submit') })
    ]
  });
  if (!result.button.accept || !result.value || !plan.script) {
    return null;
  }
  try {
    const answer = await postResubmit(job.id, result.value);
    Notification.success(
      trans('Submitted job %1 (job %2 right-sized)', answer.job_id, job.id),
      { autoClose: 5000 }
    );
    return answer.job_id;
  } catch (error) {
    Notification.error(
      trans(
        'Job %1 was not submitted: %2',
        job.id,
        String((error as Error).message ?? error)
      )
    );
    return null;
  }
}
