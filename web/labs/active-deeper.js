// Lab 1's deeper network: the three-layer construction of the paper (Theorem 4.2) run on the lab's
// dataset and protocol, its centre network's decision field drawn beside the numbers. It runs in a
// second engine, so the two-layer lab above stays usable (a run takes about a second natively).

import { Engine } from '../engine.js';
import { bindControl } from '../state.js';
import { drawField, drawPoints } from '../plot/heatmap.js';
import { showFieldError, clearFieldErrors } from '../errors.js';

const FIELD = 64;
const SIZE = 260;

/**
 * Renders the panel into `section`. `lab()` returns { config, bounds, points } of the two-layer lab
 * now (config as the lab runs it; points as drawPoints wants), or throws an Error with a `field`.
 */
export function renderDeeper(section, app, lab) {
  section.innerHTML = `
    <h2>Deeper network: three layers (Theorem 4.2)</h2>
    <p>The same cutting planes on a three-layer ReLU network: a random first layer gives the inner activation
    patterns, a random second layer the outer ones, and each cut adds the prediction row with every inner and outer
    sign row. Runs the lab's dataset and protocol to the end (planar presets; the pool rules).</p>
    <form class="controls" id="deep-form" novalidate>
      <label class="control">Inner gates P1
        <input id="deep-inner" type="number" min="1" max="2000">
        <span class="field-error" data-error-for="active3.inner_gates"></span></label>
      <label class="control">Outer gates P2
        <input id="deep-outer" type="number" min="1" max="2000">
        <span class="field-error" data-error-for="active3.outer_gates"></span>
        <span class="field-error" data-error-for="active3.budget_cuts"></span></label>
      <button type="submit" id="deep-run" disabled>Run three layers</button>
      <span class="field-error" data-error-for="active3.query"></span>
      <span class="field-error" data-error-for="active3.data"></span>
    </form>
    <div class="final-row" id="deep-out" hidden>
      <figure><div class="field" style="width:${SIZE}px;height:${SIZE}px"><canvas id="deep-field" class="field-canvas" aria-hidden="true"></canvas><canvas id="deep-points" class="points-canvas" aria-hidden="true"></canvas></div>
        <figcaption id="deep-caption"></figcaption></figure>
    </div>
    <p id="deep-status" class="progress" aria-live="polite"></p>`;
  const $ = (sel) => section.querySelector(sel);
  const get = {
    inner: bindControl($('#deep-inner'), 'deep_inner', 50),
    outer: bindControl($('#deep-outer'), 'deep_outer', 100),
  };
  const status = $('#deep-status');
  let engine = null;

  async function run() {
    clearFieldErrors(section);
    let now;
    try {
      now = lab();
    } catch (err) {
      if (!showFieldError(section, err)) status.textContent = `Error: ${err.message}`;
      return;
    }
    const c = now.config;
    const config = {
      data: c.data, gate_seed: c.gate_seed, radius: c.radius, query: c.query,
      budget_cuts: c.budget_cuts, budget_labels: c.budget_labels,
      inner_gates: Number(get.inner()), outer_gates: Number(get.outer()),
    };
    $('#deep-run').disabled = true;
    status.textContent = 'Running the three-layer network to the end…';
    const t0 = performance.now();
    try {
      engine ??= new Engine(app.engine.flavour);
      const [x0, x1, y0, y1] = now.bounds;
      const { report, grid } = await engine.request('activeThreeLayer', { config, nx: FIELD, ny: FIELD, bounds: [x0, x1, y0, y1] });
      $('#deep-out').hidden = false;
      drawField($('#deep-field'), grid, FIELD, FIELD);
      const cut = new Set(report.cut_points);
      drawPoints($('#deep-points'), now.points.map((p, i) => ({ ...p, cut: p.kind === 'pool' && cut.has(i), queried: false })), { lo: x0, hi: x1, size: SIZE });
      const acc = report.test_accuracy === null ? '–' : report.test_accuracy.toFixed(3);
      $('#deep-caption').textContent = `Three-layer centre: test accuracy ${acc}`;
      status.textContent = `${report.inner_patterns} inner and ${report.outer_patterns} outer patterns, ${report.parameters} parameters, ` +
        `${report.rows_per_cut} rows per cut; ${report.cuts} cuts, ${report.labels_used} labels` +
        `${report.stop ? `, stopped: ${report.stop.replaceAll('_', ' ')}` : ''}; at most ${report.newton_steps_max} Newton steps per centre; ` +
        `${((performance.now() - t0) / 1000).toFixed(1)} s.`;
    } catch (err) {
      if (!showFieldError(section, err)) status.textContent = `Error: ${err.message}`;
      else status.textContent = '';
    } finally {
      $('#deep-run').disabled = false;
    }
  }

  $('#deep-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    run();
  });
  const watch = setInterval(() => {
    if (!section.isConnected) {
      engine?.terminate();
      clearInterval(watch);
    }
  }, 1000);
  $('#deep-run').disabled = false;
}
