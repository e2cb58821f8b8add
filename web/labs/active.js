// Lab 1: active learning of a two-layer ReLU network by cutting planes on its convex reformulation
// (Zhang, Zhang, Pilanci, ICML 2025). The engine holds the experiment; this page draws the centre
// network's decision field, the pool, the queried and cut points, and the learning curve.

import uPlot from '../pkg/vendor/uPlot.esm.js';
import { bindControl } from '../state.js';
import { drawField, drawPoints } from '../plot/heatmap.js';
import { showFieldError, clearFieldErrors } from '../errors.js';

export const title = 'Active learning by cutting planes';

const PRESETS = ['spiral', 'moons', 'xor', 'circles', 'blobs'];
const FIELD = 64; // heatmap resolution (values per side)
const SIZE = 420; // canvas CSS size

export async function render(container, app) {
  container.innerHTML = `
    <section class="card">
      <h2>${title}</h2>
      <p>A two-layer ReLU network is trained <em>without gradients</em>: each label the current network gets
      wrong becomes a cut of the version space of its convex reformulation (Theorem 4.1), and the next network
      is the analytic centre of what is left. Blue circles are +1, orange squares −1; hollow marks are held-out
      test points, black rings the cuts, dashed rings the last queries.</p>
      <form class="controls" id="active-form" novalidate>
        <label class="control">Data
          <select id="active-data">${PRESETS.map((p) => `<option>${p}</option>`).join('')}</select>
          <span class="field-error" data-error-for="active.data"></span></label>
        <label class="control">Points
          <input id="active-n" type="number" min="4" max="10000">
          <span class="field-error" data-error-for="active.data.n"></span></label>
        <label class="control">Noise
          <input id="active-noise" type="number" min="0" max="1" step="0.05">
          <span class="field-error" data-error-for="active.data.noise"></span></label>
        <label class="control">Data seed
          <input id="active-seed" type="number" min="0"></label>
        <label class="control">Gates P
          <input id="active-gates" type="number" min="1" max="20000">
          <span class="field-error" data-error-for="active.gates"></span></label>
        <label class="control">Gate seed
          <input id="active-gate-seed" type="number" min="0"></label>
        <label class="control">Query rule
          <select id="active-query">
            <option value="confident_pair">most confident pair (paper, spiral)</option>
            <option value="least_confident">least confident (paper, sentiment)</option>
          </select></label>
        <label class="control">Cut budget
          <input id="active-budget" type="number" min="1" max="2000">
          <span class="field-error" data-error-for="active.budget_cuts"></span></label>
        <button type="submit" id="active-reset" title="New experiment with these settings">Reset</button>
      </form>
      <div class="lab-row">
        <div class="field" style="width:${SIZE}px;height:${SIZE}px">
          <canvas id="active-field" class="field-canvas" aria-hidden="true"></canvas>
          <canvas id="active-points" class="points-canvas" role="img" aria-label="pool and test points"></canvas>
        </div>
        <div class="side">
          <div class="buttons">
            <button id="active-step" aria-keyshortcuts="s" title="One round (key S)">Step</button>
            <button id="active-run" aria-keyshortcuts="r" title="Until a budget is spent or the pool runs out (key R)">Run to end</button>
            <button id="active-copy" class="secondary" title="Copy this run's config as JSON, for the CLI">Copy config</button>
          </div>
          <p id="active-status" class="progress" aria-live="polite"></p>
          <dl class="stats" id="active-stats"></dl>
          <div id="active-curve" class="curve"></div>
        </div>
      </div>
      <p class="paper-note">The paper reports 0.93 test accuracy after 20 cuts and 0.98 after 25 on its spiral.
      With the paper's own protocol (80-point pool, most confident pair, each wrong label a cut) a faithful
      implementation runs out of pool points before 20 cuts; the numbers above are what this one gives.</p>
    </section>`;

  const $ = (sel) => container.querySelector(sel);
  const defaults = await app.engine.request('activeDefaultConfig');
  const get = {
    data: bindControl($('#active-data'), 'active_data', defaults.data.preset),
    n: bindControl($('#active-n'), 'active_n', defaults.data.n),
    noise: bindControl($('#active-noise'), 'active_noise', defaults.data.noise),
    seed: bindControl($('#active-seed'), 'active_seed', defaults.data.seed),
    gates: bindControl($('#active-gates'), 'active_gates', defaults.gates),
    gateSeed: bindControl($('#active-gate-seed'), 'active_gate_seed', defaults.gate_seed),
    query: bindControl($('#active-query'), 'active_query', defaults.query),
    budget: bindControl($('#active-budget'), 'active_budget', defaults.budget_cuts),
  };
  const num = (v) => (v === '' ? NaN : Number(v));
  const config = () => ({
    ...defaults,
    data: { ...defaults.data, preset: get.data(), n: num(get.n()), noise: num(get.noise()), seed: num(get.seed()) },
    gates: num(get.gates()),
    gate_seed: num(get.gateSeed()),
    query: get.query(),
    budget_cuts: num(get.budget()),
  });

  const view = { dataset: null, bounds: null, snapshot: null, curve: [[], []], plot: null, busy: false };
  const status = $('#active-status');

  async function reset() {
    clearFieldErrors(container);
    const cfg = config();
    const bad = Object.entries({ 'active.data.n': cfg.data.n, 'active.data.noise': cfg.data.noise, 'active.gates': cfg.gates, 'active.budget_cuts': cfg.budget_cuts })
      .find(([, v]) => !Number.isFinite(v));
    if (bad) {
      showFieldError(container, Object.assign(new Error(`${bad[0]} must be a number`), { field: bad[0] }));
      return;
    }
    try {
      status.textContent = 'Sampling activation patterns…';
      const r = await app.engine.request('activeNew', { config: cfg });
      view.dataset = r.dataset;
      view.bounds = squareBounds(r.dataset);
      view.report = r.report;
      view.curve = [[0], [r.snapshot.test_accuracy ?? NaN]];
      await show(r.snapshot);
      status.textContent = `${r.report.patterns} distinct activation patterns, ${r.report.parameters} parameters. Press Step (S) or Run (R).`;
    } catch (err) {
      status.textContent = '';
      if (!showFieldError(container, err)) status.textContent = `Error: ${err.message}`;
    }
  }

  async function show(snapshot) {
    view.snapshot = snapshot;
    const [x0, x1, y0, y1] = view.bounds;
    const field = await app.engine.request('activeGrid', { nx: FIELD, ny: FIELD, bounds: [x0, x1, y0, y1] });
    drawField($('#active-field'), field, FIELD, FIELD);
    drawPoints($('#active-points'), points(view.dataset, snapshot), { lo: x0, hi: x1, size: SIZE });
    stats(snapshot);
    curve(snapshot);
  }

  function stats(s) {
    const rows = [
      ['round', s.round],
      ['labels used', s.labels_used],
      ['cuts', s.cuts],
      ['constraints', s.cuts * (1 + 2 * view.report.patterns)],
      ['test accuracy', s.test_accuracy === null ? '–' : s.test_accuracy.toFixed(3)],
      ['Newton steps (last centre)', s.newton_steps],
      ['log det Hessian (version-space size proxy)', Number.isFinite(s.log_det) ? s.log_det.toFixed(1) : '–'],
      ['state', s.stopped ? `stopped: ${s.stopped.replaceAll('_', ' ')}` : 'running'],
    ];
    $('#active-stats').innerHTML = rows.map(([k, v]) => `<dt>${k}</dt><dd data-stat="${k}">${v}</dd>`).join('');
  }

  function curve(s) {
    const [xs, ys] = view.curve;
    if (xs[xs.length - 1] !== s.labels_used) {
      xs.push(s.labels_used);
      ys.push(s.test_accuracy ?? NaN);
    }
    const el = $('#active-curve');
    if (!view.plot) {
      view.plot = new uPlot({
        width: Math.min(420, el.clientWidth || 420), height: 200,
        scales: { x: { time: false }, y: { range: [0, 1] } },
        axes: [{ label: 'labels used' }, { label: 'test accuracy' }],
        series: [{}, { label: 'centre network', stroke: '#0072B2', width: 2, points: { show: true } }],
      }, [xs, ys], el);
    } else view.plot.setData([xs, ys]);
  }

  async function step() {
    if (view.busy || !view.snapshot || view.snapshot.stopped) return;
    view.busy = true;
    try {
      await show(await app.engine.request('activeStep'));
      status.textContent = describe(view.snapshot);
    } catch (err) {
      status.textContent = `Error: ${err.message}`;
    } finally {
      view.busy = false;
    }
  }

  async function runToEnd() {
    if (view.busy || !view.snapshot || view.snapshot.stopped) return;
    view.busy = true;
    try {
      const report = await app.engine.request('activeRun', {}, (s) => {
        status.textContent = `Running: ${s.cuts} cuts, ${s.labels_used} labels…`;
        curve(s);
      });
      view.report = report;
      await show(await app.engine.request('activeSnapshot'));
      status.textContent = describe(view.snapshot);
    } catch (err) {
      status.textContent = `Error: ${err.message}`;
    } finally {
      view.busy = false;
    }
  }

  $('#active-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    view.plot?.destroy();
    view.plot = null;
    reset();
  });
  $('#active-step').addEventListener('click', step);
  $('#active-run').addEventListener('click', runToEnd);
  $('#active-copy').addEventListener('click', async () => {
    const text = JSON.stringify(config(), null, 2);
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = 'Config copied: run it with convexlab active --config file.json';
    } catch {
      status.textContent = text;
    }
  });
  const onKey = (ev) => {
    if (!container.isConnected) return removeEventListener('keydown', onKey);
    if (ev.target.closest?.('input, select, textarea') || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === 's' || ev.key === 'S') step();
    if (ev.key === 'r' || ev.key === 'R') runToEnd();
  };
  addEventListener('keydown', onKey);
  await reset();
}

function describe(s) {
  const q = s.queries.map((q) => `point ${q.point} is ${q.label > 0 ? '+1' : '−1'}${q.cut ? ' (wrong: cut)' : ''}`).join('; ');
  return s.stopped ? `Stopped: ${s.stopped.replaceAll('_', ' ')}.` : q ? `Round ${s.round}: ${q}.` : '';
}

/** The square view around the data, with a margin, as [x0, x1, y0, y1]. */
function squareBounds(d) {
  const xs = [...d.train_x, ...d.test_x];
  let lo = Math.min(...xs), hi = Math.max(...xs);
  const pad = 0.08 * (hi - lo || 1);
  lo -= pad;
  hi += pad;
  return [lo, hi, lo, hi];
}

function points(d, s) {
  const cut = new Set(s.cut_points);
  const queried = new Set(s.queries.map((q) => q.point));
  const out = [];
  for (let i = 0; i < d.train_y.length; i++) {
    out.push({ x: d.train_x[2 * i], y: d.train_x[2 * i + 1], label: d.train_y[i], kind: 'pool', cut: cut.has(i), queried: queried.has(i) });
  }
  for (let i = 0; i < d.test_y.length; i++) {
    out.push({ x: d.test_x[2 * i], y: d.test_x[2 * i + 1], label: d.test_y[i], kind: 'test' });
  }
  return out;
}
