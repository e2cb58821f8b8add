// URL-hash state: every control's value lives in location.hash (as TensorFlow Playground's state.ts
// does), so a link reproduces what the user sees. `embed=1` hides the page chrome for iframes, and
// `<control>_hide=1` hides one control so a course page can pin a lesson's settings.

/** Parses the current hash into a Map of strings. */
export function readHash() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  return new Map(params.entries());
}

/** Writes the map back into the hash without adding a history entry per keystroke. */
export function writeHash(map) {
  const params = new URLSearchParams();
  for (const [k, v] of map) params.set(k, v);
  const hash = '#' + params.toString();
  if (hash !== location.hash) history.replaceState(null, '', hash);
}

/** Sets one key (or deletes it when value is null) and writes the hash. */
export function setParam(key, value) {
  const map = readHash();
  if (value === null || value === undefined) map.delete(key);
  else map.set(key, String(value));
  writeHash(map);
}

/**
 * Binds a form control to the hash key `name`: its initial value comes from the hash (or `fallback`),
 * every change is written back, and `<name>_hide=1` hides its wrapper (the closest `.control`).
 * Returns a getter for the current typed value.
 */
export function bindControl(el, name, fallback) {
  const map = readHash();
  const wrapper = el.closest('.control') || el;
  wrapper.hidden = map.get(`${name}_hide`) === '1';
  el.dataset.state = name;
  const isBox = el.type === 'checkbox';
  const initial = map.has(name) ? map.get(name) : String(fallback);
  if (isBox) el.checked = initial === '1' || initial === 'true';
  else el.value = initial;
  // A select given an unknown value keeps none selected: fall back to the default then.
  if (el.tagName === 'SELECT' && el.value !== initial) el.value = String(fallback);
  const write = () => setParam(name, isBox ? (el.checked ? '1' : '0') : el.value);
  el.addEventListener('change', write);
  if (el.tagName === 'INPUT' && !isBox) el.addEventListener('input', write);
  return () => (isBox ? el.checked : el.value);
}
