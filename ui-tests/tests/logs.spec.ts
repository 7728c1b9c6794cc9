import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import { mkdtempSync, chmodSync } from 'fs';

/** A job of the sandbox Slurm writing its output to `dir`; returns its id. */
function sbatch(dir: string, args: string[]): string {
  return execFileSync(
    'sbatch',
    ['--parsable', '--chdir', dir, '-o', `${dir}/log-%j.out`, ...args],
    { encoding: 'utf-8' }
  )
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

/** The printed time (ms since the epoch) at the end of a "tick N <ms>" line. */
function printedAt(line: string | null): number {
  const words = (line ?? '').trim().split(/\s+/);
  return Number(words[words.length - 1]);
}

test.describe('Job logs', () => {
  test('follows a running job from its details, newest line at most 2 s behind', async ({
    page
  }) => {
    const dir = mkdtempSync('/tmp/hpc-lab-ui-logs-');
    chmodSync(dir, 0o777);
    // a line every 0.5 s carrying the time it was printed, a traceback half way
    const script =
      'for i in $(seq 1 80); do echo "tick $i $(date +%s%3N)"; ' +
      '[ $i = 10 ] && echo "Traceback (most recent call last):"; sleep 0.5; done';
    const id = sbatch(dir, ['-p', 'debug', '-t', '5', '--wrap', script]);
    try {
      await page.sidebar.openTab('hpc-lab-ext-panel');
      await page
        .getByRole('searchbox', { name: 'Filter jobs by text' })
        .fill(id);
      const row = page.locator(`.jp-HpcQueue-row[data-job-id="${id}"]`);
      await expect(row).toContainText('RUNNING', { timeout: 30_000 });
      await row.click();
      const details = page.getByRole('region', {
        name: `Details of job ${id}`
      });
      await details.getByRole('button', { name: 'Log' }).click();

      const tab = page.locator('.jp-HpcLogTab');
      await expect(tab).toBeVisible();
      await expect(page.getByRole('tab', { name: `Log ${id}` })).toBeVisible();
      const lines = tab.locator('.jp-HpcLog-line');
      await expect(lines.first()).toContainText('tick', { timeout: 15_000 });
      await expect(tab.locator('.jp-HpcLog-summary')).toContainText(
        `${dir}/log-${id}.out`
      );
      await expect(tab.getByRole('checkbox', { name: 'Follow' })).toBeChecked();

      // Sample the newest line shown for a while: never more than 2 s old.
      const delays: number[] = [];
      for (let i = 0; i < 12; i++) {
        await page.waitForTimeout(700);
        const newest = await lines
          .filter({ hasText: /^tick / })
          .last()
          .textContent();
        delays.push(Date.now() - printedAt(newest));
      }
      console.log(
        `log follow in the browser: newest line ${Math.min(...delays)}-${Math.max(...delays)} ms behind`
      );
      expect(Math.max(...delays)).toBeLessThanOrEqual(2000);
      const count = await lines.count();
      expect(count).toBeGreaterThan(12);

      // First error: the traceback line is marked and following stops there.
      await tab.getByRole('button', { name: 'First error' }).click();
      const marked = tab.locator('.jp-HpcLog-line.jp-mod-marked');
      await expect(marked).toHaveText('Traceback (most recent call last):');
      await expect(marked).toBeInViewport();
      await expect(
        tab.getByRole('checkbox', { name: 'Follow' })
      ).not.toBeChecked();
    } finally {
      scancel(id);
    }
  });

  test('says why another user’s job log is not shown', async ({ page }) => {
    const id = execFileSync(
      'runuser',
      [
        '-u',
        'alice',
        '--',
        'sbatch',
        '--parsable',
        '--chdir',
        '/tmp',
        '--begin=now+1hour',
        '-o',
        '/dev/null',
        '--wrap',
        'true'
      ],
      { encoding: 'utf-8' }
    ).trim();
    try {
      await page.evaluate(async jobId => {
        await (window as any).jupyterapp.commands.execute(
          'hpc-lab:open-job-log',
          {
            jobId
          }
        );
      }, id);
      const tab = page.locator('.jp-HpcLogTab');
      await expect(tab.getByRole('alert')).toContainText('belongs to alice');
    } finally {
      scancel(id);
    }
  });

  test('history shows a job that exited 3 as failed, and where it comes from', async ({
    page
  }) => {
    const dir = mkdtempSync('/tmp/hpc-lab-ui-history-');
    chmodSync(dir, 0o777);
    const id = sbatch(dir, [
      '-p',
      'debug',
      '-J',
      'history ui',
      '--wrap',
      'echo about to fail; sleep 4; exit 3'
    ]);
    try {
      // the panel's model sees the job run and leave; the notification names the cause
      await page.sidebar.openTab('hpc-lab-ext-panel');
      const toast = page.locator('.Toastify__toast', {
        hasText: `Job ${id} (history ui) failed: exit code 3`
      });
      await expect(toast).toBeVisible({ timeout: 40_000 });
      await expect(
        toast.getByRole('button', { name: 'Open log' })
      ).toBeVisible();

      await page.evaluate(async () => {
        await (window as any).jupyterapp.commands.execute(
          'hpc-lab:open-job-history'
        );
      });
      const view = page.locator('.jp-HpcHistory');
      const row = view.locator(`tr[data-job-id="${id}"]`);
      await expect(async () => {
        await view.getByRole('button', { name: 'Refresh' }).click();
        await expect(row).toContainText('FAILED', { timeout: 2000 });
      }).toPass({ timeout: 60_000 });
      await expect(row).toContainText('exit code 3');
      await expect(view.locator('.jp-HpcHistory-source')).toContainText(
        /From Slurm accounting|own record/
      );
      await view.getByRole('button', { name: /^Failed/ }).click();
      await expect(view.locator('tbody tr.jp-mod-completed')).toHaveCount(0);
      await row.getByRole('button', { name: `Log of job ${id}` }).click();
      await expect(
        page.locator('.jp-HpcLogTab .jp-HpcLog-line').first()
      ).toHaveText('about to fail');
    } finally {
      scancel(id);
    }
  });

  test('resubmits a job that hardly used its four CPUs with one', async ({
    page
  }) => {
    const dir = mkdtempSync('/tmp/hpc-lab-ui-resize-');
    chmodSync(dir, 0o777);
    const id = sbatch(dir, [
      '-p',
      'debug',
      '-c',
      '4',
      '-t',
      '10',
      '-J',
      'resize ui',
      '--wrap',
      'sleep 3; echo sized'
    ]);
    let newId = '';
    try {
      await page.evaluate(async () => {
        await (window as any).jupyterapp.commands.execute(
          'hpc-lab:open-job-history'
        );
      });
      const view = page.locator('.jp-HpcHistory');
      const row = view.locator(`tr[data-job-id="${id}"]`);
      await expect(async () => {
        await view.getByRole('button', { name: 'Refresh' }).click();
        await expect(row).toContainText('COMPLETED', { timeout: 2000 });
      }).toPass({ timeout: 60_000 });
      await expect(row).toContainText('-c 1');
      await row
        .getByRole('button', { name: `Resubmit job ${id} right-sized` })
        .click();
      const dialog = page.locator('.jp-Dialog');
      await expect(dialog.locator('[data-shape="suggested"]')).toContainText(
        /\d{4}-\d\d-\d\d \d\d:\d\d/
      );
      await expect(dialog.getByLabel('CPUs', { exact: true })).toHaveValue('1');
      await expect(dialog.locator('pre')).toContainText('echo sized');
      await dialog.getByRole('button', { name: 'Submit' }).click();
      const toast = page.locator('.Toastify__toast', {
        hasText: `right-sized`
      });
      await expect(toast).toBeVisible();
      newId = ((await toast.textContent()) ?? '').match(
        /Submitted job (\d+)/
      )![1];
      const shown = execFileSync('scontrol', ['-o', 'show', 'job', newId], {
        encoding: 'utf-8'
      });
      expect(shown).toContain('NumCPUs=1 ');
      expect(shown).toContain('JobName=resize ui ');
    } finally {
      scancel(id);
      if (newId) {
        scancel(newId);
      }
    }
  });
});
