import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';

/**
 * A notebook on the second kernel environment ("Python (other env)", scripts/kernel-env: another
 * dask release than the server's) gets a cluster from the panel; the notebook steers it from
 * code (client.cluster.scale, cluster.close) and the panel follows. Sidebar at its default width.
 */

const KERNEL = 'hpc-lab-other-env';
const NOTEBOOK = 'other-env-cluster.ipynb';

/** Live jobs whose name starts with hpc-lab-, from squeue. */
function workerJobs(): string[] {
  return execFileSync(
    'squeue',
    ['--noheader', '-t', 'PD,CF,R', '-o', '%i %j'],
    { encoding: 'utf-8' }
  )
    .split('\n')
    .filter(line => line.includes(' hpc-lab-'));
}

test.describe('A notebook on another environment steers its cluster', () => {
  test.setTimeout(300_000);

  test.afterEach(async ({ page }) => {
    // whatever happened, leave no cluster (and so no worker job) behind
    await page.evaluate(async () => {
      const xsrf = document.cookie.match(/_xsrf=([^;]+)/)?.[1] ?? '';
      const api = '/hpc-lab-ext/api/v1/clusters';
      const { clusters } = await (await fetch(api)).json();
      for (const c of clusters) {
        await fetch(`${api}/${c.id}`, {
          method: 'DELETE',
          headers: { 'X-XSRFToken': xsrf }
        });
      }
    });
  });

  test('connect from the panel, scale and close from the notebook', async ({
    page
  }) => {
    expect(workerJobs()).toHaveLength(0);

    // 1. A notebook on the other environment's kernel.
    await page.notebook.createNew(NOTEBOOK, { kernel: KERNEL });
    const notebookPanel = page.locator('.jp-NotebookPanel:visible');
    await expect(notebookPanel.locator('.jp-KernelName')).toHaveText(
      'Python (other env)'
    );
    await page.notebook.setCell(
      0,
      'code',
      'import sys, distributed\nprint(sys.executable, distributed.__version__)'
    );
    await page.notebook.runCell(0, true);
    const [versions] = await page.notebook.getCellTextOutput(0);
    expect(versions).toContain('.venv-kernel/bin/python');
    expect(versions).toMatch(/ 2025\.7\.\d+/);

    // 2. A cluster for it from the panel (default sidebar width), made with the kernel's Python.
    await page.sidebar.openTab('hpc-lab-ext-panel');
    await page.locator('#jp-HpcPanel-tab-dask').click();
    await expect(page.locator('.jp-HpcDask-note')).toContainText(NOTEBOOK);
    await page.getByRole('button', { name: 'New cluster' }).click();
    const form = page.getByRole('form', { name: 'New Dask cluster' });
    await form.locator('select').first().selectOption('small');
    await form.getByRole('button', { name: 'Create cluster' }).click();

    const card = page.locator('.jp-HpcCluster').first();
    await expect(card).toBeVisible({ timeout: 60_000 });
    await expect(card).toContainText('this notebook');
    await expect(card.locator('.jp-HpcCluster-shape')).toHaveAttribute(
      'title',
      /\.venv-kernel\/bin\/python/
    );
    await expect(card.locator('.jp-HpcCluster-status')).toHaveText('running', {
      timeout: 60_000
    });

    // Connect inserts the connect cell below and runs it.
    await card.getByRole('button', { name: 'Connect notebook' }).click();
    const cells = page.locator('.jp-NotebookPanel:visible .jp-Cell');
    await expect(cells).toHaveCount(2, { timeout: 30_000 });
    const connectCell = cells.nth(1);
    await expect(connectCell.locator('.jp-InputArea')).toContainText(
      'cluster, client = connect('
    );
    // ran to the end: an execution count, not [*], and the client shown
    await expect(connectCell.locator('.jp-InputPrompt')).toHaveText(/\[\d+\]/, {
      timeout: 60_000
    });
    const connectOutput = connectCell.locator('.jp-OutputArea');
    await expect(connectOutput).toContainText('Client', { timeout: 30_000 });

    // 3. No warning that client, scheduler and workers run different releases, and no error.
    const connectText = (await connectOutput.innerText()) ?? '';
    expect(connectText).not.toContain('VersionMismatchWarning');
    expect(connectText).not.toContain('Traceback');
    await expect(
      connectCell.locator('[data-mime-type="application/vnd.jupyter.stderr"]')
    ).toHaveCount(0);

    // 4. Scale from the notebook; the panel's card follows to 3 connected workers.
    await page.notebook.addCell('code', 'client.cluster.scale(3)');
    await page.notebook.runCell(2, true);
    // the server's answer: the cluster as the panel shows it, 3 requested
    const [scaled] = await page.notebook.getCellTextOutput(2);
    expect(scaled).toContain("'requested': 3");
    const counts = card.locator('.jp-HpcCluster-counts');
    await expect(counts).toHaveAttribute('data-requested', '3', {
      timeout: 30_000
    });
    await expect(counts).toContainText('3 connected', { timeout: 120_000 });
    await expect(counts).toContainText('of 3 requested');
    expect(workerJobs()).toHaveLength(3);

    // The workers run the kernel's release, and the client sees them.
    await page.notebook.addCell(
      'code',
      'client.wait_for_workers(3, timeout=60)\n' +
        'print(client.cluster is cluster, len(client.scheduler_info()["workers"]), sorted({v["packages"]["distributed"] for v in client.get_versions()["workers"].values()}))'
    );
    await page.notebook.runCell(3, true);
    const [workerVersions] = await page.notebook.getCellTextOutput(3);
    expect(workerVersions).toMatch(/^True 3 \['2025\.7\.\d+'\]\n$/);

    // 5. Close from the notebook: the card goes and no worker job is left.
    await page.notebook.addCell('code', 'cluster.close()\nprint("closed")');
    await page.notebook.runCell(4, true);
    expect(await page.notebook.getCellTextOutput(4)).toEqual(['closed\n']);
    await expect(page.locator('.jp-HpcCluster')).toHaveCount(0, {
      timeout: 60_000
    });
    await expect.poll(() => workerJobs().length, { timeout: 60_000 }).toBe(0);
  });
});
