// Lab 1's final convex solve ("AFS") beside the centre network ("BFS"): after the queries, the paper
// refits a two-layer ReLU network on the cut points by a group-lasso convex program under the same
// sign constraints (beta = 1e-5). This panel runs it in the engine and draws both decision fields side
// by side, with the test accuracy of each and the solver's KKT certificate.

import { drawField, drawPoints } from '../plot/heatmap.js';

const FIELD = 64;
const SIZE = 260;

/**
 * Wires the panel in `container` (#active-final-solve, #active-final). `current()` returns what the
 * lab shows now: { dataset, bounds, snapshot, points(dataset, snapshot) } (points as drawPoints wants).
 * Returns { solve, refresh }: refresh() marks an answer stale once the cuts have changed.
 */
export function bindFinalSolve(container, app, current, setStatus) {
  const $ = (sel) => container.querySelector(sel);
  const panel = $('#active-final');
  let solvedAt = null; // cuts of the shown solve
  let busy = false;

  async function fieldInto(canvasField, canvasPoints, cmd, view) {
    const [x0, x1, y0, y1] = view.bounds;
    const values = await app.engine.request(cmd, { nx: FIELD, ny: FIELD, bounds: [x0, x1, y0, y1] });
    drawField(canvasField, values, FIELD, FIELD);
    drawPoints(canvasPoints, view.points, { lo: x0, hi: x1, size: SIZE });
  }

  async function solve() {
    const view = current();
    if (busy || !view.snapshot) return;
    if (view.regression) {
      setStatus('The final solve (AFS) here fits labels ±1: it is for the classification presets.');
      return;
    }
    if (view.snapshot.cuts === 0) {
      setStatus('The final solve needs at least one cut: press Step first.');
      return;
    }
    busy = true;
    $('#active-final-solve').disabled = true;
    setStatus(`Final solve on ${view.snapshot.cuts} cut points…`);
    const t0 = performance.now();
    try {
      const afs = await app.engine.request('activeFinalSolve');
      const ms = performance.now() - t0;
      solvedAt = afs.cuts;
      panel.hidden = false;
      const planar = view.bounds !== null;
      for (const el of panel.querySelectorAll('.field')) el.hidden = !planar;
      if (planar) {
        await fieldInto($('#active-bfs-field'), $('#active-bfs-points'), 'activeGrid', view);
        await fieldInto($('#active-afs-field'), $('#active-afs-points'), 'activeFinalGrid', view);
      }
      const acc = (a) => (a === null || a === undefined ? '–' : a.toFixed(3));
      const kkt = Math.max(afs.kkt.stationarity, afs.kkt.primal, afs.kkt.dual, afs.kkt.complementarity);
      $('#active-bfs-caption').textContent = `Centre network (BFS): test accuracy ${acc(view.snapshot.test_accuracy)}`;
      $('#active-afs-caption').textContent = `Final solve (AFS): test accuracy ${acc(afs.test_accuracy)}`;
      $('#active-afs-detail').textContent = `${afs.cuts} cut points, ${afs.active_blocks} nonzero blocks, ` +
        `${afs.outer_iterations} proximal-point steps, ${afs.newton_steps} Newton steps${afs.iterations ? `, ${afs.iterations} FISTA iterations` : ''}, KKT residual ${kkt.toExponential(1)}` +
        `${afs.converged ? '' : ' (not converged)'}, ${ms.toFixed(0)} ms.`;
      $('#active-afs-detail').dataset.accuracy = afs.test_accuracy ?? '';
      setStatus(`Final solve done: AFS ${acc(afs.test_accuracy)} vs centre ${acc(view.snapshot.test_accuracy)} test accuracy.`);
    } catch (err) {
      setStatus(`Final solve failed: ${err.message}`);
    } finally {
      busy = false;
      $('#active-final-solve').disabled = false;
    }
  }

  /** Marks the panel stale when the cuts moved on since the shown solve. */
  function refresh(snapshot) {
    if (solvedAt === null) return;
    const stale = snapshot.cuts !== solvedAt;
    $('#active-afs-stale').hidden = !stale;
    $('#active-afs-stale').textContent = stale ? `Solved on ${solvedAt} cuts; there are ${snapshot.cuts} now: press Final solve (F) again.` : '';
  }

  /** Hides the panel (a new experiment). */
  function clear() {
    solvedAt = null;
    panel.hidden = true;
  }

  $('#active-final-solve').addEventListener('click', solve);
  return { solve, refresh, clear };
}
