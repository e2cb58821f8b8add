// Regenerates docs/screenshot.png for the README: the Benchmarks page after a quick run in both builds.
// Usage (after `cargo xtask build`): node tools/screenshot.mjs [hash]

import { join } from 'node:path';
import { startServer, launchBrowser, openPage, engineBadge, ROOT } from '../e2e/helpers.mjs';

const hash = process.argv[2] ?? '#lab=bench&bench_quick=1';
const server = await startServer({ isolation: true });
const browser = await launchBrowser();
try {
  const page = await openPage(browser.context, server.url + hash);
  await page.setViewportSize({ width: 1100, height: 900 });
  await engineBadge(page);
  if (hash.includes('lab=bench')) {
    await page.click('#bench-run');
    await page.waitForFunction(() => document.getElementById('bench-progress').textContent.startsWith('Done'), null, { timeout: 300_000 });
  }
  await page.screenshot({ path: join(ROOT, 'docs/screenshot.png'), fullPage: true });
  console.log('wrote docs/screenshot.png', page.errors);
} finally {
  await browser.close();
  server.stop();
}
