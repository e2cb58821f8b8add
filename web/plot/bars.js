// A grouped horizontal bar chart on a canvas: one group per row label, one bar per series, with the
// value written at the bar's end. Colours are the Okabe-Ito palette (colour-blind safe).

export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

/**
 * Draws `rows` (array of { label, values: { [series]: number|undefined } }) for `series` (names) into
 * `canvas`, with `unit` after each value. Sizes the canvas for the device pixel ratio.
 */
export function drawBars(canvas, { rows, series, unit }) {
  const barH = 14, gap = 4, groupGap = 12, right = 120, top = 28;
  const groupH = series.length * (barH + gap) + groupGap;
  const cssW = canvas.parentElement?.clientWidth || 640;
  const cssH = top + rows.length * groupH + 8;
  const dpr = globalThis.devicePixelRatio || 1;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  canvas.style.width = `${cssW}px`;
  canvas.style.height = `${cssH}px`;
  const ctx = canvas.getContext('2d');
  ctx.scale(dpr, dpr);
  ctx.clearRect(0, 0, cssW, cssH);
  ctx.font = '12px system-ui, sans-serif';
  const left = 16 + Math.max(60, ...rows.map((r) => ctx.measureText(r.label).width));
  ctx.textBaseline = 'middle';
  const max = Math.max(1e-12, ...rows.flatMap((r) => series.map((s) => r.values[s] ?? 0)));
  const scale = (cssW - left - right) / max;
  // Legend.
  let x = left;
  series.forEach((s, i) => {
    ctx.fillStyle = PALETTE[i % PALETTE.length];
    ctx.fillRect(x, 8, 12, 12);
    ctx.fillStyle = '#222';
    ctx.fillText(s, x + 16, 14);
    x += ctx.measureText(s).width + 40;
  });
  rows.forEach((row, r) => {
    const y0 = top + r * groupH;
    ctx.fillStyle = '#222';
    ctx.textAlign = 'right';
    ctx.fillText(row.label, left - 8, y0 + (series.length * (barH + gap)) / 2);
    ctx.textAlign = 'left';
    series.forEach((s, i) => {
      const v = row.values[s];
      const y = y0 + i * (barH + gap);
      if (v === undefined || !Number.isFinite(v)) {
        ctx.fillStyle = '#888';
        ctx.fillText('–', left + 4, y + barH / 2);
        return;
      }
      ctx.fillStyle = PALETTE[i % PALETTE.length];
      ctx.fillRect(left, y, Math.max(1, v * scale), barH);
      ctx.fillStyle = '#222';
      ctx.fillText(`${v.toFixed(2)} ${unit}`, left + v * scale + 6, y + barH / 2);
    });
  });
  canvas.setAttribute('role', 'img');
  canvas.setAttribute(
    'aria-label',
    rows.map((r) => `${r.label}: ${series.map((s) => `${s} ${r.values[s]?.toFixed(2) ?? 'n/a'} ${unit}`).join(', ')}`).join('; '),
  );
}
