/**
 * Render timings of the panel in Chromium, on synthetic scheduler state fed to the real model.
 *
 * The model is the service of the 'hpc-lab-ext:plugin' plugin (galata's in-page helper
 * `getPlugin` returns it); `handleMessage` applies an updates-websocket message exactly as the
 * socket does. The real updates socket is routed to a silent stand-in first, so the server's
 * own snapshots and deltas cannot overwrite the synthetic state mid-measurement.
 *
 * Each figure is measured RUNS times: "dom" is from handing the message to the model until the
 * DOM shows the result, "paint" until the frame after it (requestAnimationFrame, then a task).
 * The figures are printed and written to test-results/perf.json; the assertions are only loose
 * sanity bounds (10× the goal) so that a busy machine does not fail the suite.
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

const RUNS = 5;
const JOBS = 10_000;
const NODES = 1_000;

/** The goals, in ms, measured to paint. */
const GOALS: Record<string, number> = {
  'render 10k queue rows': 150,
  'apply a 1% delta (100 jobs)': 30,
  'heat map of 1,000 nodes': 100
};

interface ITiming {
  dom: number;
  paint: number;
}

interface IFigure {
  name: string;
  goal: number | null;
  runs: ITiming[];
  median: ITiming;
  max: ITiming;
}

function summarize(name: string, runs: ITiming[]): IFigure {
  const stat = (pick: (t: ITiming) => number, f: (v: number[]) => number) =>
    Math.round(f(runs.map(pick)) * 10) / 10;
  const median = (v: number[]) => {
    const s = [...v].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  };
  const max = (v: number[]) => Math.max(...v);
  return {
    name,
    goal: GOALS[name] ?? null,
    runs,
    median: {
      dom: stat(t => t.dom, median),
      paint: stat(t => t.paint, median)
    },
    max: { dom: stat(t => t.dom, max), paint: stat(t => t.paint, max) }
  };
}

function table(figures: IFigure[]): string {
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (v: number) => v.toFixed(1).padStart(8);
  const lines = [
    `${pad('measurement', 30)}   goal  median dom  median paint  max dom  max paint`,
    ...figures.map(
      f =>
        `${pad(f.name, 30)} ${f.goal === null ? '     -' : String(f.goal).padStart(6)}` +
        `    ${num(f.median.dom)}      ${num(f.median.paint)}  ${num(f.max.dom)}   ${num(f.max.paint)}`
    )
  ];
  return lines.join('\n');
}

test.describe('HPC panel performance', () => {
  test('queue and heat map render times on synthetic snapshots', async ({
    page
  }) => {
    test.setTimeout(180_000);
    // A silent stand-in for the updates socket: nothing from the real scheduler arrives.
    let routed = 0;
    await page.routeWebSocket(/hpc-lab-ext\/api\/v1\/updates/, () => {
      routed++; // not connecting to the server keeps the socket open and quiet
    });
    // routing applies to pages loaded after it
    await page.goto();
    await page.sidebar.openTab('hpc-lab-ext-panel');
    await expect(page.locator('.jp-HpcQueue-toolbar')).toContainText(
      'updated',
      { timeout: 20_000 }
    );

    await expect.poll(() => routed, { timeout: 20_000 }).toBeGreaterThan(0);

    // Helpers in the page: synthetic records and a timer that waits for the DOM and a frame.
    await page.evaluate(async () => {
      const w = window as any;
      const model = await w.galata.getPlugin('hpc-lab-ext:plugin');
      model.scope = 'all';
      let version = 1e9;
      const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);
      const t = Date.now();
      const partitions = ['batch', 'debug', 'gpu', 'long'];
      const job = (i: number, mark = '') => {
        const running = i % 3 === 0;
        return {
          id: String(100000 + i),
          name: `synthetic job ${i}${mark}`,
          user: `user${i % 50}`,
          partition: partitions[i % 4],
          state: running ? 'RUNNING' : 'PENDING',
          reason: running ? 'None' : i % 5 === 0 ? 'Resources' : 'Priority',
          nodes: running ? `node${i % 1000}` : '',
          node_count: 1,
          cpus: 1 + (i % 32),
          memory_mb: 1024 * (1 + (i % 16)),
          memory_per_cpu: false,
          gres: i % 10 === 0 ? 'gpu:1' : '',
          submit_time: iso(t - 3600_000),
          start_time: iso(running ? t - (i % 3600) * 1000 : t + i * 1000),
          time_limit_s: 4 * 3600,
          elapsed_s: running ? i % 3600 : 0,
          priority: 100000 - i,
          array_job_id: null,
          array_task_id: null
        };
      };
      const node = (i: number) => ({
        name: `node${String(i).padStart(4, '0')}`,
        state: i % 97 === 0 ? 'down' : i % 41 === 0 ? 'drained' : 'mixed',
        reason: i % 97 === 0 ? 'Not responding' : '',
        partitions: [partitions[i % 4]],
        cpus_total: 64,
        cpus_alloc: (i * 7) % 65,
        memory_total_mb: 256000,
        memory_alloc_mb: (i * 5003) % 256000,
        gpus_total: i % 4 === 2 ? 4 : 0,
        gpus_alloc: i % 4 === 2 ? i % 5 : 0,
        load: (i % 64) / 2
      });
      const header = () => ({
        version: ++version,
        updated_at: Date.now() / 1000,
        stale: false,
        error: null,
        unreachable_since: null
      });
      const snapshot = (jobCount: number, nodeCount: number) => {
        const nodes = Array.from({ length: nodeCount }, (_, i) => node(i));
        return {
          type: 'snapshot',
          ...header(),
          jobs: Array.from({ length: jobCount }, (_, i) => job(i)),
          nodes,
          partitions: partitions.map(name => ({
            name,
            state: 'up',
            default: name === 'batch',
            nodes: nodes.filter(n => n.partitions[0] === name).map(n => n.name),
            max_time_s: 86400,
            default_time_s: 3600,
            max_nodes: null,
            cpus_total: 0,
            gpus_total: 0
          }))
        };
      };
      /** 100 jobs changed: the first 20 (in view) and 80 spread over the rest. */
      const delta = (jobCount: number, mark: string) => {
        const changed = [];
        for (let i = 0; i < 20; i++) {
          changed.push(i);
        }
        for (let k = 1; k <= 80; k++) {
          changed.push(Math.floor((k * jobCount) / 81));
        }
        return {
          type: 'delta',
          from: model.version,
          ...header(),
          jobs: { upsert: changed.map(i => job(i, mark)), remove: [] },
          nodes: { upsert: [], remove: [] },
          partitions: { upsert: [], remove: [] }
        };
      };
      const panel = document.querySelector('.jp-HpcPanel')!;
      /** Time from `apply()` until `done()` holds in the DOM, and until the next frame. */
      const measure = (apply: () => void, done: () => boolean) =>
        new Promise<{ dom: number; paint: number }>((resolve, reject) => {
          let t0 = 0;
          let dom: number | null = null;
          const timer = setTimeout(() => {
            observer.disconnect();
            reject(new Error('the DOM never showed the result'));
          }, 20_000);
          const check = () => {
            if (dom === null && done()) {
              dom = performance.now() - t0;
              observer.disconnect();
              clearTimeout(timer);
              requestAnimationFrame(() =>
                setTimeout(
                  () => resolve({ dom: dom!, paint: performance.now() - t0 }),
                  0
                )
              );
            }
          };
          const observer = new MutationObserver(check);
          observer.observe(panel, {
            subtree: true,
            childList: true,
            characterData: true,
            attributes: true
          });
          t0 = performance.now();
          apply();
          check();
        });
      w.hpcPerf = { model, snapshot, delta, measure };
    });

    const figures: IFigure[] = [];

    // 1. 10,000 jobs land in an empty queue.
    const render: ITiming[] = [];
    const parse: ITiming[] = [];
    for (let run = 0; run < RUNS; run++) {
      render.push(
        await page.evaluate(async jobs => {
          const { model, snapshot, measure } = (window as any).hpcPerf;
          const count = () =>
            document.querySelector('.jp-HpcQueue-count')?.textContent ?? '';
          await measure(
            () => model.handleMessage(snapshot(0, 4)),
            () =>
              count() === '0 jobs' || !!document.querySelector('.jp-HpcEmpty')
          );
          const message = snapshot(jobs, 4);
          return measure(
            () => model.handleMessage(message),
            () =>
              count() === `${jobs} jobs` &&
              document.querySelector(
                '.jp-HpcQueue-row[data-job-id="100000"]'
              ) !== null
          );
        }, JOBS)
      );
      // for information: what the socket spends turning the text into a message
      parse.push(
        await page.evaluate(jobs => {
          const { snapshot } = (window as any).hpcPerf;
          const text = JSON.stringify(snapshot(jobs, 4));
          const t0 = performance.now();
          JSON.parse(text);
          const ms = performance.now() - t0;
          return { dom: ms, paint: ms };
        }, JOBS)
      );
    }
    const rendered = await page.locator('.jp-HpcQueue-row').count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(200); // a window, not 10,000 rows
    figures.push(summarize('render 10k queue rows', render));
    figures.push(summarize('JSON.parse 10k snapshot (info)', parse));

    // 2. A delta that changes 100 of the 10,000 jobs, the first rows among them.
    const deltas: ITiming[] = [];
    for (let run = 0; run < RUNS; run++) {
      deltas.push(
        await page.evaluate(
          ([jobs, mark]) => {
            const { model, delta, measure } = (window as any).hpcPerf;
            const message = delta(jobs, mark);
            return measure(
              () => model.handleMessage(message),
              () =>
                (
                  document.querySelector(
                    '.jp-HpcQueue-row[data-job-id="100005"]'
                  )?.textContent ?? ''
                ).includes(mark as string)
            );
          },
          [JOBS, ` Δ${run}`] as [number, string]
        )
      );
    }
    figures.push(summarize('apply a 1% delta (100 jobs)', deltas));
    await expect(page.locator('.jp-HpcQueue-count')).toHaveText(`${JOBS} jobs`);

    // 3. The Nodes section with 1,000 nodes in four partitions.
    await page.getByRole('tab', { name: 'Nodes', exact: true }).click();
    const heat: ITiming[] = [];
    for (let run = 0; run < RUNS; run++) {
      heat.push(
        await page.evaluate(async nodes => {
          const { model, snapshot, measure } = (window as any).hpcPerf;
          const cells = () =>
            document.querySelectorAll('.jp-HpcNodes-cell').length;
          await measure(
            () => model.handleMessage(snapshot(0, 8)),
            () => cells() === 8
          );
          const message = snapshot(0, nodes);
          return measure(
            () => model.handleMessage(message),
            () => cells() === nodes
          );
        }, NODES)
      );
    }
    figures.push(summarize('heat map of 1,000 nodes', heat));

    console.log(
      `\nHPC panel timings in Chromium, ms (${RUNS} runs each)\n${table(figures)}\n`
    );
    const out = path.resolve(__dirname, '..', 'test-results', 'perf.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(
      out,
      JSON.stringify(
        {
          measured_at: new Date().toISOString(),
          browser: page.context().browser()?.version() ?? null,
          runs: RUNS,
          figures
        },
        null,
        2
      )
    );

    for (const figure of figures) {
      if (figure.goal !== null) {
        expect(figure.median.paint).toBeLessThan(figure.goal * 10);
      }
    }
  });
});
