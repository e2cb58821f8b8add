// A cheap decision-field heatmap, as TensorFlow Playground's heatmap.ts draws it: the field is computed
// in the engine at a coarse resolution, written one value per pixel into a small canvas, and scaled up
// by CSS. Points are drawn on a second canvas on top, at full resolution. Colours: blue for +1 and
// orange for -1 (Okabe-Ito, colour-blind safe); the two classes also differ in shape (circle / square).

const POS = [0, 114, 178]; // #0072B2
const NEG = [230, 159, 0]; // #E69F00

/** Writes `values` (row-major ny x nx, row 0 at the bottom) into `canvas` as a diverging colour map. */
export function drawField(canvas, values, nx, ny) {
  canvas.width = nx;
  canvas.height = ny;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(nx, ny);
  let scale = 0;
  for (const v of values) scale = Math.max(scale, Math.abs(v));
  scale = scale || 1;
  for (let r = 0; r < ny; r++) {
    for (let c = 0; c < nx; c++) {
      const v = values[r * nx + c] / scale;
      const t = Math.min(1, Math.abs(v) * 1.5) * 0.75 + 0.1;
      const col = v >= 0 ? POS : NEG;
      const o = ((ny - 1 - r) * nx + c) * 4;
      img.data[o] = 255 + (col[0] - 255) * t;
      img.data[o + 1] = 255 + (col[1] - 255) * t;
      img.data[o + 2] = 255 + (col[2] - 255) * t;
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}

/**
 * Draws points on `canvas` (CSS size `size`) over the square `[lo, hi]^2`. Each point is
 * { x, y, label (+1, -1 or null), kind: 'pool' | 'test' | 'cursor', cut, queried }.
 */
export function drawPoints(canvas, points, { lo, hi, size }) {
  const dpr = globalThis.devicePixelRatio || 1;
  canvas.width = Math.round(size * dpr);
  canvas.height = Math.round(size * dpr);
  const ctx = canvas.getContext('2d');
  ctx.scale(dpr, dpr);
  const px = (x) => ((x - lo) / (hi - lo)) * size;
  const py = (y) => size - ((y - lo) / (hi - lo)) * size;
  for (const p of points) {
    const x = px(p.x), y = py(p.y);
    if (p.kind === 'cursor') {
      // The keyboard cursor of draw mode: a small cross.
      ctx.strokeStyle = '#000';
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(x - 7, y);
      ctx.lineTo(x + 7, y);
      ctx.moveTo(x, y - 7);
      ctx.lineTo(x, y + 7);
      ctx.stroke();
      continue;
    }
    const r = p.kind === 'test' ? 3.5 : 4.5;
    const fill = p.label === null ? '#bbb' : p.label > 0 ? '#0072B2' : '#E69F00';
    ctx.beginPath();
    if (p.kind === 'synth') {
      // A synthesised query (a point the learner made up): a diamond, whatever its label.
      const q = r + 1.5;
      ctx.moveTo(x, y - q);
      ctx.lineTo(x + q, y);
      ctx.lineTo(x, y + q);
      ctx.lineTo(x - q, y);
      ctx.closePath();
    } else if (p.label !== null && p.label < 0) ctx.rect(x - r, y - r, 2 * r, 2 * r);
    else ctx.arc(x, y, r, 0, 2 * Math.PI);
    if (p.kind === 'test') {
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = fill;
      ctx.stroke();
    } else {
      ctx.fillStyle = fill;
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = p.kind === 'synth' ? '#000' : '#fff';
      ctx.stroke();
    }
    if (p.cut) ring(ctx, x, y, r + 3.5, '#000', []);
    if (p.queried) ring(ctx, x, y, r + 7, '#CC79A7', [3, 2]);
  }
}

/** A 2-pixel ring of radius `radius` around (x, y), dashed by `dash` (empty for solid). */
function ring(ctx, x, y, radius, colour, dash) {
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, 2 * Math.PI);
  ctx.lineWidth = 2;
  ctx.setLineDash(dash);
  ctx.strokeStyle = colour;
  ctx.stroke();
  ctx.setLineDash([]);
}
