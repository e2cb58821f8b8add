// Lab 1: active learning of a two-layer ReLU network by cutting planes on its convex reformulation
// (Zhang, Zhang, Pilanci, ICML 2025). The engine holds the experiment; this page draws the centre
// network's decision field, the pool, the queried and cut points, and the learning curve.

import uPlot from '../pkg/vendor/uPlot.esm.js';
import { bindControl, readHash } from '../state.js';
import { drawField, drawPoints } from '../plot/heatmap.js';
import { showFieldError, clearFieldErrors } from '../errors.js';
import { loadPoints, savePoints, loadAnswers, saveAnswers } from './active-points.js';
import { renderCompare } from './active-compare.js';
import { renderDeeper } from './active-deeper.js';
import { bindCsv } from './active-csv.js';
import { bindFinalSolve } from './active-final.js';
import { drawRegression } from '../plot/regression.js';

export const title = 'Active learning by cutting planes';

const PRESETS = ['spiral', 'moons', 'xor', 'circles', 'blobs', 'sentiment', 'quadratic'];
const DRAW_BOUNDS = [-1.1, 1.1, -1.1, 1.1];
const FIELD = 64; // heatmap resolution (values per side)
const SIZE = 420; // canvas CSS size

export async function render(container, app) {
  container.innerHTML = `
    <section class="card">
      <h2>${title}</h2>
      <p>A two-layer ReLU network is trained <em>without gradients</em>: each label the current network gets
      wrong becomes a cut of the version space of its convex reformulation (Theorem 4.1), and the next network
      is the analytic centre of what is left. Blue circles are +1, orange squares −1; hollow marks are held-out
      test points, black rings the cuts, dashed rings the last queries, diamonds points the learner made up itself
      (query synthesis).</p>
      <form class="controls" id="active-form" novalidate>
        <label class="control">Data
          <select id="active-data">${PRESETS.map((p) => `<option>${p}</option>`).join('')}<option value="draw">your points (draw)</option></select>
          <span class="field-error" data-error-for="active.data"></span></label>
        <label class="control">Points
          <input id="active-n" type="number" min="4" max="10000">
          <span class="field-error" data-error-for="active.data.n"></span></label>
        <label class="control" id="active-dims-control">Dimensions
          <input id="active-dims" type="number" min="1" max="8" title="Principal components of the word embeddings (sentiment only)">
          <span class="field-error" data-error-for="active.data.dims"></span></label>
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
            <option value="synthesis">query synthesis: ask about any point of the plane</option>
          </select></label>
        <label class="control">Oracle
          <select id="active-oracle">
            <option value="auto">the preset's labels (auto)</option>
            <option value="you">you answer</option>
          </select>
          <span class="field-error" data-error-for="active.oracle"></span></label>
        <label class="control">Cut budget
          <input id="active-budget" type="number" min="1" max="2000">
          <span class="field-error" data-error-for="active.budget_cuts"></span></label>
        <button type="submit" id="active-reset" title="New experiment with these settings" disabled>Reset</button>
      </form>
      <div class="csv-row">
        <label class="secondary file-button" title="x,y,label per line (labels ±1 or 0/1), optional header">Load CSV<input id="active-csv-file" type="file" accept=".csv,text/csv,text/plain"></label>
        <button type="button" id="active-csv-paste" class="secondary" aria-controls="active-csv-box">Paste CSV</button>
        <span class="field-error" id="active-csv-error" role="alert"></span>
        <div id="active-csv-box" hidden>
          <textarea id="active-csv-text" rows="6" cols="32" aria-label="CSV points: x,y,label per line" placeholder="x,y,label&#10;0.1,0.5,1&#10;-0.4,0.2,-1"></textarea>
          <button type="button" id="active-csv-use">Use these points</button>
        </div>
      </div>
      <div class="lab-row">
        <div class="field" style="width:${SIZE}px;height:${SIZE}px">
          <canvas id="active-field" class="field-canvas" aria-hidden="true"></canvas>
          <canvas id="active-points" class="points-canvas" tabindex="0" role="img" aria-label="pool and test points; in draw mode click to add a point"></canvas>
        </div>
        <div id="active-regression" class="regression" hidden role="img" aria-label="the centre network's fitted curve, the pool and the test points"></div>
        <p class="draw-help" id="active-draw-help" hidden>Draw mode: click adds an unlabelled point (the learner will ask you),
        shift-click a +1 point, ctrl- or alt-click a −1 point. Keyboard: focus the plot, move the cross with the arrow keys,
        Enter adds an unlabelled point, + and − labelled ones, Delete removes the last point.</p>
        <div class="side">
          <div class="buttons">
            <button id="active-step" aria-keyshortcuts="s" title="One round (key S)">Step</button>
            <button id="active-run" aria-keyshortcuts="r" title="Until a budget is spent or the pool runs out (key R)">Run to end</button>
            <button id="active-undo" class="secondary" aria-keyshortcuts="u" title="Take back your last answer (key U)">Undo</button>
            <button id="active-final-solve" class="secondary" aria-keyshortcuts="f" title="Refit on the cut points by the paper's convex program, shown beside the centre network (key F)">Final solve</button>
            <button id="active-copy" class="secondary" title="Copy this run's config as JSON, for the CLI">Copy config</button>
            <button id="active-export" class="secondary" title="Save the whole run (points, gates, answers) as JSON">Export run</button>
            <label class="secondary file-button">Import run<input id="active-import" type="file" accept="application/json,.json"></label>
          </div>
          <div id="active-ask" class="ask" hidden role="group" aria-label="Label the queried point">
            <span id="active-ask-text"></span>
            <button id="active-pos" aria-keyshortcuts="1" title="Key 1">+1 (blue)</button>
            <button id="active-neg" aria-keyshortcuts="2" title="Key 2" class="neg">−1 (orange)</button>
            <button id="active-truth" class="secondary" title="Answer with the preset's ground truth (key A)" aria-keyshortcuts="a">auto</button>
          </div>
          <p id="active-status" class="progress" aria-live="polite"></p>
          <dl class="stats" id="active-stats"></dl>
          <div id="active-curve" class="curve"></div>
        </div>
      </div>
      <div id="active-final" class="final-row" hidden aria-live="polite">
        <figure><div class="field" style="width:260px;height:260px"><canvas id="active-bfs-field" class="field-canvas" aria-hidden="true"></canvas><canvas id="active-bfs-points" class="points-canvas" aria-hidden="true"></canvas></div>
          <figcaption id="active-bfs-caption"></figcaption></figure>
        <figure><div class="field" style="width:260px;height:260px"><canvas id="active-afs-field" class="field-canvas" aria-hidden="true"></canvas><canvas id="active-afs-points" class="points-canvas" aria-hidden="true"></canvas></div>
          <figcaption id="active-afs-caption"></figcaption></figure>
        <p id="active-afs-detail" class="summary"></p>
        <p id="active-afs-stale" class="field-error" hidden></p>
      </div>
      <p class="paper-note">The paper reports 0.93 test accuracy after 20 cuts and 0.98 after 25 on its spiral.
      With the paper's own protocol (80-point pool, most confident pair, each wrong label a cut) a faithful
      implementation runs out of pool points before 20 cuts; the numbers above are what this one gives.</p>
    </section>
    <section class="card" id="active-deeper"></section>
    <section class="card" id="active-compare"></section>`;

  const $ = (sel) => container.querySelector(sel);
  const defaults = await app.engine.request('activeDefaultConfig');
  const get = {
    data: bindControl($('#active-data'), 'active_data', defaults.data.preset),
    n: bindControl($('#active-n'), 'active_n', defaults.data.n),
    dims: bindControl($('#active-dims'), 'active_dims', defaults.data.dims ?? 5),
    noise: bindControl($('#active-noise'), 'active_noise', defaults.data.noise),
    seed: bindControl($('#active-seed'), 'active_seed', defaults.data.seed),
    gates: bindControl($('#active-gates'), 'active_gates', defaults.gates),
    gateSeed: bindControl($('#active-gate-seed'), 'active_gate_seed', defaults.gate_seed),
    // The paper's rule for the sentiment words is the least-confident one (one word a round).
    query: bindControl($('#active-query'), 'active_query', readHash().get('active_data') === 'sentiment' ? 'least_confident' : defaults.query),
    budget: bindControl($('#active-budget'), 'active_budget', defaults.budget_cuts),
    oracle: bindControl($('#active-oracle'), 'active_oracle', 'auto'),
  };
  const num = (v) => (v === '' ? NaN : Number(v));
  const config = () => ({
    ...defaults,
    data: { ...defaults.data, preset: get.data() === 'draw' ? defaults.data.preset : get.data(), n: num(get.n()), dims: num(get.dims()), noise: num(get.noise()), seed: num(get.seed()) },
    gates: num(get.gates()),
    gate_seed: num(get.gateSeed()),
    query: get.query(),
    budget_cuts: num(get.budget()),
  });

  const view = {
    dataset: null, truth: null, bounds: null, snapshot: null, need: [], curve: [[], []], plot: null, busy: false,
    drawn: loadPoints(), answers: loadAnswers(), cursor: { x: 0, y: 0 },
  };
  const drawMode = () => get.data() === 'draw';
  const status = $('#active-status');
  const final = bindFinalSolve(container, app, () => ({
    snapshot: view.snapshot,
    regression: (view.dataset?.dim ?? 2) === 1,
    bounds: (view.dataset?.dim ?? 2) === 2 ? view.bounds : null,
    points: view.dataset && view.snapshot ? points(view.dataset, view.snapshot, new Set(), view.synthLabels) : [],
  }), (text) => (status.textContent = text));
  const showDims = () => ($('#active-dims-control').hidden = get.data() !== 'sentiment' || readHash().get('active_dims_hide') === '1');
  $('#active-data').addEventListener('change', showDims);
  $('#active-data').addEventListener('change', () => {
    const rule = $('#active-query');
    if (get.data() === 'sentiment' && rule.value === 'confident_pair') {
      rule.value = 'least_confident';
      rule.dispatchEvent(new Event('change'));
    }
  });
  showDims();

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
      await build(cfg);
    } catch (err) {
      status.textContent = '';
      if (!showFieldError(container, err)) status.textContent = `Error: ${err.message}`;
    }
  }

  /** Makes the experiment for the current mode and replays the person's answers so far. */
  async function build(cfg) {
    let r;
    view.truth = null;
    view.person = drawMode() || get.oracle() === 'you' ? { only: false } : null;
    view.synthLabels = new Map();
    final.clear();
    if (drawMode()) {
      if (view.drawn.length === 0) {
        view.dataset = { train_x: [], train_y: [], test_x: [], test_y: [] };
        view.bounds = drawBounds(view.drawn);
        view.snapshot = null;
        redrawPoints();
        status.textContent = 'Draw mode: click in the plot to add points, then press Step.';
        return;
      }
      const points = view.drawn.map((p, i) => ({ ...p, label: p.label ?? answerFor(i) }));
      r = await app.engine.request('activeNew', { config: cfg, points, test: [] });
    } else if (get.oracle() === 'you' && cfg.data.preset === 'quadratic') {
      throw Object.assign(new Error('the regression task reveals its targets from the preset: choose the auto oracle'), { field: 'active.oracle' });
    } else if (get.oracle() === 'you') {
      const d = await app.engine.request('activeDataset', { config: cfg });
      view.truth = d.train_y;
      if ((d.dim ?? 2) !== 2) {
        // Words (or any non-planar preset): the run keeps the preset's points and the person answers.
        view.person = { only: true };
        r = await app.engine.request('activeNew', { config: cfg });
      } else {
        const points = [];
        for (let i = 0; i < d.train_y.length; i++) points.push({ x: d.train_x[2 * i], y: d.train_x[2 * i + 1], label: answerFor(i) });
        const test = d.test_y.map((label, i) => ({ x: d.test_x[2 * i], y: d.test_x[2 * i + 1], label }));
        r = await app.engine.request('activeNew', { config: cfg, points, test });
      }
    } else {
      r = await app.engine.request('activeNew', { config: cfg });
    }
    view.dataset = r.dataset;
    view.bounds = drawMode() ? drawBounds(view.drawn) : squareBounds(r.dataset);
    view.report = r.report;
    // Before any label the centre is the ball's centre, theta = 0: its RMSE is that of predicting 0,
    // but it has no sign to score, so no accuracy is drawn there.
    view.curve = [[0], [r.snapshot.test_rmse ?? NaN]];
    view.need = [];
    // Replay the person's earlier answers: known labels are answered as the learner asks for them.
    const replayed = view.answers.length > 0 ? await advance(Infinity, true) : null;
    await show(replayed ?? r.snapshot);
    if (!replayed) status.textContent = `${r.report.patterns} distinct activation patterns, ${r.report.parameters} parameters. Press Step (S) or Run (R).`;
  }

  function answerFor(i) {
    const a = view.answers.find((a) => a.point === i);
    return a ? a.label : null;
  }

  /** Advances `rounds` rounds, or until the person must answer; shows who is asked. */
  async function advance(rounds, quiet = false) {
    const person = view.person ? { ...view.person, answers: Object.fromEntries(view.answers.map((a) => [a.point, a.label])) } : null;
    const r = await app.engine.request('activeAdvance', { rounds, person }, (s) => {
      status.textContent = `Running: ${s.cuts} cuts, ${s.labels_used} labels…`;
      curve(s);
    });
    view.need = r.need;
    view.snapshot = r.snapshot;
    if (!quiet) await show(r.snapshot);
    ask();
    return r.snapshot;
  }

  function ask() {
    const box = $('#active-ask');
    box.hidden = view.need.length === 0;
    if (box.hidden) return;
    const i = view.need[0];
    const [x, y] = coordsOf(i);
    const word = view.dataset.train_names?.[i];
    $('#active-ask-text').textContent = word
      ? `The learner asks: is “${word}” positive (+1) or negative (−1)? (point ${i}, ringed in pink)`
      : `The learner asks for the label of point ${i} at (${x.toFixed(2)}, ${y.toFixed(2)}), ringed in pink:`;
    $('#active-truth').hidden = !view.truth;
    status.textContent = 'Waiting for your label: key 1 for +1, key 2 for −1.';
    redrawPoints();
  }

  async function answer(label) {
    if (view.busy || view.need.length === 0) return;
    view.busy = true;
    const point = view.need[0];
    try {
      if (label === 'truth') {
        label = point < view.dataset.train_y.length
          ? view.truth[point]
          : await app.engine.request('groundTruth', { data: config().data, x: coordsOf(point) });
      }
      // Keep the answer first: an engine error must never lose what the person said.
      view.answers.push({ point, label });
      saveAnswers(view.answers);
      if (point < view.dataset.train_y.length) view.dataset.train_y[point] = label;
      else view.synthLabels.set(point, label);
      const s = await app.engine.request('activeAnswer', { point, label });
      view.need = s.pending ?? [];
      await show(s);
      if (view.need.length > 0) ask();
      else {
        $('#active-ask').hidden = true;
        status.textContent = describe(s);
      }
    } catch (err) {
      status.textContent = `Error: ${err.message}`;
    } finally {
      view.busy = false;
    }
  }

  async function undo() {
    if (view.busy || view.answers.length === 0) return;
    view.busy = true;
    try {
      view.answers.pop();
      saveAnswers(view.answers);
      view.plot?.destroy();
      view.plot = null;
      await build(config());
      if (view.need.length === 0 && view.answers.length > 0) status.textContent = 'Undone: the run is back where it was before your last answer.';
    } catch (err) {
      status.textContent = `Error: ${err.message}`;
    } finally {
      view.busy = false;
    }
  }

  /** The first two coordinates of pool point `i`, synthesised points included. */
  function coordsOf(i) {
    const d = view.dataset;
    const dim = d.dim ?? 2;
    const n0 = d.train_y.length;
    if (i < n0) return [d.train_x[dim * i], d.train_x[dim * i + 1]];
    const k = i - n0;
    const syn = view.snapshot?.synthesized ?? [];
    return [syn[dim * k], syn[dim * k + 1]];
  }

  function redrawPoints() {
    const [x0, x1] = view.bounds;
    const need = new Set(view.need);
    const pts = points(view.dataset, view.snapshot ?? { cut_points: [], queries: [] }, need, view.synthLabels);
    if (drawMode()) pts.push({ x: view.cursor.x, y: view.cursor.y, label: null, kind: 'cursor' });
    drawPoints($('#active-points'), pts, { lo: x0, hi: x1, size: SIZE });
  }

  async function show(snapshot) {
    view.snapshot = snapshot;
    if (snapshot.synthesized?.length) {
      // Labels of synthesised points: every query so far (the report) and this round's answers.
      const report = await app.engine.request('activeReport');
      for (const round of report.rounds) for (const q of round.queries) view.synthLabels.set(q.point, q.label);
      for (const q of snapshot.answered ?? []) view.synthLabels.set(q.point, q.label);
    }
    const [x0, x1, y0, y1] = view.bounds;
    if ((view.dataset.dim ?? 2) === 2) {
      const field = await app.engine.request('activeGrid', { nx: FIELD, ny: FIELD, bounds: [x0, x1, y0, y1] });
      drawField($('#active-field'), field, FIELD, FIELD);
    } else {
      // No decision field off the plane: the plot shows the first two coordinates of each point.
      drawField($('#active-field'), [0], 1, 1);
    }
    final.refresh(snapshot);
    const regression = (view.dataset.dim ?? 2) === 1;
    container.querySelector('.lab-row > .field').hidden = regression;
    $('#active-regression').hidden = !regression;
    if (regression) await drawFit(snapshot);
    redrawPoints();
    stats(snapshot);
    curve(snapshot);
  }

  /** The regression view: the centre network's curve with the pool (cut points marked) and test points. */
  async function drawFit(s) {
    const [x0, x1] = view.bounds;
    const n = 200;
    const fit = Array.from(await app.engine.request('activeCurve', { n, x0, x1 }));
    const grid = fit.map((_, k) => x0 + ((x1 - x0) * k) / (n - 1));
    const d = view.dataset;
    const cut = new Set(s.cut_points);
    view.fitPlot?.destroy();
    view.fitPlot = drawRegression($('#active-regression'), {
      grid, fit, size: SIZE,
      pool: d.train_x.map((x, i) => ({ x, y: d.train_y[i], cut: cut.has(i) })),
      test: d.test_x.map((x, i) => ({ x, y: d.test_y[i] })),
    });
  }

  function stats(s) {
    const rows = [
      ['round', s.round],
      ['labels used', s.labels_used],
      ['cuts', s.cuts],
      ['constraints', s.cuts * (1 + 2 * view.report.patterns)],
      s.test_rmse !== undefined && s.test_rmse !== null
        ? ['test RMSE', s.test_rmse.toExponential(2)]
        : ['test accuracy', s.test_accuracy === null || s.labels_used === 0 ? '–' : s.test_accuracy.toFixed(3)],
      ['Newton steps (last centre)', s.newton_steps],
      ['log det Hessian (version-space size proxy)', Number.isFinite(s.log_det) ? s.log_det.toFixed(1) : '–'],
      ['state', s.stopped ? `stopped: ${s.stopped.replaceAll('_', ' ')}` : 'running'],
    ];
    $('#active-stats').innerHTML = rows.map(([k, v]) => `<dt>${k}</dt><dd data-stat="${k}">${v}</dd>`).join('');
  }

  function curve(s) {
    const [xs, ys] = view.curve;
    const regression = s.test_rmse !== undefined && s.test_rmse !== null;
    if (xs[xs.length - 1] !== s.labels_used) {
      xs.push(s.labels_used);
      ys.push((regression ? s.test_rmse : s.test_accuracy) ?? NaN);
    }
    const el = $('#active-curve');
    if (!view.plot) {
      view.plot = new uPlot({
        width: Math.min(420, el.clientWidth || 420), height: 200,
        scales: { x: { time: false }, y: regression ? { distr: 3 } : { range: [0, 1] } },
        axes: [{ label: 'labels used' }, { label: regression ? 'test RMSE (log scale)' : 'test accuracy' }],
        series: [{}, { label: 'centre network', stroke: '#0072B2', width: 2, points: { show: true } }],
      }, [xs, ys], el);
    } else view.plot.setData([xs, ys]);
  }

  async function go(rounds) {
    if (view.busy || !view.snapshot || view.snapshot.stopped || view.need.length > 0) return;
    view.busy = true;
    try {
      const s = await advance(rounds);
      if (view.need.length === 0) status.textContent = describe(s);
      if (s.stopped) view.report = await app.engine.request('activeReport');
    } catch (err) {
      status.textContent = `Error: ${err.message}`;
    } finally {
      view.busy = false;
    }
  }
  // The person's actions (step, run, answer, undo) run one after another: one made while the engine
  // is still busy with the previous waits its turn instead of being dropped, so a fast labeller can
  // type 1, 2, A ahead of the page.
  let turn = Promise.resolve();
  const inTurn = (action) => (...args) => (turn = turn.then(() => action(...args)));
  const step = inTurn(() => go(1));
  const runToEnd = inTurn(() => go(Infinity));
  const answerInTurn = inTurn(answer);
  const undoInTurn = inTurn(undo);

  /** Adds a drawn point (draw mode) and rebuilds: new points change the activation patterns. */
  async function addPoint(x, y, label) {
    if (!drawMode() || view.busy) return;
    view.drawn.push({ x, y, label });
    savePoints(view.drawn);
    view.answers = [];
    saveAnswers(view.answers);
    view.plot?.destroy();
    view.plot = null;
    await reset();
  }

  const canvasPoint = (ev) => {
    const rect = $('#active-points').getBoundingClientRect();
    const [x0, x1, y0, y1] = view.bounds;
    return [x0 + ((ev.clientX - rect.left) / rect.width) * (x1 - x0), y1 - ((ev.clientY - rect.top) / rect.height) * (y1 - y0)];
  };
  $('#active-points').addEventListener('click', (ev) => {
    if (!drawMode()) return;
    const [x, y] = canvasPoint(ev);
    addPoint(x, y, ev.shiftKey ? 1 : ev.ctrlKey || ev.altKey || ev.metaKey ? -1 : null);
  });
  $('#active-points').addEventListener('keydown', (ev) => {
    if (!drawMode()) return;
    const stepSize = 0.05;
    const moves = { ArrowLeft: [-stepSize, 0], ArrowRight: [stepSize, 0], ArrowUp: [0, stepSize], ArrowDown: [0, -stepSize] };
    if (moves[ev.key]) {
      view.cursor.x = Math.max(-1, Math.min(1, view.cursor.x + moves[ev.key][0]));
      view.cursor.y = Math.max(-1, Math.min(1, view.cursor.y + moves[ev.key][1]));
      redrawPoints();
    } else if (ev.key === 'Enter') addPoint(view.cursor.x, view.cursor.y, null);
    else if (ev.key === '+') addPoint(view.cursor.x, view.cursor.y, 1);
    else if (ev.key === '-') addPoint(view.cursor.x, view.cursor.y, -1);
    else if (ev.key === 'Delete' || ev.key === 'Backspace') {
      view.drawn.pop();
      savePoints(view.drawn);
      view.answers = [];
      saveAnswers(view.answers);
      reset();
    } else return;
    ev.preventDefault();
    ev.stopPropagation();
  });

  $('#active-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    // A new experiment: the person's answers belonged to the old one (drawn points are kept).
    view.answers = [];
    saveAnswers(view.answers);
    view.plot?.destroy();
    view.plot = null;
    $('#active-draw-help').hidden = !drawMode();
    reset();
  });
  // Enabled only now: a click before the handler exists would submit the form and reload the page.
  $('#active-reset').disabled = false;
  $('#active-undo').addEventListener('click', () => undoInTurn());
  $('#active-pos').addEventListener('click', () => answerInTurn(1));
  $('#active-neg').addEventListener('click', () => answerInTurn(-1));
  $('#active-truth').addEventListener('click', () => answerInTurn('truth'));
  $('#active-export').addEventListener('click', async () => {
    try {
      const json = await app.engine.request('activeExport');
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
      a.download = 'convexlab-active-run.json';
      a.click();
      URL.revokeObjectURL(a.href);
      status.textContent = 'Run exported: replay it here with Import run, or natively with convexlab active --replay.';
    } catch (err) {
      status.textContent = `Error: ${err.message}`;
    }
  });
  $('#active-import').addEventListener('change', async (ev) => {
    const file = ev.target.files?.[0];
    if (!file) return;
    try {
      const r = await app.engine.request('activeNew', { record: await file.text() });
      view.dataset = r.dataset;
      view.bounds = squareBounds(r.dataset);
      view.report = r.report;
      view.need = r.snapshot.pending ?? [];
      view.curve = [[0], [NaN]];
      view.plot?.destroy();
      view.plot = null;
      await show(r.snapshot);
      status.textContent = `Imported ${file.name}: ${r.snapshot.cuts} cuts, ${r.snapshot.labels_used} labels, replayed to the same bits.`;
    } catch (err) {
      status.textContent = `Import failed: ${err.message}`;
    } finally {
      ev.target.value = '';
    }
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
    if (ev.repeat || ev.target.closest?.('input, select, textarea') || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === 's' || ev.key === 'S') step();
    if (ev.key === 'r' || ev.key === 'R') runToEnd();
    if (ev.key === 'u' || ev.key === 'U') undoInTurn();
    if (ev.key === '1') answerInTurn(1);
    if (ev.key === '2') answerInTurn(-1);
    if ((ev.key === 'a' || ev.key === 'A') && view.truth) answerInTurn('truth');
    if (ev.key === 'f' || ev.key === 'F') final.solve();
  };
  addEventListener('keydown', onKey);
  bindCsv(container, app, async (points, source) => {
    if (view.busy) return;
    view.drawn = points.map(({ x, y, label }) => ({ x, y, label }));
    savePoints(view.drawn);
    view.answers = [];
    saveAnswers(view.answers);
    const select = $('#active-data');
    select.value = 'draw';
    select.dispatchEvent(new Event('change'));
    $('#active-draw-help').hidden = false;
    $('#active-csv-box').hidden = true;
    view.plot?.destroy();
    view.plot = null;
    await reset();
    if (view.snapshot) status.textContent = `${points.length} points from ${source}. Press Step (S) or Run (R).`;
  });
  $('#active-draw-help').hidden = !drawMode();
  await reset();
  renderDeeper($('#active-deeper'), app, () => {
    if (drawMode() || (view.dataset?.dim ?? 2) !== 2) {
      throw Object.assign(new Error('the three-layer run takes a planar preset: choose one under Data'), { field: 'active3.data' });
    }
    return { config: config(), bounds: view.bounds, points: points(view.dataset, { cut_points: [], queries: [] }) };
  });
  await renderCompare($('#active-compare'), app, () => {
    if (drawMode()) throw Object.assign(new Error('the comparison runs on a preset: choose one under Data'), { field: 'active.compare.strategies' });
    if (get.data() === 'quadratic') throw Object.assign(new Error('the baselines are classifiers: compare on a classification preset'), { field: 'active.compare.strategies' });
    return config();
  });
}

function describe(s) {
  const q = s.queries.map((q) => `point ${q.point} is ${q.label > 0 ? '+1' : '−1'}${q.cut ? ' (wrong: cut)' : ''}`).join('; ');
  return s.stopped ? `Stopped: ${s.stopped.replaceAll('_', ' ')}.` : q ? `Round ${s.round}: ${q}.` : '';
}

/** The draw-mode view: [-1.1, 1.1]^2, grown to a square around the person's points when they lie outside. */
function drawBounds(drawn) {
  if (drawn.every((p) => Math.abs(p.x) <= 1 && Math.abs(p.y) <= 1)) return DRAW_BOUNDS;
  return squareBounds({ train_x: drawn.flatMap((p) => [p.x, p.y, ...DRAW_BOUNDS]), test_x: [] });
}

/** The square view around the data, with a margin, as [x0, x1, y0, y1]. */
function squareBounds(d) {
  const dim = d.dim ?? 2;
  const firstTwo = (v) => v.filter((_, k) => k % dim < 2);
  const xs = [...firstTwo(d.train_x), ...firstTwo(d.test_x)];
  let lo = Math.min(...xs), hi = Math.max(...xs);
  const pad = 0.08 * (hi - lo || 1);
  lo -= pad;
  hi += pad;
  return [lo, hi, lo, hi];
}

/** The points to draw (the first two coordinates of each input), synthesised queries last. */
function points(d, s, need = new Set(), synthLabels = new Map()) {
  const cut = new Set(s.cut_points);
  const queried = new Set([...(s.queries ?? []).map((q) => q.point), ...need]);
  const dim = d.dim ?? 2;
  const out = [];
  for (let i = 0; i < d.train_y.length; i++) {
    const label = Number.isFinite(d.train_y[i]) ? d.train_y[i] : null;
    out.push({ x: d.train_x[dim * i], y: d.train_x[dim * i + 1], label, kind: 'pool', cut: cut.has(i), queried: queried.has(i) });
  }
  for (let i = 0; i < d.test_y.length; i++) {
    out.push({ x: d.test_x[dim * i], y: d.test_x[dim * i + 1], label: d.test_y[i], kind: 'test' });
  }
  const syn = s.synthesized ?? [];
  for (let k = 0; k < syn.length / dim; k++) {
    const i = d.train_y.length + k;
    const label = synthLabels.get(i) ?? null;
    out.push({ x: syn[dim * k], y: syn[dim * k + 1], label, kind: 'synth', cut: cut.has(i), queried: queried.has(i) });
  }
  return out;
}
