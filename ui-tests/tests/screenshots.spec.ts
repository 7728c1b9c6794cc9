import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as path from 'path';

/**
 * The panel with a realistic queue, in the light and dark themes. The images land in the test
 * output, and in docs/images when HPC_UPDATE_DOCS=1 (how the README's screenshots are made).
 */
const DOCS = path.resolve(__dirname, '..', '..', 'docs', 'images');

function submit(user: string | null, args: string[]): string {
  const sbatch = [
    'sbatch',
    '--parsable',
    '--output=/dev/null',
    '--chdir=/tmp',
    ...args
  ];
  const argv = user ? ['runuser', '-u', user, '--', ...sbatch] : sbatch;
  return execFileSync(argv[0], argv.slice(1), { encoding: 'utf-8' })
    .trim()
    .split(';')[0];
}

test.describe('screenshots', () => {
  const ids: string[] = [];

  test.beforeAll(() => {
    ids.push(
      submit(null, [
        '-p',
        'debug',
        '-J',
        'notebook prep',
        '-c',
        '2',
        '-t',
        '20',
        '--wrap',
        'sleep 300'
      ]),
      submit(null, [
        '-p',
        'batch',
        '-J',
        'held analysis',
        '-c',
        '4',
        '--hold',
        '-t',
        '120',
        '--wrap',
        'sleep 300'
      ]),
      submit('alice', [
        '-p',
        'batch',
        '-J',
        'alice sim',
        '-c',
        '8',
        '-t',
        '600',
        '--wrap',
        'sleep 300'
      ]),
      submit('alice', [
        '-p',
        'batch',
        '-J',
        'gpu training',
        '-c',
        '2',
        '--gres=gpu:1',
        '-t',
        '300',
        '--wrap',
        'sleep 300'
      ]),
      submit('bob', [
        '-p',
        'batch',
        '-J',
        'bob sweep',
        '-c',
        '4',
        '--array=1-6%2',
        '-t',
        '60',
        '--wrap',
        'sleep 300'
      ]),
      submit('bob', [
        '-p',
        'debug',
        '-J',
        'bob big',
        '-c',
        '8',
        '--mem=15000',
        '-t',
        '30',
        '--wrap',
        'sleep 300'
      ])
    );
  });

  test.afterAll(() => {
    execFileSync('scancel', ids);
  });

  for (const theme of ['light', 'dark']) {
    test(`queue and nodes at the default width, ${theme} theme`, async ({
      page
    }, testInfo) => {
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      await page.sidebar.openTab('hpc-lab-ext-panel'); // not resized: as JupyterLab opens it
      await page.getByRole('radio', { name: 'All' }).click();
      await expect
        .poll(() => page.locator('.jp-HpcQueue-row').count(), {
          timeout: 20_000
        })
        .toBeGreaterThanOrEqual(ids.length);
      // the held job open: its details with Release and Cancel below the list
      await page
        .locator('.jp-HpcQueue-row', { hasText: 'held analysis' })
        .click();
      await expect(page.locator('.jp-HpcQueue-details')).toContainText(
        'held by you'
      );
      await page.mouse.move(0, 0);
      const panel = page.locator('.jp-HpcPanel');
      const suffix = theme === 'dark' ? '-dark' : '';
      const out = (name: string) =>
        process.env.HPC_UPDATE_DOCS === '1'
          ? path.join(DOCS, `${name}-250${suffix}.png`)
          : testInfo.outputPath(`${name}-250${suffix}.png`);
      await panel.screenshot({ path: out('queue') });
      await page.getByRole('tab', { name: 'Nodes', exact: true }).click();
      await expect(page.locator('.jp-HpcNodes-cell').first()).toBeVisible({
        timeout: 20_000
      });
      await panel.screenshot({ path: out('nodes') });
    });

    test(`panel in the ${theme} theme`, async ({ page }, testInfo) => {
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      await page.sidebar.openTab('hpc-lab-ext-panel');
      await page.sidebar.setWidth(760);
      await page.getByRole('radio', { name: 'All' }).click();
      // the array shows as its running tasks plus one row for the pending rest
      await expect
        .poll(() => page.locator('.jp-HpcQueue-row').count(), {
          timeout: 20_000
        })
        .toBeGreaterThanOrEqual(ids.length);
      await expect(page.locator('.jp-HpcQueue-table')).toContainText('RUNNING');
      const panel = page.locator('.jp-HpcPanel');
      const file =
        process.env.HPC_UPDATE_DOCS === '1'
          ? path.join(DOCS, `panel${theme === 'dark' ? '-dark' : ''}.png`)
          : testInfo.outputPath(`panel-${theme}.png`);
      await panel.screenshot({ path: file });
    });
  }
});
