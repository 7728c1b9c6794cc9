import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';

/** Submit a real job to the sandbox Slurm; returns its id. */
function sbatch(args: string[]): string {
  const quiet = ['--output', '/dev/null', '--chdir', '/tmp'];
  return execFileSync('sbatch', ['--parsable', ...quiet, ...args], {
    encoding: 'utf-8'
  })
    .trim()
    .split(';')[0];
}

function scontrol(args: string[]): void {
  execFileSync('scontrol', args, { encoding: 'utf-8' });
}

test.describe('HPC panel queue', () => {
  test.beforeEach(async ({ page }) => {
    await page.sidebar.openTab('hpc-lab-ext-panel');
    await expect(page.locator('.jp-HpcPanel')).toBeVisible();
  });

  test('shows the scheduler and this user', async ({ page }) => {
    await expect(page.locator('.jp-HpcPanel-backend')).toContainText('slurm');
    await expect(page.locator('.jp-HpcQueue-toolbar')).toContainText('updated');
  });

  test('a real job appears pending, then running, then leaves when it ends', async ({
    page
  }) => {
    const name = `ui test ${Date.now()} | Grüße`;
    const id = sbatch([
      '--hold',
      '-p',
      'debug',
      '-J',
      name,
      '-t',
      '5',
      '--wrap',
      'sleep 6'
    ]);
    const row = page.locator(`.jp-HpcQueue-row[data-job-id="${id}"]`);
    try {
      await expect(row).toContainText('PENDING', { timeout: 20_000 });
      await expect(row).toContainText(name);
      await expect(row).toContainText('held by you');

      scontrol(['release', id]);
      await expect(row).toContainText('RUNNING', { timeout: 20_000 });
      await expect(row).toContainText('node');

      await expect(row).toHaveCount(0, { timeout: 30_000 });
    } finally {
      try {
        execFileSync('scancel', [id]);
      } catch {
        // already gone
      }
    }
  });

  test('switches between my jobs and everyone’s', async ({ page }) => {
    const id = sbatch([
      '-p',
      'debug',
      '-J',
      'bob job',
      '--uid',
      'bob',
      '-t',
      '5',
      '--wrap',
      'sleep 60'
    ]);
    try {
      const row = page.locator(`.jp-HpcQueue-row[data-job-id="${id}"]`);
      await page.getByRole('radio', { name: 'All' }).click();
      await expect(row).toContainText('bob', { timeout: 20_000 });
      await page.getByRole('radio', { name: 'Mine' }).click();
      await expect(row).toHaveCount(0, { timeout: 20_000 });
    } finally {
      execFileSync('scancel', [id]);
    }
  });

  test('holds, releases and cancels my job with the row buttons', async ({
    page
  }) => {
    const id = sbatch([
      '-p',
      'debug',
      '-J',
      'button test',
      '-t',
      '5',
      '--begin=now+1hour',
      '--wrap',
      'sleep 60'
    ]);
    const row = page.locator(`.jp-HpcQueue-row[data-job-id="${id}"]`);
    try {
      await expect(row).toContainText('PENDING', { timeout: 20_000 });
      await row.getByRole('button', { name: `Hold job ${id}` }).click();
      await expect(row).toContainText('held by you', { timeout: 10_000 });
      await row.getByRole('button', { name: `Release job ${id}` }).click();
      await expect(row).not.toContainText('held by you', { timeout: 10_000 });
      await row.getByRole('button', { name: `Cancel job ${id}` }).click();
      const dialog = page.locator('.jp-Dialog');
      await expect(dialog).toContainText(`Cancel job ${id}`);
      await dialog.getByRole('button', { name: 'Cancel job' }).click();
      await expect(row).toHaveCount(0, { timeout: 10_000 });
    } finally {
      try {
        execFileSync('scancel', [id]);
      } catch {
        // already gone
      }
    }
  });
});
