import { expect, test } from '@jupyterlab/galata';
import { request } from '@playwright/test';
import { execFileSync } from 'child_process';
import * as path from 'path';

/**
 * The panel with a realistic queue, node use and a Dask cluster, in the light and dark themes, at
 * the sidebar's default width (250 px) and at 600 px. The images land in the test output, and in
 * docs/images when HPC_UPDATE_DOCS=1 (how the README's screenshots are made).
 */
const DOCS = path.resolve(__dirname, '..', '..', 'docs', 'images');
const BASE_URL = `http://localhost:${process.env.HPC_UI_PORT || '8899'}`;

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
  const clusters: string[] = [];

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

  test.afterAll(async () => {
    execFileSync('scancel', ids);
    const api = await request.newContext({ baseURL: BASE_URL });
    for (const id of clusters) {
      await api.delete(`/hpc-lab-ext/api/v1/clusters/${id}`);
    }
    await api.dispose();
  });

  for (const theme of ['light', 'dark']) {
    for (const width of [250, 600]) {
      test(`queue, nodes and Dask at ${width} px, ${theme} theme`, async ({
        page
      }, testInfo) => {
        test.setTimeout(240_000);
        if (clusters.length === 0) {
          // one cluster of four small workers for every image (some may wait in the queue)
          const api = await request.newContext({ baseURL: BASE_URL });
          const made = await api.post('/hpc-lab-ext/api/v1/clusters', {
            data: { profile: 'small', workers: 4, notebook: 'analysis.ipynb' }
          });
          expect(made.status()).toBe(201);
          clusters.push((await made.json()).id);
          await api.dispose();
        }
        if (theme === 'dark') {
          await page.theme.setDarkTheme();
        }
        await page.sidebar.openTab('hpc-lab-ext-panel');
        if (width !== 250) {
          // Only these images widen the sidebar (to show how the panel grows); every test
          // that checks behaviour runs at JupyterLab's default width.
          await page.sidebar.setWidth(width);
        }
        const panel = page.locator('.jp-HpcPanel');
        const shown = (await panel.boundingBox())!.width;
        expect(Math.abs(shown - width)).toBeLessThanOrEqual(2);
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
        const suffix = theme === 'dark' ? '-dark' : '';
        const out = (name: string) =>
          process.env.HPC_UPDATE_DOCS === '1'
            ? path.join(DOCS, `${name}-${width}${suffix}.png`)
            : testInfo.outputPath(`${name}-${width}${suffix}.png`);
        await panel.screenshot({ path: out('queue') });

        await page.getByRole('tab', { name: 'Nodes', exact: true }).click();
        await expect(page.locator('.jp-HpcNodes-cell').first()).toBeVisible({
          timeout: 20_000
        });
        await expect(page.locator('.jp-HpcGaps')).toBeVisible({
          timeout: 20_000
        });
        await panel.screenshot({ path: out('nodes') });

        await page.getByRole('tab', { name: 'Dask', exact: true }).click();
        const card = page.locator('.jp-HpcCluster').first();
        await expect(card.locator('.jp-HpcCluster-status')).toHaveText(
          'running',
          { timeout: 90_000 }
        );
        await expect
          .poll(
            async () =>
              Number(
                await card
                  .locator('.jp-HpcCluster-counts')
                  .getAttribute('data-connected')
              ),
            { timeout: 120_000 }
          )
          .toBeGreaterThan(0);
        if (width !== 250) {
          await card.getByRole('button', { name: /^Worker jobs/ }).click();
        }
        await page.mouse.move(0, 0);
        await panel.screenshot({ path: out('dask') });
      });
    }
  }
});
