// Lab 1's "Compare strategies" panel: learning curves (test accuracy by labels used, or by cuts for the
// cutting-plane method) of CPAL and every baseline over several seeds, mean and band, on the lab's
// current dataset. It runs in a second engine so the lab stays usable, and Cancel simply ends that
// engine's worker.

import { Engine } from '../engine.js';
import { bindControl } from '../state.js';
import { drawBands } from '../plot/bands.js';
import { showFieldError, clearFieldErrors } from '../errors.js';

const STRATEGIES = [
  ['cpal', 'cutting planes (CPAL)', true],
  ['random', 'random', true],
  ['least_confidence', 'least confidence', true],
  ['margin', 'margin', true],
  ['entropy', 'entropy', true],
  ['bald', 'BALD (MC dropout)', true],
  ['qbc', 'query by committee (slow)', false],
  ['linear_cp', 'linear cutting plane', true],
];

/**
 * Renders the panel into `section`. `labConfig()` returns the lab's current run config (data, gates,
 * query rule...), or throws an Error with a `field` when the lab's inputs cannot make one.
 */
export async function renderCompare(section, app, labConfig) {
  section.innerHTML = `
    <h2>Compare strategies</h2>
    <p>Learning curves on the lab's dataset: each strategy starts from one label and asks for one more per round
    (CPAL as its query rule says), for several seeds (gate seeds for CPAL, first label and initial weights for the
    baselines, which are a width-256 ReLU network trained by Adam on the labels so far). Lines are means, shaded
    bands the spread over seeds. The baselines retrain after every label, so a full comparison takes minutes;
    progress is shown, and the lab above stays usable.</p>
    <form class="controls" id="cmp-form" novalidate>
      <fieldset class="control checks"><legend>Strategies</legend>
        ${STRATEGIES.map(([id, name]) => `<label><input type="checkbox" id="cmp-${id}" data-strategy="${id}"> ${name}</label>`).join('')}
        <span class="field-error" data-error-for="active.compare.strategies"></span>
      </fieldset>
      <label class="control">Seeds
        <input id="cmp-seeds" type="number" min="1" max="100">
        <span class="field-error" data-error-for="active.compare.seeds"></span></label>
      <label class="control">Labels
        <input id="cmp-labels" type="number" min="1" max="1000">
        <span class="field-error" data-error-for="active.compare.max_labels"></span></label>
      <label class="control">Axis
        <select id="cmp-axis"><option value="labels">labels used</option><option value="cuts">cuts (CPAL only)</option></select></label>
      <label class="control">Band
        <select id="cmp-band"><option value="minmax">min to max</option><option value="sd">mean ± 1 sd</option></select></label>
      <button type="submit" id="cmp-run" disabled>Run comparison</button>
      <button type="button" id="cmp-cancel" class="secondary" disabled>Cancel</button>
    </form>
    <div class="progress-row"><progress id="cmp-progress" max="1" value="0" hidden></progress>
    <span id="cmp-status" class="progress" aria-live="polite"></span></div>
    <div id="cmp-chart" class="curve"></div>
    <p id="cmp-summary" class="summary"></p>`;
  const $ = (sel) => section.querySelector(sel);
  const defaults = await app.engine.request('activeCompareDefaultConfig');
  const picked = Object.fromEntries(STRATEGIES.map(([id, , on]) => [id, bindControl($(`#cmp-${id}`), `cmp_${id}`, on ? 1 : 0)]));
  const get = {
    seeds: bindControl($('#cmp-seeds'), 'cmp_seeds', defaults.seeds),
    labels: bindControl($('#cmp-labels'), 'cmp_labels', defaults.max_labels),
    axis: bindControl($('#cmp-axis'), 'cmp_axis', 'labels'),
    band: bindControl($('#cmp-band'), 'cmp_band', 'minmax'),
  };
  const status = $('#cmp-status');
  const bar = $('#cmp-progress');
  let engine = null;
  let report = null;
  let plot = null;

  function stop() {
    engine?.terminate();
    engine = null;
    $('#cmp-run').disabled = false;
    $('#cmp-cancel').disabled = true;
    bar.hidden = true;
  }

  async function run() {
    clearFieldErrors(section);
    let config;
    try {
      const num = (v, field) => {
        const n = v === '' ? NaN : Number(v);
        if (!Number.isInteger(n)) throw Object.assign(new Error(`${field} must be a whole number`), { field });
        return n;
      };
      config = {
        ...defaults,
        cpal: labConfig(),
        strategies: STRATEGIES.map(([id]) => id).filter((id) => picked[id]()),
        seeds: num(get.seeds(), 'active.compare.seeds'),
        max_labels: num(get.labels(), 'active.compare.max_labels'),
      };
    } catch (err) {
      if (!showFieldError(section, err)) status.textContent = `Error: ${err.message}`;
      return;
    }
    stop();
    app.lastCompareConfig = config; // for the console and the end-to-end tests
    engine = new Engine(app.engine.flavour);
    const mine = engine;
    $('#cmp-run').disabled = true;
    $('#cmp-cancel').disabled = false;
    bar.hidden = false;
    bar.value = 0;
    const t0 = performance.now();
    status.textContent = 'Starting a second engine…';
    try {
      report = await engine.request('activeCompare', { config }, ({ done, total }) => {
        bar.max = total;
        bar.value = done;
        const s = (performance.now() - t0) / 1000;
        const eta = done > 0 ? ` , about ${Math.ceil((s / done) * (total - done))} s left` : '';
        status.textContent = `${done} of ${total} runs (strategy × seed) done in ${s.toFixed(0)} s${eta}`;
      });
      status.textContent = `${report.curves.length} strategies × ${config.seeds} seeds on ${report.dataset} (pool ${report.pool_size}, test ${report.test_size}) in ${((performance.now() - t0) / 1000).toFixed(1)} s.`;
      draw();
    } catch (err) {
      if (engine !== mine) return; // cancelled or replaced: that run's errors are not news
      if (!showFieldError(section, err)) status.textContent = `Error: ${err.message}`;
    } finally {
      if (engine === mine) stop();
    }
  }

  function draw() {
    if (!report) return;
    const byCuts = get.axis() === 'cuts';
    const sd = get.band() === 'sd';
    const curves = report.curves
      .map((c) => ({ c, band: byCuts ? c.by_cuts : c.by_labels }))
      .filter(({ band }) => band)
      .map(({ c, band }) => ({
        name: STRATEGIES.find(([id]) => id === c.strategy)?.[1] ?? c.strategy,
        mean: band.mean,
        lo: sd ? band.mean.map((m, i) => m - band.std[i]) : band.min,
        hi: sd ? band.mean.map((m, i) => m + band.std[i]) : band.max,
        x: band.x,
      }));
    plot?.destroy();
    const el = $('#cmp-chart');
    if (curves.length === 0) {
      el.textContent = 'No CPAL curve in this comparison: curves by cuts exist only for CPAL.';
      return;
    }
    plot = drawBands(el, {
      x: curves[0].x, curves, xLabel: byCuts ? 'cuts' : 'labels used', yLabel: 'test accuracy',
      width: Math.min(720, section.clientWidth - 40 || 640),
    });
    const at = (c, k) => (Number.isFinite(c.mean[k]) ? c.mean[k].toFixed(2) : '–');
    const marks = [10, 20, 50].filter((m) => m <= curves[0].x.length);
    $('#cmp-summary').textContent = byCuts ? '' : `Mean test accuracy at ${marks.join(', ')} labels: ` +
      curves.map((c) => `${c.name} ${marks.map((m) => at(c, m - 1)).join(' / ')}`).join('; ') + '.';
  }

  $('#cmp-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    run();
  });
  $('#cmp-cancel').addEventListener('click', () => {
    stop();
    status.textContent = 'Cancelled.';
  });
  $('#cmp-axis').addEventListener('change', draw);
  $('#cmp-band').addEventListener('change', draw);
  // The second engine ends with the lab: a tab switch replaces this section.
  const watch = setInterval(() => {
    if (!section.isConnected) {
      stop();
      clearInterval(watch);
    }
  }, 1000);
  $('#cmp-run').disabled = false;
}
