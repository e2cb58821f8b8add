// The regression view of lab 1 (1-D inputs, e.g. y = x^2): the centre network's curve over the data,
// the pool points (filled when their target is revealed, ringed when cut) and the test points, in one
// uPlot chart. Okabe-Ito colours.

import uPlot from '../pkg/vendor/uPlot.esm.js';

/**
 * Draws into `el` (replacing what was there): `grid` (x values) with `fit` (the network there), and
 * points `pool` / `test` as [{ x, y, cut }]. Returns the uPlot instance.
 */
export function drawRegression(el, { grid, fit, pool, test, size }) {
  el.replaceChildren();
  // One shared x axis: the grid, then every point, sorted; series are null where they have no value.
  const rows = [
    ...grid.map((x, k) => ({ x, fit: fit[k] })),
    ...pool.map((p) => ({ x: p.x, [p.cut ? 'cut' : 'pool']: p.y })),
    ...test.map((p) => ({ x: p.x, test: p.y })),
  ].sort((a, b) => a.x - b.x);
  const col = (key) => rows.map((r) => (r[key] === undefined ? null : r[key]));
  const dots = (stroke, fill, size) => ({ stroke, fill, width: 0, points: { show: true, size, stroke, fill }, paths: () => null });
  return new uPlot({
    width: size, height: size,
    scales: { x: { time: false } },
    axes: [{ label: 'x' }, { label: 'y' }],
    series: [
      { label: 'x' },
      { label: 'centre network', stroke: '#0072B2', width: 2, spanGaps: true, points: { show: false } },
      { label: 'pool', ...dots('#999', '#ddd', 5) },
      { label: 'cut points', ...dots('#000', '#E69F00', 8) },
      { label: 'test', ...dots('#009E73', '#fff', 6) },
    ],
  }, [rows.map((r) => r.x), col('fit'), col('pool'), col('cut'), col('test')], el);
}
