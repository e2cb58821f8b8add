// Errors next to the control that caused them: an engine error carries `field` (e.g. "bench.n"), and
// the page has a `.field-error[data-error-for="bench.n"]` beside that control. Nothing here touches the
// user's inputs.

/** Shows `err` beside its control; returns false if no control matches its field. */
export function showFieldError(container, err) {
  const slot = err.field && container.querySelector(`[data-error-for="${CSS.escape(err.field)}"]`);
  if (!slot) return false;
  slot.textContent = err.message;
  slot.closest('.control')?.classList.add('invalid');
  return true;
}

/** Clears every field error in `container`. */
export function clearFieldErrors(container) {
  for (const slot of container.querySelectorAll('.field-error')) {
    slot.textContent = '';
    slot.closest('.control')?.classList.remove('invalid');
  }
}
