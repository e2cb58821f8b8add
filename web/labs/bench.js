// The Benchmarks page: the kernel suite timed in both wasm builds (and natively, when
// `cargo xtask bench` has written pkg/bench-native.json), side by side in GFLOP/s. The yardstick for
// later speed work. Also checks that each build reproduces the native reference digest bit for bit.

import { Engine } from '../engine.js';
import { bindControl } from '../state.js';
import { drawBars } from '../plot/bars.js';
import { showFieldError, clearFieldErrors } from '../errors.js';

export const title = 'Benchmarks';

const KERNELS = ['matmul', 'cholesky_solve', 'svd', 'parallel_matmul', 'active_spiral'];
const LABELS = {
  matmul: 'matrix product (nalgebra)',
  cholesky_solve: 'Cholesky + solve',
  svd: 'SVD',
  parallel_matmul: 'parallel product (rayon)',
  active_spiral: 'lab 1: spiral run, P gates',
};

export async function render(container, app) {
  container.innerHTML = `
    <section class="card">
      <h2>Benchmarks</h2>
      <p>Dense kernels timed inside each WebAssembly build of the engine: the single-threaded one (any host)
      and the threaded one (hosts that send cross-origin isolation headers). Each figure is the median of
      repeated runs after a warm-up; GFLOP/s is the kernel's flop count over that median.</p>
      <form class="controls" id="bench-form" novalidate>
        <label class="control">Kernel
          <select id="bench-kernel"><option value="all">whole suite</option>
            ${KERNELS.map((k) => `<option value="${k}">${LABELS[k]}</option>`).join('')}</select>
        </label>
        <label class="control">Size n
          <input id="bench-n" type="number" min="1" max="2048" placeholder="suite sizes" inputmode="numeric">
          <span class="field-error" data-error-for="bench.n" role="alert"></span>
        </label>
        <label class="control">Builds
          <select id="bench-builds"><option value="both">st and mt</option><option value="st">st only</option><option value="mt">mt only</option></select>
        </label>
        <label class="control"><input id="bench-quick" type="checkbox"> quick (0.2 s per kernel)</label>
        <button type="submit" id="bench-run" disabled>Run benchmarks</button>
      </form>
      <p id="bench-progress" class="progress" aria-live="polite"></p>
      <h3>Dense kernels (GFLOP/s, higher is better)</h3>
      <div class="chart"><canvas id="bench-chart"></canvas></div>
      <table id="bench-table" class="numbers"><thead></thead><tbody></tbody></table>
      <h3>Lab workloads (ms per run, lower is better)</h3>
      <p class="note">Lab 1: one full run of the paper's spiral protocol (P gates, most confident pair) until the
      80-point pool runs out. Targets: under 100 ms natively single-threaded, under 500 ms in the page
      single-threaded.</p>
      <div class="chart"><canvas id="bench-lab-chart"></canvas></div>
      <table id="bench-lab-table" class="numbers"><thead></thead><tbody></tbody></table>
    </section>
    <section class="card">
      <h2>Same seed, same bits</h2>
      <p>A seeded computation (Gaussian matrix, product, Cholesky solve, exp/log/cos) must give identical
      bits natively and in both builds. Digest of its output:</p>
      <ul id="digests"></ul>
    </section>`;

  const get = {
    kernel: bindControl(container.querySelector('#bench-kernel'), 'bench_kernel', 'all'),
    n: bindControl(container.querySelector('#bench-n'), 'bench_n', ''),
    builds: bindControl(container.querySelector('#bench-builds'), 'bench_builds', 'both'),
    quick: bindControl(container.querySelector('#bench-quick'), 'bench_quick', '0'),
  };
  const progress = container.querySelector('#bench-progress');
  const results = { native: await loadNative() };
  draw(container, results);

  const engines = { [app.engine.flavour]: app.engine };
  const engineFor = (f) => (engines[f] ??= new Engine(f));
  const canThread = app.engine.flavour === 'mt' || globalThis.crossOriginIsolated;

  showDigests(container, app, engineFor, canThread, results.native);

  container.querySelector('#bench-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFieldErrors(container);
    const button = container.querySelector('#bench-run');
    button.disabled = true;
    try {
      const suite = await app.engine.request('suite');
      let cases = get.kernel() === 'all' ? suite : suite.filter(([k]) => k === get.kernel());
      if (get.n() !== '') {
        const n = Number(get.n());
        const kernels = get.kernel() === 'all' ? KERNELS : [get.kernel()];
        cases = kernels.map((k) => [k, n]);
      }
      let flavours = get.builds() === 'both' ? ['st', 'mt'] : [get.builds()];
      if (!canThread && flavours.includes('mt')) {
        flavours = flavours.filter((f) => f !== 'mt');
        progress.dataset.note = 'mt skipped: this host sends no cross-origin isolation headers.';
      }
      for (const f of flavours) results[f] = [];
      const total = cases.length * flavours.length;
      let done = 0;
      for (const f of flavours) {
        const engine = engineFor(f);
        for (const [kernel, n] of cases) {
          progress.textContent = `Running ${LABELS[kernel]} n = ${n} on ${f} (${done + 1} of ${total})…`;
          const t = await engine.request('bench', { kernel, n, budgetMs: get.quick() ? 200 : 1000 });
          results[f].push(t);
          done += 1;
          draw(container, results);
        }
      }
      progress.textContent = `Done: ${total} timings. ${progress.dataset.note ?? ''}`;
    } catch (err) {
      progress.textContent = '';
      if (!showFieldError(container, err)) progress.textContent = `Error: ${err.message}`;
    } finally {
      button.disabled = false;
    }
  });
  // Enabled only now: a click before the handler exists would submit the form and reload the page.
  container.querySelector('#bench-run').disabled = false;
}

/** Native figures, when `cargo xtask bench` wrote them (pkg/manifest.json says so). */
async function loadNative() {
  try {
    const manifest = await (await fetch('pkg/manifest.json')).json();
    if (!manifest.bench_native) return null;
    return await (await fetch('pkg/bench-native.json')).json();
  } catch {
    return null;
  }
}

function draw(container, results) {
  const series = [];
  const add = (name, timings) => timings?.length && series.push([name, timings]);
  add('wasm st', results.st);
  add(`wasm mt (${results.mt?.[0]?.threads ?? '?'} threads)`, results.mt);
  if (results.native) add(`native (${results.native.threads} threads, build machine)`, results.native.timings);
  const isLab = (t) => t.gflops === null || t.gflops === undefined;
  drawSection(container, '#bench-chart', '#bench-table', series, (t) => !isLab(t), {
    unit: 'GFLOP/s', value: (t) => t.gflops, cell: (t) => `${(t.seconds * 1e3).toFixed(2)} · ${t.gflops.toFixed(2)}`, head: 'ms · GFLOP/s',
  });
  drawSection(container, '#bench-lab-chart', '#bench-lab-table', series, isLab, {
    unit: 'ms', value: (t) => t.seconds * 1e3, cell: (t) => `${(t.seconds * 1e3).toFixed(1)}${t.detail ? ` (${t.detail})` : ''}`, head: 'ms per run',
  });
}

/** One chart and table: rows are (kernel, n) cases passing `keep`, columns the series. */
function drawSection(container, chartSel, tableSel, series, keep, { unit, value, cell, head }) {
  const byCase = new Map();
  for (const [name, timings] of series) {
    for (const t of timings.filter(keep)) {
      const key = `${t.kernel} n=${t.n}`;
      if (!byCase.has(key)) byCase.set(key, { label: `${LABELS[t.kernel] ?? t.kernel}, n=${t.n}`, values: {}, cells: {} });
      byCase.get(key).values[name] = value(t);
      byCase.get(key).cells[name] = cell(t);
    }
  }
  const rows = [...byCase.values()];
  const names = series.map(([name]) => name).filter((name) => rows.some((r) => r.values[name] !== undefined));
  const canvas = container.querySelector(chartSel);
  const table = container.querySelector(tableSel);
  canvas.hidden = table.hidden = rows.length === 0;
  if (rows.length === 0) return;
  drawBars(canvas, { rows, series: names, unit });
  table.tHead.innerHTML = `<tr><th>kernel</th>${names.map((s) => `<th>${s}<br>${head}</th>`).join('')}</tr>`;
  table.tBodies[0].innerHTML = rows
    .map((r) => `<tr><td>${r.label}</td>${names
      .map((s) => (r.values[s] === undefined ? '<td>–</td>' : `<td data-series="${s}">${r.cells[s]}</td>`))
      .join('')}</tr>`)
    .join('');
}

async function showDigests(container, app, engineFor, canThread, native) {
  const list = container.querySelector('#digests');
  const flavours = canThread ? ['st', 'mt'] : ['st'];
  const items = [];
  if (native?.digest) items.push(['native', native.digest]);
  for (const f of flavours) {
    try {
      const d = await engineFor(f).request('digest', { seed: 42 });
      items.push([`wasm ${f}`, d.digest]);
    } catch (err) {
      items.push([`wasm ${f}`, `error: ${err.message}`]);
    }
  }
  const all = new Set(items.map(([, d]) => d));
  list.innerHTML = items.map(([who, d]) => `<li><b>${who}</b>: <code>${d}</code></li>`).join('') +
    `<li class="verdict" data-agree="${all.size === 1}">${all.size === 1 ? 'All builds agree bit for bit.' : 'The builds disagree: please report this.'}</li>`;
}
