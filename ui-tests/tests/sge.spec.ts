import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';

const PORT = Number(process.env.HPC_UI_PORT || '8899');
const SGE_URL = `http://localhost${process.env.HPC_SGE_UI_PORT ? `:${process.env.HPC_SGE_UI_PORT}` : `:${PORT - 1}`}/lab`;

/** Submit a job to the sandbox Grid Engine as `user`; its job number. */
function qsub(user: string, name: string): string {
  return execFileSync(
    'runuser',
    [
      '-u',
      user,
      '--',
      'qsub',
      '-terse',
      '-b',
      'y',
      '-N',
      name,
      '-o',
      '/dev/null',
      '-e',
      '/dev/null',
      '-wd',
      '/tmp',
      '-q',
      'debug.q',
      'sleep',
      '300'
    ],
    { encoding: 'utf-8' }
  ).trim();
}

test.describe('HPC panel on Grid Engine', () => {
  test('a server on the sge backend shows Grid Engine jobs and nodes', async ({
    page
  }) => {
    const id = qsub('alice', 'ui-sge-job');
    try {
      await page.goto(SGE_URL);
      await page.waitForSelector('#jupyterlab-splash', { state: 'detached' });
      await page.sidebar.openTab('hpc-lab-ext-panel');
      const panel = page.locator('.jp-HpcPanel');
      await expect(panel).toContainText('sge', { timeout: 30_000 });
      await page.getByRole('radio', { name: 'All' }).click();
      const row = page.locator('.jp-HpcQueue-row', { hasText: 'ui-sge-job' });
      await expect(row).toBeVisible({ timeout: 30_000 });
      await expect(row).toContainText(id);
      await expect(row).toContainText('alice');
      // at the sidebar's default width the queue (partition) is in the job's details
      await row.click();
      const details = page.getByRole('region', {
        name: `Details of job ${id}`
      });
      await expect(details).toContainText('debug.q');
      await page.getByRole('tab', { name: 'Nodes', exact: true }).click();
      await expect(
        page.locator('.jp-HpcNodes-partition[data-partition="debug.q"]')
      ).toBeVisible();
    } finally {
      execFileSync('qdel', [id]);
    }
  });
});
