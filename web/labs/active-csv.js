// Lab 1's CSV input: the person's own points from a file or pasted text (`x,y,label` per line, an
// optional header, labels ±1 or 0/1). The engine parses and checks them (errors name the line and the
// column); good points replace the drawn ones and the lab switches to "your points".

/**
 * Wires the CSV controls found in `container` (#active-csv-file, #active-csv-paste, #active-csv-text,
 * #active-csv-use, #active-csv-error) to `onPoints(points)`, called with [{ x, y, label }].
 */
export function bindCsv(container, app, onPoints) {
  const $ = (sel) => container.querySelector(sel);
  const error = $('#active-csv-error');
  const box = $('#active-csv-box');

  async function use(text, source) {
    error.textContent = '';
    try {
      const points = await app.engine.request('activeParseCsv', { text });
      await onPoints(points, source);
    } catch (err) {
      // The drawn points and answers are untouched: only the message changes.
      error.textContent = `${source}: ${err.message}`;
    }
  }

  $('#active-csv-file').addEventListener('change', async (ev) => {
    const file = ev.target.files?.[0];
    if (!file) return;
    try {
      await use(await file.text(), file.name);
    } finally {
      ev.target.value = '';
    }
  });
  $('#active-csv-paste').addEventListener('click', () => {
    box.hidden = !box.hidden;
    if (!box.hidden) $('#active-csv-text').focus();
  });
  $('#active-csv-use').addEventListener('click', () => use($('#active-csv-text').value, 'pasted CSV'));
}
