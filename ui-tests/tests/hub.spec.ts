/**
 * Where sites run it: JupyterHub (scripts/sandbox-hub) starts each person's Jupyter server as a
 * Slurm job with batchspawner's SlurmSpawner. A person logs in at the hub's page, their server
 * starts as a Slurm job running as them, and the panel shows that job as theirs and as the one
 * this server runs in. The test command starts the hub and sets HPC_HUB_URL.
 */
import { expect, test } from '@playwright/test';
import { execFileSync } from 'child_process';

const HUB = process.env.HPC_HUB_URL;

function squeue(args: string[]): string {
  return execFileSync('squeue', ['--noheader', ...args], {
    encoding: 'utf-8'
  }).trim();
}

test.describe('JupyterHub with SlurmSpawner', () => {
  test.skip(
    !HUB,
    'no hub: start one with scripts/sandbox-hub and set HPC_HUB_URL'
  );
  test.setTimeout(240 * 1000);

  test('alice logs in, her server is her Slurm job, the panel marks it', async ({
    page
  }) => {
    await page.goto(`${HUB}/hub/login`);
    await page.locator('#username_input').fill('alice');
    await page.locator('#password_input').fill('alice-sandbox');
    await page.locator('#login_submit').click();
    // the spawn-pending page, then JupyterLab once the job runs and the server answers
    await page.waitForURL(/\/user\/alice\/lab/, { timeout: 180 * 1000 });

    const line = squeue([
      '-u',
      'alice',
      '-n',
      'jupyterhub',
      '-o',
      '%i %T %u %N'
    ]);
    const [jobId, state, user, node] = line.split(/\s+/);
    expect(state).toBe('RUNNING');
    expect(user).toBe('alice');
    expect(node).toMatch(/^node\d$/);

    // the status bar names the job this server runs in, with its time left (2 h requested)
    const serverJob = page.locator('.jp-HpcServerJob');
    await expect(serverJob).toContainText(`Server job ${jobId}`, {
      timeout: 60 * 1000
    });
    await expect(serverJob).toContainText(/1 h 5\d min left|2 h left/);

    // the panel: her own jobs, the server's among them
    await page
      .locator('.jp-SideBar .lm-TabBar-tab[data-id="hpc-lab-ext-panel"]')
      .click();
    const panel = page.locator('.jp-HpcPanel');
    await expect(panel).toBeVisible();
    const row = panel.locator(`[data-job-id="${jobId}"]`);
    await expect(row).toBeVisible({ timeout: 60 * 1000 });
    await expect(row).toContainText('jupyterhub');
    await expect(row.locator('.jp-HpcQueue-serverBadge')).toHaveText(
      'this server'
    );

    // stopping the server from the hub's home page ends its job
    // (the button works once the page's script has bound it: a click before that does nothing,
    // so the click is repeated until the hub is asked to stop the server)
    await page.goto(`${HUB}/hub/home`);
    await expect(async () => {
      const stopped = page.waitForResponse(
        r =>
          r.request().method() === 'DELETE' &&
          r.url().includes('/hub/api/users/alice/server'),
        { timeout: 5 * 1000 }
      );
      await page.locator('#stop').click({ timeout: 5 * 1000 });
      expect((await stopped).ok()).toBe(true);
    }).toPass({ timeout: 60 * 1000 });
    await expect
      .poll(() => squeue(['-j', jobId, '-o', '%T']), { timeout: 60 * 1000 })
      .not.toBe('RUNNING');
  });
});
