import { IJupyterLabPageFixture, expect, test } from '@jupyterlab/galata';
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

function scancel(id: string): void {
  try {
    execFileSync('scancel', [id]);
  } catch {
    // already gone
  }
}

/**
 * The newest toast with `word` in it: found by the fixed words, not by the values, so a
 * toast whose values are missing ("Job undefined …") is found and shown as it reads.
 */
function toast(page: IJupyterLabPageFixture, word: string) {
  return page.locator('.jp-toast-message').filter({ hasText: word }).last();
}

test.describe('HPC notifications say what happened, in words', () => {
  test.setTimeout(240_000);

  test.beforeEach(async ({ page }) => {
    await page.sidebar.openTab('hpc-lab-ext-panel');
    await expect(page.locator('.jp-HpcPanel')).toBeVisible();
  });

  test('a job started', async ({ page }) => {
    const name = `started ${Date.now()}`;
    const id = sbatch(
      ['--hold', '-p', 'debug', '-J', name, '-t', '5'].concat([
        '--wrap',
        'sleep 30'
      ])
    );
    try {
      await page
        .getByRole('searchbox', { name: 'Filter jobs by text' })
        .fill(id);
      const row = page.locator(`.jp-HpcQueue-row[data-job-id="${id}"]`);
      await expect(row).toContainText('PENDING', { timeout: 20_000 });
      execFileSync('scontrol', ['release', id]);
      await expect(row).toContainText('RUNNING', { timeout: 30_000 });
      const node = execFileSync('squeue', ['-h', '-j', id, '-o', '%N'], {
        encoding: 'utf-8'
      }).trim();
      await expect(toast(page, 'started')).toHaveText(
        `Job ${id} “${name}” started on ${node}`,
        { timeout: 20_000 }
      );
    } finally {
      scancel(id);
    }
  });

  test('a job cancelled from the panel', async ({ page }) => {
    const name = `cancelled ${Date.now()}`;
    const id = sbatch(
      ['-p', 'debug', '-J', name, '-t', '5'].concat([
        '--begin=now+1hour',
        '--wrap',
        'sleep 30'
      ])
    );
    try {
      await page
        .getByRole('searchbox', { name: 'Filter jobs by text' })
        .fill(id);
      const row = page.locator(`.jp-HpcQueue-row[data-job-id="${id}"]`);
      await expect(row).toContainText('PENDING', { timeout: 20_000 });
      await row.click();
      await page
        .getByRole('region', { name: `Details of job ${id}` })
        .getByRole('button', { name: 'Cancel' })
        .click();
      await page
        .locator('.jp-Dialog')
        .getByRole('button', { name: 'Cancel job' })
        .click();
      await expect(row).toHaveCount(0, { timeout: 20_000 });
      await expect(toast(page, 'cancelled')).toHaveText(
        `Job ${id} “${name}” was cancelled`,
        { timeout: 20_000 }
      );
    } finally {
      scancel(id);
    }
  });

  test('all workers of a Dask cluster connected', async ({ page }) => {
    const cluster = await page.evaluate(async () => {
      const xsrf = document.cookie.match(/_xsrf=([^;]+)/)?.[1] ?? '';
      const response = await fetch('/hpc-lab-ext/api/v1/clusters', {
        method: 'POST',
        headers: { 'X-XSRFToken': xsrf },
        body: JSON.stringify({
          profile: 'small',
          overrides: {},
          kernel_id: null,
          notebook: null,
          workers: 1
        })
      });
      return (await response.json()) as { id: string; name: string };
    });
    try {
      expect(cluster.name).toBeTruthy();
      await expect(toast(page, 'connected')).toHaveText(
        `Dask cluster “${cluster.name}”: its worker is connected`,
        { timeout: 180_000 }
      );
    } finally {
      await page.evaluate(async id => {
        const xsrf = document.cookie.match(/_xsrf=([^;]+)/)?.[1] ?? '';
        await fetch(`/hpc-lab-ext/api/v1/clusters/${id}`, {
          method: 'DELETE',
          headers: { 'X-XSRFToken': xsrf }
        });
      }, cluster.id);
    }
  });
});
