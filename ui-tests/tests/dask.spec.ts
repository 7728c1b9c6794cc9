import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';

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

test.describe('HPC panel Dask clusters', () => {
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

  test('a cluster for the notebook: create, scale, connect, compute, shut down', async ({
    page
  }) => {
    await page.notebook.createNew('dask-flow.ipynb');
    await page.notebook.setCell(0, 'code', 'import sys; print(sys.executable)');
    await page.notebook.runCell(0, true);

    await page.sidebar.openTab('hpc-lab-ext-panel');
    await page.locator('#jp-HpcPanel-tab-dask').click();
    await expect(page.locator('.jp-HpcDask-note')).toContainText(
      'dask-flow.ipynb'
    );
    await page.getByRole('button', { name: 'New cluster' }).click();
    const form = page.getByRole('form', { name: 'New Dask cluster' });
    await form.locator('select').first().selectOption('small');
    await expect(form.locator('input[name="cores"]')).toHaveAttribute(
      'max',
      '8'
    );
    await form.getByRole('button', { name: 'Create cluster' }).click();

    const card = page.locator('.jp-HpcCluster').first();
    await expect(card).toBeVisible({ timeout: 60_000 });
    await expect(card).toContainText('this notebook');
    // The card shows up while the cluster's supervisor starts; the server takes settings from
    // the card once the cluster runs.
    await expect(card.locator('.jp-HpcCluster-status')).toHaveText('running', {
      timeout: 60_000
    });

    // Patience: on and off from the card; the server answers with its settings and tries.
    // The switch is labelled with what it does when on, whether on or off.
    const patience = card.locator('.jp-HpcCluster-patience');
    const patienceSwitch = patience.getByRole('checkbox', {
      name: 'Resubmit workers waiting over 5 min in a shape that starts sooner'
    });
    await expect(patienceSwitch).not.toBeChecked();
    await patienceSwitch.click(); // checked once the server answered
    await expect(patienceSwitch).toBeChecked();
    await expect(patience).toContainText('0 of 3 tries used');
    await patienceSwitch.click();
    await expect(patienceSwitch).not.toBeChecked();
    await expect(patience).not.toContainText('tries used');

    // Scale to 2 with the buttons, and watch the jobs connect.
    await card.getByRole('button', { name: 'Scale to 2 workers' }).click();
    const counts = card.locator('.jp-HpcCluster-counts');
    await expect(counts).toContainText('2 connected', { timeout: 120_000 });
    await card.getByRole('button', { name: 'Worker jobs (2)' }).click();
    await expect(card.locator('.jp-HpcCluster-workers tbody tr')).toHaveCount(
      2
    );
    expect(workerJobs()).toHaveLength(2);

    // Connect puts a client into the notebook; compute with it there.
    await card.getByRole('button', { name: 'Connect notebook' }).click();
    await expect(page.locator('.jp-Notebook .jp-Cell')).toHaveCount(2, {
      timeout: 30_000
    });
    // the connect cell gives cluster and client (client.cluster is cluster) and runs
    const connectCell = page.locator('.jp-Notebook .jp-Cell').nth(1);
    await expect(connectCell.locator('.jp-InputArea')).toContainText(
      'cluster, client = connect('
    );
    await expect(connectCell.locator('.jp-InputPrompt')).toHaveText(/\[\d+\]/, {
      timeout: 60_000
    });
    await expect(connectCell.locator('.jp-OutputArea')).toContainText('Client');
    await page.notebook.addCell(
      'code',
      'import dask.array as da\nprint("sum", int(da.ones((1000, 1000), chunks=250).sum().compute()))'
    );
    await page.notebook.runCell(2, true);
    expect(await page.notebook.getCellTextOutput(2)).toEqual(['sum 1000000\n']);

    // Scale to 3 with the number field and the Scale button.
    await card.getByRole('spinbutton', { name: 'Workers wanted' }).fill('3');
    await card.getByRole('button', { name: 'Scale', exact: true }).click();
    await expect(counts).toContainText('3 connected', { timeout: 120_000 });
    expect(workerJobs()).toHaveLength(3);

    // A worker job's id, in the card's list of worker jobs (open since above), opens that
    // worker's log.
    const first = card
      .locator('.jp-HpcCluster-workers .jp-HpcCluster-log')
      .first();
    const workerJob = (await first.textContent())!.trim();
    await first.click();
    const log = page.locator('.jp-HpcLogTab');
    await expect(log).toBeVisible();
    await expect(log.locator('.jp-HpcLog-line').first()).toBeVisible({
      timeout: 30_000
    });
    // Dask's own log, on standard error
    await expect(
      log.getByRole('combobox', { name: 'Output stream' })
    ).toHaveValue('stderr');
    await expect(log).toContainText('distributed.worker', { timeout: 30_000 });
    await expect(
      page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
        hasText: workerJob
      })
    ).toBeVisible();

    // Scale to 0 from the command palette (it asks how many), then shut down from the card.
    await page.notebook.activate('dask-flow.ipynb');
    await page.keyboard.press('Control+Shift+C');
    const palette = page.locator('#command-palette');
    await palette.locator('input').fill('Scale Dask Cluster to N Workers');
    await palette
      .locator('.lm-CommandPalette-item', {
        hasText: 'Scale Dask Cluster to N Workers'
      })
      .first()
      .click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.locator('input').fill('0');
    await dialog.locator('button.jp-mod-accept').click();
    await expect(counts).toContainText('0 connected', { timeout: 60_000 });
    await expect.poll(() => workerJobs().length, { timeout: 30_000 }).toBe(0);

    await card.getByRole('button', { name: 'Shut down' }).click();
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Shut down' })
      .click();
    await expect(page.locator('.jp-HpcCluster')).toHaveCount(0, {
      timeout: 60_000
    });
  });

  test('a bad value in the form gets the server’s message, not a crash', async ({
    page
  }) => {
    await page.sidebar.openTab('hpc-lab-ext-panel');
    await page.locator('#jp-HpcPanel-tab-dask').click();
    await page.getByRole('button', { name: 'New cluster' }).click();
    const form = page.getByRole('form', { name: 'New Dask cluster' });
    await form.locator('select').first().selectOption('small');
    // Asking when workers would start submits nothing and answers from Slurm.
    await form.getByRole('button', { name: 'When would they start?' }).click();
    const estimates = form.getByRole('list', { name: 'Start estimates' });
    await expect(estimates.locator('li').first()).toContainText('starts', {
      timeout: 30_000
    });
    await expect(estimates).toContainText('in debug');
    expect(workerJobs()).toHaveLength(0);
    await form.locator('input[name="walltime"]').fill('05:00:00');
    await form.getByRole('button', { name: 'Create cluster' }).click();
    await expect(page.getByRole('alert')).toContainText(
      "over partition debug's limit"
    );
    await expect(page.locator('.jp-HpcCluster')).toHaveCount(0);
  });

  test('one Dask UI: dask-labextension’s sidebar and cluster commands are hidden, its panes kept', async ({
    page
  }) => {
    await expect(page.locator('#jp-left-stack')).toBeAttached();
    // our panel's tab is there; dask-labextension's own sidebar is not
    await expect(
      page.locator('.jp-SideBar .lm-TabBar-tab[data-id="hpc-lab-ext-panel"]')
    ).toHaveCount(1);
    await expect(
      page.locator(
        '.jp-SideBar .lm-TabBar-tab[data-id="dask-dashboard-launcher"]'
      )
    ).toHaveCount(0);
    await page.keyboard.press('Control+Shift+C');
    const palette = page.locator('#command-palette');
    for (const text of [
      'Launch New Cluster',
      'Launch Dask Dashboard Layout',
      'Auto-Start Dask'
    ]) {
      await palette.locator('input').fill(text);
      await expect(
        palette.locator('.lm-CommandPalette-item', { hasText: text })
      ).toHaveCount(0);
    }
    // ours answers the same search
    await palette.locator('input').fill('New Dask Cluster');
    await expect(
      palette.locator('.lm-CommandPalette-item', {
        hasText: 'New Dask Cluster for This Notebook'
      })
    ).toHaveCount(1);
    await page.keyboard.press('Escape');
    // its pane commands stay, for the Dashboard button
    expect(
      await page.evaluate(() =>
        (window as any).jupyterapp.commands.hasCommand('dask:launch-dashboard')
      )
    ).toBe(true);
  });

  test('at the default width: the form fits, the status bar lines up, one dashboard pane at a time, closed with its cluster', async ({
    page
  }) => {
    await page.notebook.createNew('dask-panes.ipynb');
    await page.notebook.setCell(0, 'code', 'print(1)');
    await page.notebook.runCell(0, true);
    await page.sidebar.openTab('hpc-lab-ext-panel'); // never resized
    await page.locator('#jp-HpcPanel-tab-dask').click();
    await page.getByRole('button', { name: 'New cluster' }).click();
    const form = page.getByRole('form', { name: 'New Dask cluster' });
    await form.locator('select').first().selectOption('small');

    // every field ends inside the form, at the sidebar's default width
    const formBox = (await form.boundingBox())!;
    expect(formBox.width).toBeLessThan(300);
    const fields = form.locator('input:not([type="checkbox"]), select');
    expect(await fields.count()).toBeGreaterThan(3);
    for (const field of await fields.all()) {
      const box = (await field.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(
        formBox.x + formBox.width + 0.5
      );
    }
    await form.getByRole('button', { name: 'Create cluster' }).click();
    const card = page.locator('.jp-HpcCluster').first();
    await expect(card.locator('.jp-HpcCluster-status')).toHaveText('running', {
      timeout: 60_000
    });

    // the status bar's cluster text sits on the line of its neighbours
    const ours = page.locator('.jp-HpcWorkersStatus-text');
    await expect(ours).toHaveText('0 workers');
    const middle = async (item: typeof ours) => {
      const box = (await item.boundingBox())!;
      return box.y + box.height / 2;
    };
    const neighbour = page
      .locator('.jp-StatusBar-Left .jp-StatusBar-TextItem')
      .filter({ hasNotText: 'workers' })
      .first();
    expect(
      Math.abs((await middle(ours)) - (await middle(neighbour)))
    ).toBeLessThanOrEqual(1);

    // A cluster on the server's Python, which has bokeh (Dask's dashboard lists plots only
    // where bokeh is installed; the notebook's environment may lack it).
    const served = await page.evaluate(async () => {
      const answer = await fetch('/hpc-lab-ext/api/v1/clusters', {
        method: 'POST',
        body: JSON.stringify({ profile: 'small' })
      });
      return (await answer.json()).id as string;
    });
    const card2 = page.locator(`.jp-HpcCluster[data-cluster-id="${served}"]`);
    await expect(card2.locator('.jp-HpcCluster-status')).toHaveText('running', {
      timeout: 60_000
    });

    // Dashboard: one pane, beside the notebook rather than squeezing it
    const panes = page.locator('.dask-DaskDashboard-widget');
    await card2.getByRole('button', { name: 'Dashboard', exact: true }).click();
    await expect(panes).toHaveCount(1);
    await expect(
      page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
        hasText: 'Task Stream'
      })
    ).toHaveCount(1);
    await expect(panes.locator('iframe')).toHaveAttribute(
      'src',
      /\/dask\/dashboard\/.+individual-task-stream/,
      { timeout: 30_000 }
    );
    // another pane from the menu beside the button
    await card2.getByRole('button', { name: 'Other dashboard panes' }).click();
    await page
      .locator('.jp-HpcDashboardMenu .lm-Menu-item', {
        hasText: 'Open the Dask Progress Pane'
      })
      .click();
    await expect(panes).toHaveCount(2);

    // shut down: the panes go with the cluster
    await card2.getByRole('button', { name: 'Shut down' }).click();
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Shut down' })
      .click();
    await expect(card2).toHaveCount(0, { timeout: 60_000 });
    await expect(panes).toHaveCount(0);
  });
});
