/**
 * The panel in JupyterLab's dark theme: every text a person must read has the contrast WCAG
 * asks of normal text (4.5:1) against what is painted behind it, measured in the browser.
 */
import { IJupyterLabPageFixture, expect, test } from '@jupyterlab/galata';
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

/**
 * Contrast ratio of an element's text (or of its ::after) against the first opaque
 * background behind it.
 */
async function contrast(element: Locator, pseudo?: '::after'): Promise<number> {
  return element.evaluate((e, pseudo) => {
    const parse = (value: string): number[] => {
      const srgb =
        /color\(srgb ([\d.e-]+) ([\d.e-]+) ([\d.e-]+)(?: \/ ([\d.e-]+))?\)/.exec(
          value
        );
      if (srgb) {
        return [
          Number(srgb[1]) * 255,
          Number(srgb[2]) * 255,
          Number(srgb[3]) * 255,
          srgb[4] === undefined ? 1 : Number(srgb[4])
        ];
      }
      const rgb =
        /rgba?\(([\d.]+),? ([\d.]+),? ([\d.]+)(?:,? \/? ?([\d.]+))?\)/.exec(
          value
        );
      if (!rgb) {
        throw new Error(`unreadable colour ${value}`);
      }
      return [
        Number(rgb[1]),
        Number(rgb[2]),
        Number(rgb[3]),
        rgb[4] === undefined ? 1 : Number(rgb[4])
      ];
    };
    const over = (top: number[], under: number[]) =>
      [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3]));
    // the background: the nearest ancestor's that is not see-through (layers blended)
    const layers: number[][] = [];
    if (pseudo) {
      layers.push(parse(getComputedStyle(e, pseudo).backgroundColor));
    }
    for (
      let n: Element | null = e;
      n && layers.at(-1)?.[3] !== 1;
      n = n.parentElement
    ) {
      const bg = parse(getComputedStyle(n).backgroundColor);
      if (bg[3] > 0) {
        layers.push(bg);
        if (bg[3] >= 1) {
          break;
        }
      }
    }
    let background = [255, 255, 255];
    for (const layer of layers.reverse()) {
      background = over(layer, background);
    }
    const text = over(
      parse(getComputedStyle(e, pseudo ?? null).color),
      background
    );
    const luminance = (c: number[]) => {
      const [r, g, b] = c.map(v => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const [hi, lo] = [luminance(text), luminance(background)].sort(
      (a, b) => b - a
    );
    return (hi + 0.05) / (lo + 0.05);
  }, pseudo);
}

async function darkPanel(page: IJupyterLabPageFixture): Promise<void> {
  await page.theme.setDarkTheme();
  await page.sidebar.openTab('hpc-lab-ext-panel');
  await expect(page.locator('.jp-HpcPanel')).toBeVisible();
}

test.describe('HPC panel in the dark theme', () => {
  test('a selected queue row is readable', async ({ page }) => {
    await darkPanel(page);
    const id = sbatch(
      ['--hold', '-p', 'debug', '-J', 'dark row', '-t', '5'].concat([
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
      await expect(row).toHaveAttribute('aria-selected', 'true');
      await page.mouse.move(0, 0); // selected, not hovered
      for (const part of ['.jp-HpcQueue-id', '.jp-HpcQueue-name']) {
        expect(await contrast(row.locator(part))).toBeGreaterThanOrEqual(4.5);
      }
    } finally {
      execFileSync('scancel', [id]);
    }
  });

  test('heat-map labels are readable on empty and full nodes', async ({
    page
  }) => {
    await darkPanel(page);
    // node4 full, so tiles from empty to full are on the map
    const id = sbatch(
      ['-p', 'batch', '-w', 'node4', '--exclusive'].concat([
        '-t',
        '5',
        '--wrap',
        'sleep 120'
      ])
    );
    try {
      await page.getByRole('tab', { name: 'Nodes', exact: true }).click();
      const full = page.locator(
        '.jp-HpcNodes-partition[data-partition="batch"] .jp-HpcNodes-cell[data-node="node4"]'
      );
      await expect(full).toHaveAttribute('data-fraction', '1.00', {
        timeout: 30_000
      });
      const labels = page.locator('.jp-HpcNodes-cellName');
      expect(await labels.count()).toBeGreaterThan(0);
      for (const label of await labels.all()) {
        const ratio = await contrast(label);
        expect(ratio, await label.textContent()).toBeGreaterThanOrEqual(4.5);
      }
      // used/total, drawn after each name
      const tiles = page.locator('.jp-HpcNodes-cell[data-use]');
      expect(await tiles.count()).toBeGreaterThan(0);
      for (const tile of await tiles.all()) {
        const ratio = await contrast(tile, '::after');
        expect(
          ratio,
          await tile.getAttribute('data-use')
        ).toBeGreaterThanOrEqual(4.5);
      }
    } finally {
      execFileSync('scancel', [id]);
    }
  });
});
