// convexlab's page: the router (one tab per lab, plus Benchmarks), URL-hash state, the engine loader,
// the thread badge and error display. Labs are ES modules in labs/ exporting { title, render }.

import { Engine, bestFlavour } from './engine.js';
import { readHash, writeHash } from './state.js';

const LABS = [
  { id: 'active', tab: 'Active learning', module: './labs/active.js' },
  { id: 'sketch', tab: 'Newton sketch', module: './labs/sketch.js' },
  { id: 'peft', tab: 'PEFT', module: './labs/peft.js' },
  { id: 'score', tab: 'Score matching', module: './labs/score.js' },
  { id: 'bench', tab: 'Benchmarks', module: './labs/bench.js' },
];

/** Keys that survive a change of tab: the embedding flags. */
const STICKY = (key) => key === 'embed' || key === 'engine';

const flavour = ['st', 'mt'].includes(readHash().get('engine')) ? readHash().get('engine') : bestFlavour();
const engine = new Engine(flavour === 'mt' && bestFlavour() !== 'mt' ? 'st' : flavour);
const app = { engine, showFatal, flavour: engine.flavour };
// A handle for the browser console and the end-to-end tests.
globalThis.convexlab = app;

engine.onPanic = (err) => showFatal(`Internal error (a bug, please report it): ${err.message}. The engine was restarted; your inputs are kept.`);
engine.ready.then(
  (info) => setBadge(info),
  (err) => showFatal(`The engine could not start: ${err.message}`),
);

function setBadge(info) {
  const badge = document.getElementById('engine-badge');
  const why = globalThis.crossOriginIsolated ? 'forced by engine=st' : 'host sends no isolation headers';
  badge.textContent =
    info.build === 'mt' ? `${info.threads} threads` : `single-threaded: ${why}`;
  badge.dataset.build = info.build;
  badge.dataset.threads = info.threads;
  badge.title = `convexlab ${info.version}, WebAssembly build "${info.build}", rayon threads: ${info.threads}`;
}

function showFatal(message) {
  const box = document.getElementById('fatal');
  box.textContent = message;
  box.hidden = false;
}

function buildTabs() {
  const tablist = document.getElementById('tabs');
  for (const lab of LABS) {
    const a = document.createElement('a');
    a.href = `#lab=${lab.id}`;
    a.textContent = lab.tab;
    a.id = `tab-${lab.id}`;
    a.setAttribute('role', 'tab');
    a.dataset.lab = lab.id;
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      switchTo(lab.id);
    });
    tablist.append(a);
  }
  // Arrow keys move between tabs (WAI-ARIA tabs pattern).
  tablist.addEventListener('keydown', (ev) => {
    const i = LABS.findIndex((l) => l.id === document.activeElement?.dataset.lab);
    if (i < 0 || !['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(ev.key)) return;
    const j = { ArrowLeft: i - 1, ArrowRight: i + 1, Home: 0, End: LABS.length - 1 }[ev.key];
    const next = LABS[(j + LABS.length) % LABS.length];
    document.getElementById(`tab-${next.id}`).focus();
    switchTo(next.id);
    ev.preventDefault();
  });
}

function switchTo(id) {
  const kept = new Map([...readHash()].filter(([k]) => STICKY(k)));
  kept.set('lab', id);
  writeHash(kept);
  route().catch(renderFailed);
}

let rendered = null;
async function route() {
  const hash = readHash();
  document.body.classList.toggle('embed', hash.get('embed') === '1');
  const id = LABS.some((l) => l.id === hash.get('lab')) ? hash.get('lab') : 'active';
  const key = location.hash;
  if (rendered === key) return;
  rendered = key;
  for (const a of document.querySelectorAll('#tabs a')) {
    const on = a.dataset.lab === id;
    a.setAttribute('aria-selected', String(on));
    a.tabIndex = on ? 0 : -1;
  }
  const lab = LABS.find((l) => l.id === id);
  const main = document.getElementById('lab');
  const mod = await import(lab.module);
  // Each render gets a fresh container: a lab still finishing async work after the user switched
  // tabs then writes into its own detached elements, never into the next lab's.
  const host = document.createElement('div');
  main.replaceChildren(host);
  main.dataset.lab = id;
  document.title = `${mod.title} · convexlab`;
  await mod.render(host, app);
}

// A render cut short by an engine panic is already reported by onPanic (with the panic's message).
const renderFailed = (err) => err.restarted || showFatal(`The page could not render: ${err.message}`);
// A hash typed by hand or a back/forward navigation re-renders; our own replaceState calls do not fire.
addEventListener('hashchange', () => route().catch(renderFailed));
buildTabs();
route().catch(renderFailed);
