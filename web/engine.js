// The page's handle on one engine: a wasm instance inside a module Web Worker (engine-worker.js), so
// the UI thread never runs solver code. Requests are promises; long work may report progress. A Rust
// panic (always a bug) rejects the request with `panic: true` and the worker is replaced by a fresh one.

/** Which build this browser can run: 'mt' needs cross-origin isolation and SharedArrayBuffer. */
export function bestFlavour() {
  return globalThis.crossOriginIsolated && typeof SharedArrayBuffer !== 'undefined' ? 'mt' : 'st';
}

export class Engine {
  /** @param {'st'|'mt'} flavour */
  constructor(flavour) {
    this.flavour = flavour;
    this.nextId = 1;
    this.pending = new Map();
    this.onPanic = null;
    this.ready = this.start();
  }

  start() {
    this.worker = new Worker(new URL('./engine-worker.js', import.meta.url), { type: 'module' });
    this.worker.onmessage = (ev) => this.receive(ev.data);
    this.worker.onerror = (ev) => {
      const err = new Error(`engine worker failed to start: ${ev.message || 'unknown error'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    const threads = Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 16));
    return this.send('init', { flavour: this.flavour, threads }).then((info) => (this.info = info));
  }

  receive(msg) {
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.progress !== undefined) {
      p.onProgress?.(msg.progress);
      return;
    }
    this.pending.delete(msg.id);
    if (msg.ok) {
      p.resolve(msg.result);
      return;
    }
    const err = new Error(msg.error);
    if (msg.field) err.field = msg.field;
    if (msg.panic) {
      err.panic = true;
      this.restart();
      this.onPanic?.(err);
    }
    p.reject(err);
  }

  send(cmd, args, onProgress) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, cmd, args });
    });
  }

  /** Runs `cmd` on the engine once it is ready. */
  async request(cmd, args = {}, onProgress) {
    await this.ready;
    return this.send(cmd, args, onProgress);
  }

  /** Ends the worker for good (e.g. a cancelled long run); pending requests are rejected. */
  terminate() {
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new Error('the engine was stopped'));
    this.pending.clear();
  }

  /** Replaces a worker whose wasm instance panicked: its memory can no longer be trusted. */
  restart() {
    this.worker.terminate();
    // Marked, so that callers do not report again what onPanic has already shown.
    const lost = () => Object.assign(new Error('the engine restarted after an internal error'), { restarted: true });
    for (const p of this.pending.values()) p.reject(lost());
    this.pending.clear();
    this.ready = this.start();
  }
}
