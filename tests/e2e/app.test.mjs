// A person's path through the app shell, with and without cross-origin isolation headers: the thread
// badge, every tab, URL-hash state, embedding, errors next to their control, panics reported, and the
// Benchmarks page in both builds.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage, engineBadge, EXPECTED_DIGEST } from './helpers.mjs';

const TABS = ['active', 'sketch', 'peft', 'score', 'bench'];

for (const isolation of [true, false]) {
  describe(isolation ? 'with isolation headers' : 'without isolation headers', () => {
    const env = useServerAndBrowser({ isolation });

    test('the engine badge tells which build runs', async () => {
      const page = await openPage(env.browser.context, env.server.url);
      const badge = await engineBadge(page);
      if (isolation) {
        assert.equal(badge.build, 'mt');
        assert.ok(Number(badge.threads) > 1, `threads: ${badge.threads}`);
        assert.match(badge.text, /^\d+ threads$/);
      } else {
        assert.equal(badge.build, 'st');
        assert.equal(badge.text, 'single-threaded: host sends no isolation headers');
      }
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('the engine reproduces the native digest bit for bit', async () => {
      const page = await openPage(env.browser.context, env.server.url);
      await engineBadge(page);
      const d = await page.evaluate(() => globalThis.convexlab.engine.request('digest', { seed: 42 }));
      assert.equal(d.digest, EXPECTED_DIGEST);
      await page.close();
    });

    test('every tab opens without console errors, by click and by keyboard', async () => {
      const page = await openPage(env.browser.context, env.server.url);
      await engineBadge(page);
      for (const id of TABS) {
        await page.click(`#tab-${id}`);
        await page.waitForFunction((lab) => document.getElementById('lab').dataset.lab === lab && document.getElementById('lab').children.length > 0, id);
        assert.match(page.url(), new RegExp(`#lab=${id}`));
        assert.equal(await page.getAttribute(`#tab-${id}`, 'aria-selected'), 'true');
      }
      await page.focus('#tab-bench');
      await page.keyboard.press('Home');
      await page.waitForFunction(() => document.getElementById('lab').dataset.lab === 'active');
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction(() => document.getElementById('lab').dataset.lab === 'sketch');
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('a URL hash round-trips the state, and <control>_hide hides a control', async () => {
      const page = await openPage(env.browser.context, `${env.server.url}#lab=bench&bench_kernel=svd&bench_n=64&bench_builds=st&bench_quick=1&bench_n_hide=1`);
      await page.waitForSelector('#bench-kernel');
      assert.equal(await page.inputValue('#bench-kernel'), 'svd');
      assert.equal(await page.inputValue('#bench-n'), '64');
      assert.equal(await page.inputValue('#bench-builds'), 'st');
      assert.equal(await page.isChecked('#bench-quick'), true);
      assert.equal(await page.isVisible('#bench-n'), false);
      assert.equal(await page.isVisible('#bench-kernel'), true);
      await page.selectOption('#bench-kernel', 'matmul');
      await page.uncheck('#bench-quick');
      const hash = new URL(page.url()).hash;
      assert.match(hash, /bench_kernel=matmul/);
      assert.match(hash, /bench_quick=0/);
      await page.reload();
      await page.waitForSelector('#bench-kernel');
      assert.equal(await page.inputValue('#bench-kernel'), 'matmul');
      assert.equal(await page.isChecked('#bench-quick'), false);
      assert.equal(await page.inputValue('#bench-n'), '64');
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('embed=1 hides the chrome but keeps the lab', async () => {
      const page = await openPage(env.browser.context, `${env.server.url}#lab=bench&embed=1`);
      await page.waitForSelector('#bench-run');
      for (const sel of ['header', 'nav', 'footer']) assert.equal(await page.isVisible(sel), false, sel);
      assert.equal(await page.isVisible('#bench-run'), true);
      await page.close();
    });

    test('an out-of-range setting shows its error next to the control and keeps the input', async () => {
      const page = await openPage(env.browser.context, `${env.server.url}#lab=bench&bench_kernel=matmul&bench_n=5000&bench_builds=st`);
      await page.click('#bench-run');
      const slot = page.locator('[data-error-for="bench.n"]');
      await slot.waitFor({ state: 'visible' });
      await page.waitForFunction(() => document.querySelector('[data-error-for="bench.n"]').textContent.length > 0);
      assert.equal(await slot.textContent(), 'bench.n = 5000 is out of range: it must be between 1 and 2048');
      assert.equal(await page.inputValue('#bench-n'), '5000');
      await page.close();
    });

    test('a Rust panic is reported on the page and the engine restarts', async () => {
      const page = await openPage(env.browser.context, env.server.url);
      await engineBadge(page);
      const err = await page.evaluate(() => globalThis.convexlab.engine.request('panicForTest').then(() => null, (e) => ({ message: e.message, panic: e.panic })));
      assert.ok(err?.panic, JSON.stringify(err));
      assert.match(err.message, /deliberate panic requested by a test/);
      await page.waitForSelector('#fatal:not([hidden])');
      assert.match(await page.textContent('#fatal'), /Internal error/);
      const d = await page.evaluate(() => globalThis.convexlab.engine.request('digest', { seed: 42 }));
      assert.equal(d.digest, EXPECTED_DIGEST);
      await page.close();
    });

    test('the Benchmarks page times the suite in every build the host allows', async () => {
      const page = await openPage(env.browser.context, `${env.server.url}#lab=bench&bench_kernel=matmul&bench_n=64&bench_quick=1&bench_builds=both`);
      await page.click('#bench-run');
      await page.waitForFunction(() => document.getElementById('bench-progress')?.textContent.startsWith('Done'), null, { timeout: 120_000 });
      const cells = await page.$$eval('#bench-table td[data-series]', (tds) => tds.map((td) => [td.dataset.series, td.textContent]));
      const series = new Set(cells.map(([s]) => s.split(' (')[0]));
      assert.ok(series.has('wasm st'), JSON.stringify(cells));
      assert.equal(series.has('wasm mt'), isolation, JSON.stringify(cells));
      for (const [, text] of cells.filter(([s]) => s.startsWith('wasm'))) {
        const gflops = Number(text.split('·')[1]);
        assert.ok(gflops > 0, text);
      }
      assert.equal(await page.isVisible('#bench-chart'), true);
      await page.waitForFunction(() => document.querySelector('#digests .verdict'));
      assert.equal(await page.getAttribute('#digests .verdict', 'data-agree'), 'true');
      assert.deepEqual(page.errors, []);
      await page.close();
    });
  });
}
