import { IJupyterLabPageFixture, expect, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';
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

/**
 * The row of a job. The queue is a virtual list: only rows in view are in the DOM, and the
 * sandbox may hold thousands of other jobs (benchmarks), so filter to the job as a person would.
 */
async function jobRow(
  page: IJupyterLabPageFixture,
  id: string
): Promise<Locator> {
  await page.getByRole('searchbox', { name: 'Filter jobs by text' }).fill(id);
  return page.locator(`.jp-HpcQueue-row[data-job-id="${id}"]`);
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
    const row = await jobRow(page, id);
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
      const row = await jobRow(page, id);
      await page.getByRole('radio', { name: 'All' }).click();
      await expect(row).toContainText('bob', { timeout: 20_000 });
      await page.getByRole('radio', { name: 'Mine' }).click();
      await expect(row).toHaveCount(0, { timeout: 20_000 });
    } finally {
      execFileSync('scancel', [id]);
    }
  });

  test('holds, releases and cancels my job from its details', async ({
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
    const row = await jobRow(page, id);
    try {
      await expect(row).toContainText('PENDING', { timeout: 20_000 });
      await row.click();
      const details = page.getByRole('region', {
        name: `Details of job ${id}`
      });
      await details.getByRole('button', { name: `Hold job ${id}` }).click();
      await expect(row).toContainText('held by you', { timeout: 10_000 });
      // held, it starts when released: no expected start in the row or the details
      await expect(row).not.toContainText('starts');
      await expect(details).toContainText('when you release it');
      await details.getByRole('button', { name: `Release job ${id}` }).click();
      await expect(row).not.toContainText('held by you', { timeout: 10_000 });
      // released, it says why it waits at once (never a blank reason)
      await expect(row.locator('.jp-HpcQueue-status')).toHaveText(/\S/);
      await details.getByRole('button', { name: `Cancel job ${id}` }).click();
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

  test('a wide sidebar shows the full table, with the actions in each row', async ({
    page
  }) => {
    const id = sbatch([
      '--hold',
      '-p',
      'debug',
      '-J',
      'wide test',
      '-t',
      '5',
      '--wrap',
      'sleep 60'
    ]);
    try {
      await page.sidebar.setWidth(1000); // as wide as the window lets it
      const row = await jobRow(page, id);
      await expect(row).toContainText('PENDING', { timeout: 20_000 });
      await expect(row.getByRole('gridcell')).toHaveCount(12);
      // a held job shows both of its actions whole
      for (const action of ['Release', 'Cancel']) {
        const button = row.getByRole('button', { name: `${action} job ${id}` });
        await expect(button).toHaveText(action);
        const [scroll, client] = await button.evaluate(e => [
          e.scrollWidth,
          e.clientWidth
        ]);
        expect(scroll).toBeLessThanOrEqual(client);
        await expect(button).toBeInViewport({ ratio: 1 });
      }
      // a ten-hour job's time and limit are whole, however long it has run
      const long = sbatch(
        ['-p', 'batch', '-J', 'ten hours', '-t', '10:00:00'].concat([
          '--wrap',
          'sleep 60'
        ])
      );
      try {
        const longRow = await jobRow(page, long);
        await expect(longRow).toContainText('RUNNING', { timeout: 20_000 });
        const time = longRow.getByRole('gridcell').nth(8);
        await expect(time).toContainText('/ 10:00:00');
        // the widest it gets, measured in the cell's own font
        const [needed, has] = await time.evaluate(e => {
          const style = getComputedStyle(e);
          const context = document.createElement('canvas').getContext('2d')!;
          context.font = `${style.fontSize} ${style.fontFamily}`;
          const padding =
            parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
          return [
            context.measureText('9:59:59 / 10:00:00').width + padding,
            e.clientWidth
          ];
        });
        expect(needed).toBeLessThanOrEqual(has);
      } finally {
        execFileSync('scancel', [long]);
      }
      await jobRow(page, id);

      // scrolled sideways and clicked, the job id stays in view
      const scroll = page.locator('.jp-HpcQueue-scroll');
      await page.sidebar.setWidth(700);
      await scroll.evaluate(e => (e.scrollLeft = e.scrollWidth));
      await row.locator('.jp-HpcQueue-id').click();
      await expect(row.locator('.jp-HpcQueue-id')).toBeInViewport({
        ratio: 1
      });
      const box = (await row.locator('.jp-HpcQueue-id').boundingBox())!;
      const frame = (await scroll.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(frame.x - 0.5);
    } finally {
      execFileSync('scancel', [id]);
    }
  });
  test('opens the queue in a tab, with room for the full table', async ({
    page
  }) => {
    const id = sbatch([
      '--hold',
      '-p',
      'debug',
      '-J',
      'tab test',
      '-t',
      '5',
      '--wrap',
      'sleep 60'
    ]);
    try {
      await page
        .getByRole('button', { name: 'Open the queue in a tab' })
        .click();
      const tab = page.locator('#hpc-lab-ext-queue-tab');
      await expect(tab).toBeVisible();
      await tab
        .getByRole('searchbox', { name: 'Filter jobs by text' })
        .fill(id);
      const row = tab.locator(`.jp-HpcQueue-row[data-job-id="${id}"]`);
      await expect(row).toContainText('PENDING', { timeout: 20_000 });
      await expect(row.getByRole('gridcell')).toHaveCount(12);
      await expect(
        row.getByRole('button', { name: `Release job ${id}` })
      ).toBeVisible();
    } finally {
      execFileSync('scancel', [id]);
    }
  });

  test('filters the queue, sorts it and opens a job’s details', async ({
    page
  }) => {
    const name = `filter test ${Date.now()}`;
    const id = sbatch([
      '--hold',
      '-p',
      'debug',
      '-J',
      name,
      '-t',
      '5',
      '--wrap',
      'sleep 60'
    ]);
    const row = await jobRow(page, id);
    try {
      await expect(row).toContainText('PENDING', { timeout: 20_000 });
      const text = page.getByRole('searchbox', { name: 'Filter jobs by text' });
      await text.fill(name);
      await expect(page.locator('.jp-HpcQueue-row')).toHaveCount(1);
      await expect(page.locator('.jp-HpcQueue-count')).toContainText('1 of');

      await page
        .getByRole('combobox', { name: 'Job state' })
        .selectOption('running');
      await expect(row).toHaveCount(0);
      await page
        .getByRole('combobox', { name: 'Job state' })
        .selectOption('pending');
      await page
        .getByRole('combobox', { name: 'Partition' })
        .selectOption('debug');
      await expect(row).toHaveCount(1);

      await row.click();
      const details = page.getByRole('region', {
        name: `Details of job ${id}`
      });
      await expect(details).toContainText('held by you (JobHeldUser)');
      await expect(details).toContainText(name);
      await details
        .getByRole('button', { name: 'Close the job details' })
        .click();
      await expect(details).toHaveCount(0);
      await row.focus();
      await page.keyboard.press('Enter');
      await expect(details).toBeVisible();

      await page.getByRole('button', { name: 'Clear the filters' }).click();
      await expect(text).toHaveValue('');
      // sorting is in the full table's column headers
      await page.sidebar.setWidth(800);
      const header = page.getByRole('columnheader', { name: 'Job' });
      await header.getByRole('button').click();
      await expect(header).toHaveAttribute('aria-sort', 'ascending');
      await header.getByRole('button').click();
      await expect(header).toHaveAttribute('aria-sort', 'descending');
    } finally {
      execFileSync('scancel', [id]);
    }
  });
});
