// The person's points and answers for lab 1, kept in the URL hash so that a link (or a reload, or an
// engine restart after an error) brings them back: `active_points=x:y:l;...` for drawn points (l is
// +, - or ? for unlabelled) and `active_answers=i:l,...` for the person's answers, in order.

import { readHash, setParam } from '../state.js';

/** Parses drawn points from the hash: [{ x, y, label: 1 | -1 | null }]. Malformed entries are skipped. */
export function loadPoints() {
  const text = readHash().get('active_points') ?? '';
  return text.split(';').filter(Boolean).map((entry) => {
    const [x, y, l] = entry.split(':');
    return { x: Number(x), y: Number(y), label: l === '+' ? 1 : l === '-' ? -1 : null };
  }).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
}

/** Writes drawn points to the hash (3 decimals is finer than a canvas pixel). */
export function savePoints(points) {
  const text = points.map((p) => `${p.x.toFixed(3)}:${p.y.toFixed(3)}:${p.label === 1 ? '+' : p.label === -1 ? '-' : '?'}`).join(';');
  setParam('active_points', text || null);
}

/** The person's answers in order: [{ point, label }]. */
export function loadAnswers() {
  const text = readHash().get('active_answers') ?? '';
  return text.split(',').filter(Boolean).map((entry) => {
    const [i, l] = entry.split(':');
    return { point: Number(i), label: l === '+' ? 1 : -1 };
  }).filter((a) => Number.isInteger(a.point) && a.point >= 0);
}

/** Writes the person's answers to the hash. */
export function saveAnswers(answers) {
  setParam('active_answers', answers.map((a) => `${a.point}:${a.label > 0 ? '+' : '-'}`).join(',') || null);
}
