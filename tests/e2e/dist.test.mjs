// The static site from `cargo xtask dist` runs from any static host: here a plain file server that
// knows nothing of convexlab (no isolation headers), as GitHub Pages or an LMS file area would be.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, extname, normalize } from 'node:path';
import { launchBrowser, openPage, engineBadge, EXPECTED_DIGEST, ROOT } from './helpers.mjs';

const DIST = join(ROOT, 'dist');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json' };

let server, url, browser;
before(async () => {
  assert.ok(existsSync(join(DIST, 'index.html')), 'dist/ is missing: run cargo xtask dist');
  server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(DIST, path);
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${server.address().port}/`;
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  server?.close();
});

test('dist/ carries the headers file for Netlify and Cloudflare Pages', async () => {
  const headers = await readFile(join(DIST, '_headers'), 'utf8');
  assert.match(headers, /Cross-Origin-Opener-Policy: same-origin/);
  assert.match(headers, /Cross-Origin-Embedder-Policy: require-corp/);
});

test('dist/ runs single-threaded from a plain static server, every tab without errors', async () => {
  const page = await openPage(browser.context, url);
  const badge = await engineBadge(page);
  assert.equal(badge.build, 'st');
  for (const id of ['active', 'sketch', 'peft', 'score', 'bench']) {
    await page.click(`#tab-${id}`);
    await page.waitForFunction((lab) => document.getElementById('lab').dataset.lab === lab && document.getElementById('lab').children.length > 0, id);
  }
  const d = await page.evaluate(() => globalThis.convexlab.engine.request('digest', { seed: 42 }));
  assert.equal(d.digest, EXPECTED_DIGEST);
  assert.deepEqual(page.errors, []);
  await page.close();
});
