/**
 * Where sites run it: JupyterHub (scripts/sandbox-hub) starts each person's Jupyter server as a
 * Slurm job with batchspawner's SlurmSpawner. Alice and Bob log in at the hub's page at the same
 * time; each server is a Slurm job running as its person. Alice's panel marks her server's job,
 * she makes a Dask cluster from inside that job (its workers are Slurm jobs submitted from the
 * compute node) and computes on it; Bob sees her jobs without buttons and none of her clusters;
 * when an administrator shortens her job's time limit, she is warned 5 minutes before the end
 * and saves her notebook from the warning. The test command starts the hub and sets HPC_HUB_URL.
 */
import { Browser, expect, Page, test } from '@playwright/test';
import { execFileSync } from 'child_process';
import { rmSync } from 'fs';
import { join } from 'path';

const HUB = process.env.HPC_HUB_URL;
const NOTEBOOK = 'hub-cluster.ipynb';

function squeue(args: string[]): string {
  return execFileSync('squeue', ['--noheader', ...args], {
    encoding: 'utf-8'
  }).trim();
}

/** The person's home directory, from the password database. */
function home(user: string): string {
  return execFileSync('getent', ['passwd', user], { encoding: 'utf-8' }).split(
    ':'
  )[5];
}

/** The HPC panel in the sidebar, at the section asked for (whatever layout was saved). */
async function openPanel(page: Page, section: 'queue' | 'dask') {
  const panel = page.locator('.jp-HpcPanel');
  if (!(await panel.isVisible())) {
    await page
      .locator('.jp-SideBar .lm-TabBar-tab[data-id="hpc-lab-ext-panel"]')
      .click();
  }
  await page.locator(`#jp-HpcPanel-tab-${section}`).click();
  return panel;
}

/** A person logs in at the hub's page; resolves once their JupyterLab is open, with their job. */
async function logIn(browser: Browser, user: string): Promise<[Page, string]> {
  // a first visit: no layout saved by an earlier one, no notebook left from it
  rmSync(join(home(user), '.jupyter', 'lab', 'workspaces'), {
    recursive: true,
    force: true
  });
  rmSync(join(home(user), NOTEBOOK), { force: true });
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${HUB}/hub/login`);
  await page.locator('#username_input').fill(user);
  await page.locator('#password_input').fill(`${user}-sandbox`);
  await page.locator('#login_submit').click();
  // the spawn-pending page, then JupyterLab once the job runs and the server answers
  await page.waitForURL(new RegExp(`/user/${user}/lab`), {
    timeout: 180 * 1000
  });
  const line = squeue(['-u', user, '-n', 'jupyterhub', '-o', '%i %T %u %N']);
  const [jobId, state, owner, node] = line.split(/\s+/);
  expect(state).toBe('RUNNING');
  expect(owner).toBe(user);
  expect(node).toMatch(/^node\d$/);
  return [page, jobId];
}

/** Stop the person's server from the hub's home page; its Slurm job ends. */
async function stopServer(page: Page, user: string, jobId: string) {
  await page.goto(`${HUB}/hub/home`);
  // The button works once the page's script has bound it: a click before that does nothing,
  // so the click is repeated until the hub is asked to stop the server.
  await expect(async () => {
    const stopped = page.waitForResponse(
      r =>
        r.request().method() === 'DELETE' &&
        r.url().includes(`/hub/api/users/${user}/server`),
      { timeout: 5 * 1000 }
    );
    await page.locator('#stop').click({ timeout: 5 * 1000 });
    expect((await stopped).ok()).toBe(true);
  }).toPass({ timeout: 60 * 1000 });
  await expect
    .poll(() => squeue(['-j', jobId, '-o', '%T']), { timeout: 60 * 1000 })
    .not.toBe('RUNNING');
}

/** Alice's worker jobs: Slurm jobs of hers whose name starts with hpc-lab-. */
function workerJobs(user: string): string[] {
  return squeue(['-u', user, '-t', 'PD,CF,R', '-o', '%i %j'])
    .split('\n')
    .filter(line => line.includes(' hpc-lab-'))
    .map(line => line.split(' ')[0]);
}

/** A notebook in the person's home, through their server's contents API. */
async function writeNotebook(page: Page, user: string, sources: string[]) {
  const status = await page.evaluate(
    async ({ user, name, sources }) => {
      const xsrf = document.cookie.match(/_xsrf=([^;]+)/)?.[1] ?? '';
      const cells = sources.map(source => ({
        cell_type: 'code',
        source,
        metadata: {},
        outputs: [],
        execution_count: null
      }));
      const content = {
        cells,
        metadata: {
          kernelspec: {
            name: 'python3',
            display_name: 'Python 3',
            language: 'python'
          }
        },
        nbformat: 4,
        nbformat_minor: 5
      };
      const reply = await fetch(`/user/${user}/api/contents/${name}`, {
        method: 'PUT',
        headers: { 'X-XSRFToken': xsrf, 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'notebook', format: 'json', content })
      });
      return reply.status;
    },
    { user, name: NOTEBOOK, sources }
  );
  expect([200, 201]).toContain(status);
}

/** Run the notebook cell at `index` (click it, then Ctrl+Enter) and return its output area. */
async function runCell(page: Page, index: number) {
  const notebook = page.locator('.jp-NotebookPanel:visible');
  // the kernel has started
  await expect(
    notebook.locator('.jp-Notebook-ExecutionIndicator')
  ).toHaveAttribute('data-status', 'idle', { timeout: 60 * 1000 });
  const cell = notebook.locator('.jp-Cell').nth(index);
  const prompt = cell.locator('.jp-InputPrompt');
  // (a key pressed while the freshly opened notebook still takes the focus is lost: until the
  // cell is queued or running, click and press again)
  await expect(async () => {
    await cell.locator('.jp-InputArea-editor').click();
    await page.keyboard.press('Control+Enter'); // run, and stay on the cell
    await expect(prompt).not.toHaveText('[ ]:', { timeout: 3 * 1000 });
  }).toPass({ timeout: 60 * 1000 });
  await expect(prompt).toHaveText(/\[\d+\]/, {
    timeout: 180 * 1000
  });
  return cell.locator('.jp-OutputArea');
}

test.describe('JupyterHub with SlurmSpawner', () => {
  test.skip(
    !HUB,
    'no hub: start one with scripts/sandbox-hub and set HPC_HUB_URL'
  );
  test.setTimeout(600 * 1000);

  test('alice and bob on the hub: her server job, her cluster from inside it, his view, her warning', async ({
    browser
  }) => {
    const [alice, aliceJob] = await logIn(browser, 'alice');
    const [bob, bobJob] = await logIn(browser, 'bob');
    try {
      // The status bar names the job her server runs in, with its time left (2 h requested).
      const serverJob = alice.locator('.jp-HpcServerJob');
      await expect(serverJob).toContainText(`Server job ${aliceJob}`, {
        timeout: 60 * 1000
      });
      await expect(serverJob).toContainText(/1 h 5\d min left|2 h left/);

      // Her panel: her own jobs, the server's among them, marked.
      const panel = await openPanel(alice, 'queue');
      const row = panel.locator(`[data-job-id="${aliceJob}"]`);
      await expect(row).toBeVisible({ timeout: 60 * 1000 });
      await expect(row).toContainText('jupyterhub');
      await expect(row.locator('.jp-HpcQueue-serverBadge')).toHaveText(
        'this server'
      );

      // A cluster for her notebook, made from inside her server's job, and a computation on it.
      await writeNotebook(alice, 'alice', [
        'import sys; print(sys.executable)',
        'client.cluster.scale(1)\nclient.wait_for_workers(1, timeout=150)\n' +
          'print("answer", client.submit(lambda x: x + 1, 41).result())'
      ]);
      await alice.goto(`${HUB}/user/alice/lab/tree/${NOTEBOOK}`);
      await expect(
        alice.locator('.jp-NotebookPanel:visible .jp-Cell')
      ).toHaveCount(2, { timeout: 60 * 1000 });
      await expect(await runCell(alice, 0)).toContainText('bin/python');
      await openPanel(alice, 'dask');
      await expect(alice.locator('.jp-HpcDask-note')).toContainText(NOTEBOOK);
      await alice.getByRole('button', { name: 'New cluster' }).click();
      const form = alice.getByRole('form', { name: 'New Dask cluster' });
      await form.locator('select').first().selectOption('small');
      await form.getByRole('button', { name: 'Create cluster' }).click();
      const card = alice.locator('.jp-HpcCluster').first();
      await expect(card.locator('.jp-HpcCluster-status')).toHaveText(
        'running',
        { timeout: 90 * 1000 }
      );
      // Connect runs the connect cell below the active (first) one: the compute cell is third.
      await card.getByRole('button', { name: 'Connect notebook' }).click();
      const cells = alice.locator('.jp-NotebookPanel:visible .jp-Cell');
      await expect(cells).toHaveCount(3, { timeout: 30 * 1000 });
      await expect(cells.nth(1).locator('.jp-InputPrompt')).toHaveText(
        /\[\d+\]/,
        { timeout: 60 * 1000 }
      );
      await expect(await runCell(alice, 2)).toContainText('answer 42');
      // the worker is a Slurm job of hers, submitted from her server's job
      const workers = workerJobs('alice');
      expect(workers).toHaveLength(1);
      await expect(card.locator('.jp-HpcCluster-counts')).toContainText(
        '1 connected',
        { timeout: 60 * 1000 }
      );

      // Bob, at the same time: her jobs in everyone's queue, without buttons; none of her clusters.
      const bobPanel = await openPanel(bob, 'queue');
      const bobsOwn = bobPanel.locator(`[data-job-id="${bobJob}"]`);
      await expect(bobsOwn).toBeVisible({ timeout: 60 * 1000 });
      await bobsOwn.click();
      // his own job has its Cancel button (what the check below would see if buttons leaked)
      await expect(
        bob
          .getByRole('region', { name: `Details of job ${bobJob}` })
          .getByRole('button', { name: `Cancel job ${bobJob}` })
      ).toBeVisible();
      await bob.getByRole('radio', { name: 'All' }).click();
      for (const id of [aliceJob, workers[0]]) {
        const hers = bobPanel.locator(`[data-job-id="${id}"]`);
        await expect(hers).toContainText('alice', { timeout: 30 * 1000 });
        await hers.click();
        const details = bob.getByRole('region', {
          name: `Details of job ${id}`
        });
        await expect(details).toBeVisible();
        await expect(
          details.getByRole('button', { name: /(Hold|Release|Cancel) job/ })
        ).toHaveCount(0);
      }
      await openPanel(bob, 'dask');
      await expect(bob.locator('.jp-HpcDask')).toBeVisible();
      await expect(bob.locator('.jp-HpcCluster')).toHaveCount(0);

      // Alice shuts her cluster down: no worker job is left.
      await card.getByRole('button', { name: 'Shut down' }).click();
      await alice
        .locator('.jp-Dialog')
        .getByRole('button', { name: 'Shut down' })
        .click();
      await expect(alice.locator('.jp-HpcCluster')).toHaveCount(0, {
        timeout: 60 * 1000
      });
      await expect
        .poll(() => workerJobs('alice').length, { timeout: 60 * 1000 })
        .toBe(0);

      // An administrator shortens her job to end 4 minutes from now.
      const started = Date.parse(
        squeue(['-j', aliceJob, '-o', '%S']).replace(' ', 'T')
      );
      const minutes = Math.ceil((Date.now() - started) / 60000) + 4;
      execFileSync('scontrol', [
        'update',
        `jobid=${aliceJob}`,
        `TimeLimit=${minutes}`
      ]);
      // Her server learns the new end at its next poll; the page reads it when (re)opened.
      await expect
        .poll(
          async () => {
            const reply = await alice.request.get(
              `${HUB}/user/alice/hpc-lab-ext/api/v1/status`
            );
            const text = await reply.text();
            const endsAt = JSON.parse(text).server_job?.ends_at;
            if (typeof endsAt !== 'number') {
              throw new Error(
                `no end in the status: ${reply.status()} ${text}`
              );
            }
            return endsAt - Date.now() / 1000;
          },
          { timeout: 60 * 1000 }
        )
        .toBeLessThan(5 * 60);
      await alice.reload();
      const warning = alice
        .locator('.jp-toast-message')
        .filter({ hasText: 'ends in 5 min' });
      await expect(warning).toContainText(
        `when its Slurm job ${aliceJob} reaches its time limit`,
        { timeout: 60 * 1000 }
      );
      await expect(serverJob).toContainText(/[1-5] min left/);
      await expect(serverJob).toHaveClass(/jp-mod-urgent/);
      // Save all, from the warning, saves the notebook she edited since the reload.
      await expect(
        alice.locator('.jp-NotebookPanel:visible .jp-Cell').first()
      ).toBeVisible({ timeout: 60 * 1000 });
      const tab = alice.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
        hasText: NOTEBOOK
      });
      await alice
        .locator('.jp-NotebookPanel:visible .jp-Cell')
        .nth(0)
        .locator('.jp-InputArea-editor')
        .click();
      await alice.keyboard.type('# saved from the warning\n');
      await expect(tab).toHaveClass(/jp-mod-dirty/);
      await alice
        .locator('.Toastify__toast')
        .filter({ hasText: 'ends in 5 min' })
        .getByRole('button', { name: 'Save all' })
        .click();
      await expect(tab).not.toHaveClass(/jp-mod-dirty/, { timeout: 30 * 1000 });
    } finally {
      await stopServer(alice, 'alice', aliceJob);
      await stopServer(bob, 'bob', bobJob);
    }
  });
});
