// The engine: one wasm instance of the convexlab crate in a module Web Worker. In the threaded build it
// starts the rayon pool (wasm-bindgen-rayon), whose own workers share this instance's memory.
// Messages in: { id, cmd, args }; out: { id, ok, result } | { id, ok: false, error, field?, panic? }
// | { id, progress }.

let wasm = null;
/** The active-learning experiment of lab 1, if one was made. */
let active = null;

function activeLab() {
  if (!active) throw new Error('no active-learning experiment yet: press Reset');
  return active;
}

const commands = {
  async init({ flavour, threads }) {
    wasm = await import(`./pkg/${flavour}/convexlab.js`);
    await wasm.default();
    if (flavour === 'mt') await wasm.initThreadPool(threads);
    return wasm.engineInfo();
  },
  info: () => wasm.engineInfo(),
  digest: ({ seed }) => wasm.determinismDigest(seed),
  newSeed: () => wasm.newSeed(),
  suite: () => wasm.benchSuite(),
  runLab: ({ lab, config }) => JSON.parse(wasm.runLab(lab, JSON.stringify(config))),
  panicForTest: () => wasm.panicForTest(),
  activeDefaultConfig: () => JSON.parse(wasm.activeDefaultConfig()),
  activeDataset: ({ config }) => {
    const lab = new wasm.ActiveLab(JSON.stringify(config));
    try {
      return lab.dataset();
    } finally {
      lab.free();
    }
  },
  activeNew: ({ config, points, test, record }) => {
    const lab = record !== undefined
      ? wasm.ActiveLab.importRun(record)
      : points
        ? wasm.ActiveLab.fromPoints(JSON.stringify(config), points, test ?? [])
        : new wasm.ActiveLab(JSON.stringify(config));
    active?.free();
    active = lab;
    return { dataset: lab.dataset(), report: lab.report(), snapshot: lab.snapshot() };
  },
  // Rounds until `rounds` more are done, the run stops, or a queried point needs the person's label.
  // With `person` ({ answers: { [pool index]: label }, only }), the person's earlier answers label the
  // points they cover; with `only`, the person is the oracle for every point (no preset labels).
  activeAdvance: ({ rounds = 1, person = null }, progress) => {
    const lab = activeLab();
    let done = 0;
    for (;;) {
      const before = lab.snapshot().round;
      const need = person ? answerFromPerson(lab, person) : Array.from(lab.proposeAndAutoAnswer());
      const s = lab.snapshot();
      if (need.length > 0) return { need, snapshot: s };
      if (s.round > before) done += 1;
      if (s.stopped || done >= rounds) return { need: [], snapshot: s };
      progress(s);
    }
  },
  activeAnswer: ({ point, label }) => activeLab().answer(point, label),
  activeSnapshot: () => activeLab().snapshot(),
  activeExport: () => activeLab().export(),
  activeReport: () => activeLab().report(),
  activeCompareDefaultConfig: () => JSON.parse(wasm.activeCompareDefaultConfig()),
  activeCompare: ({ config }, progress) =>
    wasm.activeCompare(JSON.stringify(config), (done, total) => progress({ done, total })),
  activeParseCsv: ({ text }) => wasm.parsePointsCsv(text),
  activeFinalSolve: () => activeLab().finalSolve(),
  activeFinalGrid: ({ nx, ny, bounds: [x0, x1, y0, y1] }) => activeLab().finalGrid(nx, ny, x0, x1, y0, y1),
  groundTruth: ({ data, x }) => wasm.groundTruth(JSON.stringify(data), new Float64Array(x)),
  activeCurve: ({ n, x0, x1 }) => activeLab().curve(n, x0, x1),
  activeThreeLayer: ({ config, nx, ny, bounds: [x0, x1, y0, y1] }) => wasm.activeThreeLayer(JSON.stringify(config), nx, ny, x0, x1, y0, y1),
  activeGrid: ({ nx, ny, bounds: [x0, x1, y0, y1] }) => activeLab().grid(nx, ny, x0, x1, y0, y1),
  bench: ({ kernel, n, seed = 1, budgetMs = 1000 }, progress) => timeKernel(kernel, n, seed, budgetMs, progress),
};

/** Starts a round and answers its queries from the person's earlier answers; returns those still open. */
function answerFromPerson(lab, { answers, only }) {
  if (only) lab.propose();
  else lab.proposeAndAutoAnswer();
  for (;;) {
    const pending = Array.from(lab.snapshot().pending ?? []);
    const known = pending.find((i) => answers[i] !== undefined);
    if (known === undefined) return pending;
    lab.answer(known, answers[known]);
  }
}

/** Times one kernel: one warm-up run, then runs for about budgetMs (at least 3, at most 1000). */
function timeKernel(kernel, n, seed, budgetMs) {
  const w = new wasm.BenchWorkload(kernel, n, seed);
  try {
    w.run();
    const samples = [];
    const start = performance.now();
    while (samples.length < 3 || (performance.now() - start < budgetMs && samples.length < 1000)) {
      const t = performance.now();
      w.run();
      samples.push((performance.now() - t) / 1000);
    }
    samples.sort((a, b) => a - b);
    const seconds = samples[samples.length >> 1];
    const flops = w.flops();
    return {
      kernel, n, seconds, runs: samples.length, threads: wasm.engineInfo().threads,
      gflops: flops === undefined ? null : flops / seconds / 1e9,
      detail: w.detail() ?? null,
    };
  } finally {
    w.free();
  }
}

self.onmessage = async ({ data: { id, cmd, args } }) => {
  const progress = (p) => self.postMessage({ id, progress: p });
  try {
    const fn = commands[cmd];
    if (!fn) throw new Error(`unknown engine command ${cmd}`);
    if (!wasm && cmd !== 'init') throw new Error('the engine is not initialised');
    const result = await fn(args || {}, progress);
    self.postMessage({ id, ok: true, result });
  } catch (e) {
    const panic = wasm && e instanceof WebAssembly.RuntimeError ? wasm.takePanicMessage() : undefined;
    self.postMessage({
      id,
      ok: false,
      error: panic || (e && e.message) || String(e),
      field: e && e.field,
      panic: Boolean(panic) || e instanceof WebAssembly.RuntimeError,
    });
  }
};
