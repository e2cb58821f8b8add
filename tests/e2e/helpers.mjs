// Shared helpers of the browser tests: start the real dev server (`cargo xtask serve --no-build`), with
// or without the cross-origin isolation headers, and drive Debian's /usr/bin/chromium with
// playwright-core (never `npx playwright install`).

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { before, after } from 'node:test';

export const ROOT = process.env.CONVEXLAB_ROOT ?? resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The committed determinism digest that every build must reproduce. */
export const EXPECTED_DIGEST = readFileSync(join(ROOT, 'crate/tests/determinism-digest.txt'), 'utf8').trim();

/** Starts the server on a free port; resolves to { url, stop }. */
export function startServer({ isolation }) {
  const args = ['serve', '--no-build', '--port', '0', ...(isolation ? [] : ['--no-isolation'])];
  const child = process.env.CONVEXLAB_XTASK
    ? spawn(process.env.CONVEXLAB_XTASK, args, { cwd: ROOT })
    : spawn('cargo', ['xtask', ...args], { cwd: ROOT });
  return new Promise((resolveUrl, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 120_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/serving on (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) {
        clearTimeout(timer);
        resolveUrl({ url: m[1], stop: () => child.kill() });
      }
    });
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

/**
 * Registers before/after hooks of the enclosing suite that start the server (with or without the
 * isolation headers) and a browser, and stop them; returns `{ server, browser }`, filled once running.
 */
export function useServerAndBrowser({ isolation }) {
  const env = {};
  before(async () => {
    env.server = await startServer({ isolation });
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    env.server?.stop();
  });
  return env;
}

/** Launches headless Chromium with a fresh profile; resolves to { context, close }. */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'convexlab-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-dev-shm-usage',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens `url` in a new page that records console errors and uncaught exceptions in `page.errors`. */
export async function openPage(context, url) {
  const page = await context.newPage();
  page.errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') page.errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => page.errors.push(`pageerror: ${err.message}`));
  await page.goto(url);
  return page;
}

/** Waits until the engine badge says which build runs; returns its dataset. */
export async function engineBadge(page) {
  await page.waitForFunction(() => document.getElementById('engine-badge')?.dataset.build, null, { timeout: 60_000 });
  return page.evaluate(() => ({ ...document.getElementById('engine-badge').dataset, text: document.getElementById('engine-badge').textContent }));
}

/** Runs `convexlab <lab> --config FILE [...flags]` natively on `config`; returns its parsed JSON output. */
export function runNativeCli(lab, config, flags = []) {
  const dir = mkdtempSync(join(tmpdir(), 'convexlab-cli-'));
  try {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(config));
    const bin = join(ROOT, 'target/debug/convexlab');
    const out = existsSync(bin)
      ? execFileSync(bin, [lab, '--config', file, ...flags], { encoding: 'utf8' })
      : execFileSync('cargo', ['run', '-q', '-p', 'convexlab', '--', lab, '--config', file, ...flags], { cwd: ROOT, encoding: 'utf8' });
    return JSON.parse(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
