/**
 * The queue as a person first sees it: in the left sidebar at JupyterLab's default width
 * (this spec never resizes it). Everything that matters about a pending job must be readable
 * without scrolling, and its actions within reach.
 */
import { expect, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';
import { execFileSync } from 'child_process';

function sbatch(args: string[]): string {
  const quiet = ['--output', '/dev/null', '--chdir', '/tmp'];
  return execFileSync('sbatch', ['--parsable', ...quiet, ...args], {
    encoding: 'utf-8'
  })
    .trim()
    .split(';')[0];
}

/** The element is shown whole inside `frame` (not cut by it, not scrolled out of it). */
async function expectInside(element: Locator, frame: Locator): Promise<void> {
  await expect(element).toBeVisible();
  const box = (await element.boundingBox())!;
  const outer = (await frame.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(outer.x - 0.5);
  expect(box.y).toBeGreaterThanOrEqual(outer.y - 0.5);
  expect(box.x + box.width).toBeLessThanOrEqual(outer.x + outer.width + 0.5);
  expect(box.y + box.height).toBeLessThanOrEqual(outer.y + outer.height + 0.5);
}

/** The text of the element is not cut: it needs no more room than it has. */
async function expectUncut(element: Locator): Promise<void> {
  const [scroll, client] = await element.evaluate(e => [
    e.scrollWidth,
    e.clientWidth
  ]);
  expect(scroll).toBeLessThanOrEqual(client);
}

test.describe('HPC queue at the sidebar’s default width', () => {
  test.beforeEach(async ({ page }) => {
    await page.sidebar.openTab('hpc-lab-ext-panel');
    await expect(page.locator('.jp-HpcPanel')).toBeVisible();
  });

  test('a pending job: id, state and reason in view, Cancel within reach', async ({
    page
  }) => {
    // the sidebar as JupyterLab opens it: what a person sees of the panel
    const panel = page.locator('#jp-left-stack');
    const width = (await panel.boundingBox())!.width;
    expect(width).toBeLessThan(400);
    test.info().annotations.push({
      type: 'sidebar width',
      description: `${width} px`
    });

    const name = `narrow ${Date.now()}`;
    const id = sbatch([
      '-p',
      'debug',
      '-J',
      name,
      '-t',
      '5',
      '--begin=now+1hour',
      '--wrap',
      'sleep 30'
    ]);
    try {
      await page
        .getByRole('searchbox', { name: 'Filter jobs by text' })
        .fill(id);
      const row = page.locator(`.jp-HpcQueue-row[data-job-id="${id}"]`);
      await expect(row).toContainText('PENDING', { timeout: 20_000 });

      const scroll = page.locator('.jp-HpcQueue-scroll');
      const idText = row.locator('.jp-HpcQueue-id');
      const state = row.locator('.jp-HpcQueue-state');
      const reason = row.locator('.jp-HpcQueue-status');
      await expect(idText).toHaveText(id);
      await expect(state).toHaveText('PENDING');
      await expect(reason).toContainText('asked to start later');
      for (const part of [idText, state, reason]) {
        await expectInside(part, scroll);
        await expectUncut(part);
      }
      // nothing hides to the side
      const [scrollWidth, clientWidth] = await scroll.evaluate(e => [
        e.scrollWidth,
        e.clientWidth
      ]);
      expect(scrollWidth).toBeLessThanOrEqual(clientWidth);

      await row.click();
      await panel.screenshot({ path: test.info().outputPath('narrow.png') });
      const details = page.getByRole('region', {
        name: `Details of job ${id}`
      });
      const cancel = details.getByRole('button', { name: `Cancel job ${id}` });
      await expectInside(cancel, panel);
      await expectInside(idText, scroll); // opening it did not scroll the id away
      await cancel.click();
      await page
        .locator('.jp-Dialog')
        .getByRole('button', { name: 'Cancel job' })
        .click();
      await expect(row).toHaveCount(0, { timeout: 20_000 });
    } finally {
      try {
        execFileSync('scancel', [id]);
      } catch {
        // already gone
      }
    }
  });

  test('the toolbar’s controls are whole and answer the first click', async ({
    page
  }) => {
    const panel = page.locator('#jp-left-stack');
    const controls = [
      page.getByRole('radio', { name: 'Mine' }),
      page.getByRole('radio', { name: 'All' }),
      page.getByRole('button', { name: 'Refresh now' }),
      page.getByRole('button', { name: 'Open the queue in a tab' }),
      page.getByRole('searchbox', { name: 'Filter jobs by text' }),
      page.getByRole('combobox', { name: 'Job state' }),
      page.getByRole('combobox', { name: 'Partition' })
    ];
    for (const control of controls) {
      await expectInside(control, panel);
    }
    // a select shows its whole label when its box is at least as wide as the text in it
    for (const select of controls.slice(5)) {
      const [needed, has] = await select.evaluate(e => {
        const s = e as HTMLSelectElement;
        const canvas = document.createElement('canvas');
        const context = canvas.getContext('2d')!;
        const style = getComputedStyle(s);
        context.font = `${style.fontSize} ${style.fontFamily}`;
        const text = s.options[s.selectedIndex].text;
        const padding =
          parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
        return [context.measureText(text).width + padding, s.clientWidth];
      });
      expect(needed).toBeLessThanOrEqual(has);
    }
    await page.getByRole('radio', { name: 'All' }).click();
    await expect(page.getByRole('radio', { name: 'All' })).toHaveAttribute(
      'aria-checked',
      'true'
    );
    await page.getByRole('radio', { name: 'Mine' }).click();
    await expect(page.getByRole('radio', { name: 'Mine' })).toHaveAttribute(
      'aria-checked',
      'true'
    );
  });
});
