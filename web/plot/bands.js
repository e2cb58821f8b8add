// Learning curves with spread: one uPlot chart, a mean line per strategy and a shaded band (min-max or
// mean ± 1 sd over seeds) between two hidden edge series. Okabe-Ito colours (colour-blind safe).

import uPlot from '../pkg/vendor/uPlot.esm.js';
import { PALETTE } from './bars.js';

/** `#rrggbb` with alpha `a` as an rgba() string. */
function alpha(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

/**
 * Draws `curves` ([{ name, mean, lo, hi }], each array aligned with `x`; NaN = no run reached that
 * point) into `el`, replacing what was there. Returns the uPlot instance (call destroy() to remove).
 */
export function drawBands(el, { x, curves, xLabel, yLabel, width = 640, height = 300 }) {
  el.replaceChildren();
  const gap = (v) => (Number.isFinite(v) ? v : null);
  const data = [x];
  const series = [{ label: xLabel }];
  const bands = [];
  curves.forEach((c, k) => {
    const colour = PALETTE[k % PALETTE.length];
    const mean = data.length;
    data.push(c.mean.map(gap), c.lo.map(gap), c.hi.map(gap));
    series.push(
      { label: c.name, stroke: colour, width: 2, points: { show: x.length <= 60, size: 4 } },
      { label: `${c.name} low`, stroke: alpha(colour, 0.35), width: 0.5, points: { show: false } },
      { label: `${c.name} high`, stroke: alpha(colour, 0.35), width: 0.5, points: { show: false } },
    );
    bands.push({ series: [mean + 2, mean + 1], fill: alpha(colour, 0.12) });
  });
  return new uPlot({
    width, height, bands,
    scales: { x: { time: false }, y: { range: [0, 1] } },
    axes: [{ label: xLabel }, { label: yLabel }],
    series,
    legend: { live: true },
    hooks: {
      // Only the mean lines belong in the legend; the band edges are drawn but not listed.
      init: [(u) => u.root.querySelectorAll('.u-legend .u-series').forEach((row, i) => {
        if (i > 0 && (i - 1) % 3 !== 0) row.style.display = 'none';
      })],
    },
  }, data, el);
}
