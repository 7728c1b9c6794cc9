import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';

test.describe('HPC panel nodes', () => {
  test('the heat map shows the four nodes and a job landing on node3', async ({
    page
  }) => {
    await page.sidebar.openTab('hpc-lab-ext-panel');
    await page.getByRole('tab', { name: 'Nodes', exact: true }).click();
    const batch = page.locator(
      '.jp-HpcNodes-partition[data-partition="batch"]'
    );
    await expect(batch.locator('.jp-HpcNodes-cell')).toHaveCount(4, {
      timeout: 20_000
    });
    const debug = page.locator(
      '.jp-HpcNodes-partition[data-partition="debug"]'
    );
    await expect(debug.locator('.jp-HpcNodes-cell')).toHaveCount(2);
    await expect(batch).toContainText('GPUs');

    // Relative to what node3 already runs, so other jobs on the sandbox do not matter.
    const node3 = batch.locator('.jp-HpcNodes-cell[data-node="node3"]');
    const fraction = async () =>
      Number(await node3.getAttribute('data-fraction'));
    const cpuBefore = await fraction();
    // The free cores table below the heat map: batch's free cores now, before the job.
    const freeNow = page.locator(
      '.jp-HpcGaps tr[data-partition="batch"] td[data-in="0"] .jp-HpcGaps-count'
    );
    await expect(
      page.locator('.jp-HpcGaps tr[data-partition="debug"]')
    ).toHaveCount(1, { timeout: 20_000 });
    const freeBefore = Number(await freeNow.textContent());
    await page.getByRole('radio', { name: 'GPU' }).click();
    const gpuBefore = await fraction();
    await page.getByRole('radio', { name: 'CPU' }).click();
    const id = execFileSync(
      'sbatch',
      [
        '--parsable',
        '--output=/dev/null',
        '--chdir=/tmp',
        '-p',
        'batch',
        '-w',
        'node3',
        '-c',
        '4',
        '--gres=gpu:1',
        '-t',
        '5',
        '--wrap',
        'sleep 60'
      ],
      { encoding: 'utf-8' }
    ).trim();
    try {
      await expect(node3).toHaveAttribute(
        'data-fraction',
        (cpuBefore + 0.5).toFixed(2),
        { timeout: 20_000 }
      );
      // 4 cores fewer free now; the job's 5-minute limit gives them back within 15 minutes
      await expect(freeNow).toHaveText(String(freeBefore - 4), {
        timeout: 20_000
      });
      await page.getByRole('radio', { name: 'GPU' }).click();
      await expect(node3).toHaveAttribute(
        'data-fraction',
        (gpuBefore + 0.5).toFixed(2)
      );
      const node1 = batch.locator('.jp-HpcNodes-cell[data-node="node1"]');
      await expect(node1).toHaveClass(/jp-mod-none/); // no GPUs there
      await page.getByRole('radio', { name: 'CPU' }).click();
    } finally {
      execFileSync('scancel', [id]);
    }
  });

  test('clicking a node shows the jobs on it in the queue, with the filter in view and a way to clear it', async ({
    page
  }) => {
    const sbatch = (node: string, name: string) =>
      execFileSync(
        'sbatch',
        [
          '--parsable',
          '--output=/dev/null',
          '--chdir=/tmp',
          '-p',
          'batch',
          '-w',
          node,
          '-J',
          name,
          '-c',
          '1',
          '-t',
          '5',
          '--wrap',
          'sleep 120'
        ],
        { encoding: 'utf-8' }
      ).trim();
    const ids = [
      sbatch('node2', 'on node two'),
      sbatch('node4', 'on node four')
    ];
    try {
      await page.sidebar.openTab('hpc-lab-ext-panel'); // the default width
      await page.getByRole('radio', { name: 'Mine' }).click();
      const rows = page.locator('.jp-HpcQueue-row');
      await expect(rows.filter({ hasText: 'on node four' })).toHaveCount(1, {
        timeout: 20_000
      });
      await expect(rows.filter({ hasText: 'on node two' })).toHaveCount(1);
      await page.getByRole('tab', { name: 'Nodes', exact: true }).click();
      await page
        .locator('.jp-HpcNodes-partition[data-partition="batch"]')
        .locator('.jp-HpcNodes-cell[data-node="node4"]')
        .click();

      // the queue, everyone's jobs, only those on node4, and the filter says so
      await expect(
        page.getByRole('tab', { name: 'Queue', exact: true })
      ).toHaveAttribute('aria-selected', 'true');
      await expect(page.getByRole('radio', { name: 'All' })).toHaveAttribute(
        'aria-checked',
        'true'
      );
      const chip = page.locator('.jp-HpcQueue-nodeFilter');
      await expect(chip).toBeInViewport();
      await expect(chip).toContainText('Jobs on node node4');
      await expect(rows.filter({ hasText: 'on node four' })).toHaveCount(1, {
        timeout: 20_000
      });
      await expect(rows.filter({ hasText: 'on node two' })).toHaveCount(0);
      for (const row of await rows.all()) {
        await expect(row).not.toContainText('node2');
      }

      await chip
        .getByRole('button', { name: 'Show the jobs of every node' })
        .click();
      await expect(chip).toHaveCount(0);
      await expect(rows.filter({ hasText: 'on node two' })).toHaveCount(1);
    } finally {
      execFileSync('scancel', ids);
    }
  });
});
