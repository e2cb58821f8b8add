// Lab 1 as a person uses it: the spiral with the paper's protocol, stepped by key and run to the end,
// in both builds; a bad setting shows its error beside the control and keeps what was typed.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage, engineBadge, runNativeCli } from './helpers.mjs';

for (const isolation of [true, false]) {
  describe(`active learning lab (${isolation ? 'threads' : 'single-threaded'})`, () => {
    const env = useServerAndBrowser({ isolation });

    const stat = (page, name) => page.textContent(`[data-stat="${name}"]`);

    test('step by key, then run until the pool runs out', async () => {
      const page = await openPage(env.browser.context, `${env.server.url}#lab=active`);
      await engineBadge(page);
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.includes('Press Step'), null, { timeout: 60_000 });
      assert.equal(await stat(page, 'cuts'), '0');
      await page.keyboard.press('s');
      await page.waitForFunction(() => document.querySelector('[data-stat="round"]')?.textContent === '1');
      assert.equal(await stat(page, 'labels used'), '2');
      assert.ok(Number(await stat(page, 'cuts')) >= 1, 'the first centre (0) gets every label wrong');
      await page.click('#active-run');
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.startsWith('Stopped'), null, { timeout: 120_000 });
      const cuts = Number(await stat(page, 'cuts'));
      const acc = Number(await stat(page, 'test accuracy'));
      assert.equal(await stat(page, 'labels used'), '80');
      assert.ok(cuts >= 5 && cuts <= 40, `cuts ${cuts}`);
      assert.ok(acc > 0.5 && acc <= 1, `accuracy ${acc}`);
      assert.match(await stat(page, 'state'), /pool exhausted/);
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('the page and the native CLI give the same report bit for bit', async () => {
      const page = await openPage(env.browser.context, `${env.server.url}#lab=active&active_data=moons&active_n=60&active_gates=200&active_budget=8`);
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.includes('Press Step'), null, { timeout: 60_000 });
      await page.click('#active-run');
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.startsWith('Stopped'), null, { timeout: 120_000 });
      const inPage = await page.evaluate(() => globalThis.convexlab.engine.request('activeReport'));
      await page.close();
      const native = runNativeCli('active', inPage.config).report;
      assert.equal(inPage.config.data.preset, 'moons');
      assert.deepEqual(inPage, native);
    });

    test('you are the oracle: answer by key, undo, and the answers survive a reload', async () => {
      const page = await openPage(env.browser.context, `${env.server.url}#lab=active&active_oracle=you&active_gates=300`);
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.includes('Press Step'), null, { timeout: 60_000 });
      await page.keyboard.press('s');
      await page.waitForSelector('#active-ask:not([hidden])');
      // The second key comes while the engine still works on the first answer: it waits its turn.
      await page.keyboard.press('1');
      await page.keyboard.press('a');
      await page.waitForFunction(() => document.querySelector('[data-stat="round"]')?.textContent === '1');
      assert.match(await page.evaluate(() => location.hash), /active_answers=0%3A%2B/);
      assert.equal(await stat(page, 'labels used'), '2');
      const afterRound = await page.textContent('#active-stats');
      await page.keyboard.press('s');
      await page.waitForSelector('#active-ask:not([hidden])');
      await page.keyboard.press('2');
      await page.waitForFunction(() => document.querySelector('[data-stat="labels used"]')?.textContent === '3');
      await page.keyboard.press('u');
      await page.waitForFunction(() => document.querySelector('[data-stat="labels used"]')?.textContent === '2');
      assert.equal(await page.textContent('#active-stats'), afterRound, 'undo restores the state exactly');
      await page.reload();
      await page.waitForFunction(() => document.querySelector('[data-stat="labels used"]')?.textContent === '2', null, { timeout: 60_000 });
      assert.equal(await page.textContent('#active-stats'), afterRound, 'a reload replays the answers');
      assert.equal(await page.isVisible('#active-ask'), true);
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('draw mode: clicks add points, labelled ones are answered without asking', async () => {
      const page = await openPage(env.browser.context, `${env.server.url}#lab=active&active_data=draw&active_gates=200`);
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.includes('Draw mode'), null, { timeout: 60_000 });
      const box = await page.locator('#active-points').boundingBox();
      const click = async (fx, fy, modifiers) => {
        await page.click('#active-points', { position: { x: fx * box.width, y: fy * box.height }, modifiers });
        await page.waitForFunction(() => document.getElementById('active-status')?.textContent.includes('Press Step'));
      };
      await click(0.2, 0.2, ['Shift']);
      await click(0.8, 0.8, ['Alt']);
      await click(0.3, 0.7);
      assert.match(new URL(page.url()).hash, /active_points=[^&]*%2B[^&]*-[^&]*%3F/);
      await page.keyboard.press('s');
      await page.waitForFunction(() => document.querySelector('[data-stat="round"]')?.textContent === '1');
      assert.equal(await page.isVisible('#active-ask'), false, 'both queried points had labels');
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('compare strategies: progress, a band chart, and the native CLI gives the same curves', async () => {
      const only = ['random', 'linear_cp'];
      const off = ['least_confidence', 'margin', 'entropy', 'bald', 'qbc'].map((s) => `cmp_${s}=0`).join('&');
      const page = await openPage(env.browser.context,
        `${env.server.url}#lab=active&active_data=moons&active_n=40&active_gates=100&${off}&cmp_seeds=2&cmp_labels=8`);
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.includes('Press Step'), null, { timeout: 60_000 });
      await page.waitForSelector('#cmp-run:not([disabled])');
      await page.click('#cmp-run');
      await page.waitForFunction(() => document.getElementById('cmp-status')?.textContent.includes('strategies ×'), null, { timeout: 120_000 });
      assert.match(await page.textContent('#cmp-status'), /^3 strategies × 2 seeds on moons \(pool 32, test 8\)/);
      assert.equal(await page.locator('#cmp-chart .uplot').count(), 1);
      for (const name of ['cutting planes (CPAL)', 'random', 'linear cutting plane']) {
        assert.ok(await page.locator('#cmp-chart .u-legend').getByText(name).count() > 0, name);
      }
      await page.selectOption('#cmp-axis', 'cuts');
      assert.equal(await page.locator('#cmp-chart .uplot').count(), 1);
      // The same comparison natively: identical curves, bit for bit (NaN and null both mean "no run").
      const inPage = await page.evaluate(async () => {
        const cfg = JSON.parse(JSON.stringify(globalThis.convexlab.lastCompareConfig));
        return { cfg, report: JSON.parse(JSON.stringify(await globalThis.convexlab.engine.request('activeCompare', { config: cfg }))) };
      });
      assert.deepEqual(inPage.cfg.strategies, ['cpal', ...only]);
      const native = runNativeCli('active', inPage.cfg, ['--compare']).report;
      assert.deepEqual(inPage.report, native);
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('compare strategies: a bad setting is named beside its control; Cancel stops a run', async () => {
      const page = await openPage(env.browser.context, `${env.server.url}#lab=active&cmp_labels=500`);
      await page.waitForSelector('#cmp-run:not([disabled])', { timeout: 60_000 });
      await page.click('#cmp-run');
      await page.waitForFunction(() => document.querySelector('[data-error-for="active.compare.max_labels"]')?.textContent.length > 0, null, { timeout: 60_000 });
      assert.match(await page.textContent('[data-error-for="active.compare.max_labels"]'), /80 \(the pool size\)/);
      await page.fill('#cmp-labels', '50');
      await page.click('#cmp-run');
      await page.waitForSelector('#cmp-cancel:not([disabled])');
      await page.click('#cmp-cancel');
      assert.equal(await page.textContent('#cmp-status'), 'Cancelled.');
      assert.equal(await page.isDisabled('#cmp-run'), false);
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('CSV: a bad line is named and nothing is lost; good points replace the drawn ones', async () => {
      const page = await openPage(env.browser.context, `${env.server.url}#lab=active&active_data=draw&active_gates=200&active_points=0.5:0.5:%2B`);
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.includes('Press Step'), null, { timeout: 60_000 });
      const before = new URL(page.url()).hash;
      await page.click('#active-csv-paste');
      await page.fill('#active-csv-text', 'x,y,label\n0.1,0.2,1\n0.3,nan,-1\n');
      await page.click('#active-csv-use');
      await page.waitForFunction(() => document.getElementById('active-csv-error')?.textContent.length > 0);
      assert.match(await page.textContent('#active-csv-error'), /line 3/);
      assert.equal(new URL(page.url()).hash, before, 'the drawn point is kept');
      const rows = ['x,y,label'];
      for (let i = 0; i < 12; i++) rows.push(`${(i / 6 - 1).toFixed(2)},${((i * 7) % 12 / 6 - 1).toFixed(2)},${i % 2 ? 1 : 0}`);
      await page.fill('#active-csv-text', rows.join('\n'));
      await page.click('#active-csv-use');
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.startsWith('12 points from pasted CSV'));
      assert.equal(await page.textContent('#active-csv-error'), '');
      assert.equal(await page.inputValue('#active-data'), 'draw');
      assert.equal((new URL(page.url()).hash.match(/active_points=([^&]*)/)[1].split('%3B')).length, 12);
      await page.keyboard.press('s');
      await page.waitForFunction(() => document.querySelector('[data-stat="round"]')?.textContent === '1');
      assert.equal(await page.isVisible('#active-ask'), false, 'CSV points carry their labels');
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('final solve (AFS) beside the centre network, equal to the native CLI', async () => {
      const page = await openPage(env.browser.context, `${env.server.url}#lab=active&active_data=moons&active_n=60&active_gates=200&active_budget=8`);
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.includes('Press Step'), null, { timeout: 60_000 });
      await page.click('#active-run');
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.startsWith('Stopped'), null, { timeout: 120_000 });
      await page.keyboard.press('f');
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.startsWith('Final solve done'), null, { timeout: 120_000 });
      assert.equal(await page.isVisible('#active-afs-field'), true);
      assert.match(await page.textContent('#active-afs-detail'), /^\d+ cut points, \d+ nonzero blocks, \d+ proximal-point steps, \d+ Newton steps, KKT residual \d\.\de-\d+, \d+ ms\.$/);
      const inPage = Number(await page.getAttribute('#active-afs-detail', 'data-accuracy'));
      const config = await page.evaluate(() => globalThis.convexlab.engine.request('activeReport').then((r) => r.config));
      const native = runNativeCli('active', config, ['--final-solve']).final_solve;
      assert.equal(inPage, native.test_accuracy);
      assert.ok(Math.max(...Object.values(native.kkt)) <= 1e-6);
      // A new round makes the shown solve stale.
      await page.click('#active-reset');
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.includes('Press Step'));
      assert.equal(await page.isVisible('#active-final'), false);
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('choosing the sentiment words picks the paper\'s rule for them', async () => {
      const page = await openPage(env.browser.context, `${env.server.url}#lab=active`);
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.includes('Press Step'), null, { timeout: 60_000 });
      assert.equal(await page.inputValue('#active-query'), 'confident_pair');
      await page.selectOption('#active-data', 'sentiment');
      assert.equal(await page.inputValue('#active-query'), 'least_confident');
      assert.match(await page.evaluate(() => location.hash), /active_query=least_confident/);
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('sentiment words: the learner shows the word and the person answers', async () => {
      const page = await openPage(env.browser.context,
        `${env.server.url}#lab=active&active_data=sentiment&active_n=60&active_oracle=you&active_query=least_confident&active_gates=300`);
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.includes('Press Step'), null, { timeout: 60_000 });
      assert.equal(await page.isVisible('#active-dims'), true);
      await page.keyboard.press('s');
      await page.waitForSelector('#active-ask:not([hidden])');
      assert.match(await page.textContent('#active-ask-text'), /^The learner asks: is “[^”]+” positive \(\+1\) or negative \(−1\)\?/);
      await page.keyboard.press('a');
      await page.waitForFunction(() => document.querySelector('[data-stat="labels used"]')?.textContent === '1');
      await page.keyboard.press('s');
      await page.waitForSelector('#active-ask:not([hidden])');
      await page.keyboard.press('2');
      await page.waitForFunction(() => document.querySelector('[data-stat="labels used"]')?.textContent === '2');
      const stats = await page.textContent('#active-stats');
      await page.reload();
      await page.waitForFunction(() => document.querySelector('[data-stat="labels used"]')?.textContent === '2', null, { timeout: 60_000 });
      assert.equal(await page.textContent('#active-stats'), stats, 'a reload replays the answers');
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('query synthesis: the learner asks about points off the pool, as the native CLI does', async () => {
      const page = await openPage(env.browser.context, `${env.server.url}#lab=active&active_data=xor&active_n=60&active_gates=200&active_query=synthesis&active_budget=6`);
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.includes('Press Step'), null, { timeout: 60_000 });
      await page.click('#active-run');
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.startsWith('Stopped'), null, { timeout: 120_000 });
      const inPage = await page.evaluate(() => globalThis.convexlab.engine.request('activeReport'));
      assert.ok(inPage.synthesized.length >= 2 * 6, 'at least six points made up');
      assert.deepEqual(inPage, runNativeCli('active', inPage.config).report);
      // You as the oracle: the learner asks about a made-up point; "auto" answers with the preset's rule.
      await page.goto(`${env.server.url}#lab=active&active_data=xor&active_n=60&active_gates=200&active_query=synthesis&active_oracle=you`);
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.includes('Press Step'), null, { timeout: 60_000 });
      await page.keyboard.press('s');
      await page.waitForSelector('#active-ask:not([hidden])');
      assert.match(await page.textContent('#active-ask-text'), /label of point 48 at \(-?\d\.\d\d, -?\d\.\d\d\)/);
      await page.keyboard.press('a');
      await page.waitForFunction(() => document.querySelector('[data-stat="labels used"]')?.textContent === '1');
      assert.match(new URL(page.url()).hash, /active_answers=48%3A(%2B|-)/);
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('regression (y = x^2): the fitted curve, test RMSE, and the same report as the native CLI', async () => {
      const page = await openPage(env.browser.context, `${env.server.url}#lab=active&active_data=quadratic&active_gates=300&active_budget=20`);
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.includes('Press Step'), null, { timeout: 60_000 });
      assert.equal(await page.isVisible('#active-regression .uplot'), true);
      assert.ok(await page.evaluate(() => document.querySelector('#active-regression .u-under').getBoundingClientRect().left > 20), 'axes are drawn');
      assert.equal(await page.isVisible('#active-field'), false);
      await page.click('#active-run');
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.startsWith('Stopped'), null, { timeout: 120_000 });
      const rmse = Number(await stat(page, 'test RMSE'));
      assert.ok(rmse > 0 && rmse < 0.05, `rmse ${rmse}`);
      const inPage = await page.evaluate(() => globalThis.convexlab.engine.request('activeReport'));
      assert.deepEqual(inPage, runNativeCli('active', inPage.config).report);
      // The person cannot type real targets here: the error names the oracle control.
      await page.selectOption('#active-oracle', 'you');
      await page.click('#active-reset');
      await page.waitForFunction(() => document.querySelector('[data-error-for="active.oracle"]')?.textContent.length > 0);
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('three layers: the deeper network runs on the lab\'s dataset as the native CLI does', async () => {
      const page = await openPage(env.browser.context, `${env.server.url}#lab=active&active_data=moons&active_n=40&active_budget=6&deep_inner=10&deep_outer=20`);
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.includes('Press Step'), null, { timeout: 60_000 });
      await page.click('#deep-run');
      await page.waitForFunction(() => /parameters/.test(document.getElementById('deep-status')?.textContent), null, { timeout: 120_000 });
      const caption = await page.textContent('#deep-caption');
      const cfg = { data: { preset: 'moons', n: 40, test_fraction: 0.2, noise: 0, seed: 0 }, budget_cuts: 6, inner_gates: 10, outer_gates: 20 };
      const native = runNativeCli('active', cfg, ['--three-layer']).report;
      assert.equal(caption, `Three-layer centre: test accuracy ${native.test_accuracy.toFixed(3)}`);
      assert.match(await page.textContent('#deep-status'), new RegExp(`^${native.inner_patterns} inner and ${native.outer_patterns} outer patterns, ${native.parameters} parameters`));
      await page.fill('#deep-outer', '0');
      await page.click('#deep-run');
      await page.waitForFunction(() => document.querySelector('[data-error-for="active3.outer_gates"]')?.textContent.length > 0);
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('an out-of-range setting is shown beside its control and the input is kept', async () => {
      const page = await openPage(env.browser.context, `${env.server.url}#lab=active&active_gates=0`);
      const slot = page.locator('[data-error-for="active.gates"]');
      await page.waitForFunction(() => document.querySelector('[data-error-for="active.gates"]')?.textContent.length > 0, null, { timeout: 60_000 });
      assert.equal(await slot.textContent(), 'active.gates = 0 is out of range: it must be between 1 and 20000');
      assert.equal(await page.inputValue('#active-gates'), '0');
      await page.fill('#active-gates', '300');
      await page.click('#active-reset');
      await page.waitForFunction(() => document.getElementById('active-status')?.textContent.includes('Press Step'), null, { timeout: 60_000 });
      assert.equal(await slot.textContent(), '');
      await page.close();
    });
  });
}
