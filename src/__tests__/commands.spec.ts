import { Notification, showDialog } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';

import { IJob, IStatus } from '../api';
import { addCommands } from '../commands';
import { CommandIDs, IHpcModel } from '../tokens';
import { baseJob } from './jobs';

// JupyterLab's dialogs and notifications need a running application: record the calls instead.
jest.mock('@jupyterlab/apputils', () => ({
  Dialog: {
    cancelButton: (o: object) => ({ ...o, accept: false }),
    warnButton: (o: object) => ({ ...o, accept: true })
  },
  InputDialog: { getText: jest.fn() },
  Notification: { error: jest.fn() },
  showDialog: jest.fn(async () => ({ button: { accept: true } }))
}));

const dialog = showDialog as jest.Mock;
const error = Notification.error as jest.Mock;

const mine: IJob = { ...baseJob, id: '41', name: 'mine', user: 'alice' };
const bobs: IJob = { ...baseJob, id: '42', name: 'his', user: 'bob' };

function setUp(selected: IJob | null) {
  const commands = new CommandRegistry();
  const model = {
    status: { user: 'alice' } as IStatus,
    jobs: [mine, bobs],
    jobAction: jest.fn(async () => undefined)
  };
  addCommands({
    app: { commands } as any,
    model: model as unknown as IHpcModel,
    trans: t => t,
    showPanel: () => undefined,
    confirmCancel: () => true,
    selectedJob: () => selected
  });
  return { commands, model };
}

beforeEach(() => {
  dialog.mockClear();
  error.mockClear();
});

describe('the palette’s job commands', () => {
  it('act on the job open in the panel', async () => {
    const { commands, model } = setUp(mine);
    expect(commands.label(CommandIDs.cancelJob)).toBe('Cancel Job 41');
    await commands.execute(CommandIDs.cancelJob);
    expect(dialog.mock.calls[0][0].body).toBe(
      'Cancel job 41 “mine”? Its work is lost.'
    );
    expect(model.jobAction).toHaveBeenCalledWith('41', 'cancel');
  });

  it('refuse someone else’s job before warning that its work is lost', async () => {
    const { commands, model } = setUp(bobs);
    await commands.execute(CommandIDs.cancelJob);
    expect(dialog).not.toHaveBeenCalled();
    expect(model.jobAction).not.toHaveBeenCalled();
    expect(error.mock.calls[0][0]).toBe(
      'Cancel Job 42: it belongs to bob; you can only act on your own jobs'
    );
  });

  it('act on the job named in the call, whatever is open', async () => {
    const { commands, model } = setUp(bobs);
    await commands.execute(CommandIDs.holdJob, { jobId: '41' });
    expect(model.jobAction).toHaveBeenCalledWith('41', 'hold');
  });
});
