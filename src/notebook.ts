import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';

/** The notebook a person is working in: its path and kernel, and a way to give it a client. */
export interface ICurrentNotebook {
  path: string;
  kernelId: string | null;
}

export function currentNotebook(
  tracker: INotebookTracker | null
): ICurrentNotebook | null {
  const panel = tracker?.currentWidget;
  if (!panel) {
    return null;
  }
  return {
    path: panel.context.path,
    kernelId: panel.sessionContext.session?.kernel?.id ?? null
  };
}

/**
 * Put `code` in a new cell below the active one and run it, so the person sees what connects
 * their notebook to the cluster. Resolves to whether the cell ran without error.
 */
export async function insertAndRun(
  tracker: INotebookTracker,
  code: string
): Promise<boolean> {
  const panel = tracker.currentWidget;
  if (!panel) {
    return false;
  }
  const notebook = panel.content;
  NotebookActions.insertBelow(notebook);
  const cell = notebook.activeCell;
  if (!cell) {
    return false;
  }
  cell.model.sharedModel.setSource(code);
  return NotebookActions.run(notebook, panel.sessionContext);
}
