// Opens the steps page of steps serve in headless Chromium (Debian's
// chromium, driven by playwright-core) over a store the built collector
// filled from the fixtures, and checks what a person would: the table shows
// every step, a filter narrows it, a step's page links to its trace, the
// failed steps are listed, the charts drew (the cost charts with a line,
// and cost by model equal to the API's cost_usd summed per model), and
// the step whose model and agent are markup shows them as text. It saves
// a screenshot of the
// overview (SERVE_SCREENSHOT, default _build/steps-page.png).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { start, order, root } from './setup.mjs';

const executablePath = execFileSync('bash', [path.join(root, 'scripts/chromium.sh')], { encoding: 'utf8' }).trim().split('\n').pop();
const shot = process.env.SERVE_SCREENSHOT || path.join(root, '_build/steps-page.png');
const srv = await start();
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
let failed = false;
try {
  const store = await srv.records();
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems = [];
  page.on('dialog', (d) => { problems.push(`a dialog opened: ${d.message()}`); d.dismiss(); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });

  // The table, page by page through "older", shows every step, newest first.
  await page.goto(srv.url + '#/steps');
  const seen = [];
  for (;;) {
    await page.waitForSelector('main[aria-busy=false] table#steps');
    seen.push(...(await page.$$eval('table#steps tr[data-step]', (rows) => rows.map((r) => r.dataset.step))));
    const older = await page.$('a#older');
    if (!older) break;
    const before = page.url();
    await older.click();
    await page.waitForFunction((u) => location.href !== u, before);
    await page.waitForSelector('main[aria-busy=false]');
  }
  assert.deepEqual(seen, order(store).map((r) => r.id), 'the table shows every step, newest first');
  console.log(`browser: the table shows all ${seen.length} steps`);

  // The markup step: its model and agent are text, nothing ran.
  const markup = store.find((r) => r.model && r.model.includes('<script>'));
  await page.goto(srv.url + '#/steps?' + new URLSearchParams({ model: markup.model }));
  await page.waitForSelector(`tr[data-step="${markup.id}"]`);
  const cells = await page.$$eval(`tr[data-step="${markup.id}"] td`, (tds) => tds.map((t) => t.textContent));
  assert.ok(cells.includes(markup.model) && cells.includes(markup.agent_id), 'markup shows as text');
  assert.equal(await page.$$eval('main script, main img', (n) => n.length), 0, 'no markup became elements');

  // A filter narrows the table, and lives in the URL.
  const model = order(store).find((r) => r.model && !r.model.includes('<')).model;
  await page.goto(srv.url + '#/steps');
  await page.waitForSelector('table#steps');
  await page.fill('input[name=model]', model);
  await page.click('form#filters button');
  await page.waitForFunction((m) => decodeURIComponent(location.hash).includes('model=' + m), model);
  await page.waitForFunction((n) => document.querySelectorAll('table#steps tr[data-step]').length === n,
    store.filter((r) => r.model === model).length);
  const models = await page.$$eval('table#steps tr[data-step] td:nth-child(4)', (tds) => tds.map((t) => t.textContent));
  assert.ok(models.every((m) => m === model));
  console.log(`browser: the filter model=${model} narrows the table to ${models.length} steps`);

  // A step's page shows its fields and links to its trace.
  const traced = order(store).find((r) => r.trace_url);
  assert.ok(traced, 'the fixtures have a step with a trace_url');
  await page.goto(srv.url + '#/step/' + encodeURIComponent(traced.id));
  await page.waitForSelector('table#step');
  assert.equal(await page.getAttribute('a#trace-link', 'href'), traced.trace_url);
  const fields = await page.$$eval('table#step th', (ths) => ths.map((t) => t.textContent));
  assert.deepEqual(fields, Object.keys(traced).sort(), 'every field of the step');
  console.log(`browser: step ${traced.id} links to ${traced.trace_url}`);

  // Failed steps, newest first.
  await page.goto(srv.url + '#/failed');
  await page.waitForSelector('main h2');
  const failedIDs = await page.$$eval('table#failed tr[data-step]', (rows) => rows.map((r) => r.dataset.step));
  assert.deepEqual(failedIDs, order(store.filter((r) => r.status === 'failed')).map((r) => r.id));
  console.log(`browser: ${failedIDs.length} failed steps listed`);

  // The overview's charts drew: each canvas has painted pixels.
  await page.goto(srv.url + '#/overview');
  await page.waitForFunction(() => document.querySelectorAll('.chart canvas').length === 6);
  const painted = await page.$$eval('.chart canvas', (cs) => cs.map((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  }));
  assert.ok(painted.every((n) => n > 100), `every chart painted pixels: ${painted}`);
  // The cost charts drew lines, not just axes: each has pixels in its
  // series colour (the first series' stroke, #2f6fde).
  const stroked = await page.$$eval('.chart', (cards) => cards.filter((c) => c.dataset.chart.startsWith('Cost')).map((c) => {
    const cv = c.querySelector('canvas');
    const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] === 0x2f && d[i + 1] === 0x6f && d[i + 2] === 0xde) n++;
    return n;
  }));
  assert.equal(stroked.length, 2, 'two cost charts');
  assert.ok(stroked.every((n) => n > 0), `the cost charts drew a line: ${stroked}`);
  // Cost by model as the page shows it equals cost_usd summed per model over
  // the same steps (those with a start time) read from the API; a step
  // without cost_usd is counted as unpriced, not as $0.
  const apiSteps = await page.evaluate(async () => {
    const out = [];
    for (let after = ''; ;) {
      const page = await (await fetch('v1/steps/?limit=1000' + (after && '&after=' + encodeURIComponent(after)))).json();
      out.push(...page);
      if (page.length < 1000) return out;
      after = page[page.length - 1].id;
    }
  });
  const timed = apiSteps.filter((s) => s.start_time);
  const wantUSD = {};
  for (const s of timed) if (typeof s.cost_usd === 'number') wantUSD[s.model || '(none)'] = (wantUSD[s.model || '(none)'] || 0) + s.cost_usd;
  assert.ok(Object.keys(wantUSD).length > 0, 'the fixtures have priced steps');
  const shown = await page.$$eval('#cost-by-model tr[data-model]', (rows) => rows.map((r) => [r.dataset.model, r.cells[3].textContent]));
  assert.deepEqual(shown.map(([m]) => m).sort(), Object.keys(wantUSD).sort(), 'cost by model lists every priced model');
  for (const [m, text] of shown) {
    const got = Number(text.replace(/^\$/, ''));
    assert.ok(Math.abs(got - wantUSD[m]) <= 1e-9, `cost of ${m}: page ${text}, API ${wantUSD[m]}`);
  }
  const unpriced = timed.filter((s) => typeof s.cost_usd !== 'number').length;
  assert.ok((await page.textContent('#overview-unpriced')).startsWith(`${unpriced} of ${timed.length} steps`), 'the unpriced count');
  console.log(`browser: cost by model matches the API for ${shown.length} models; ${unpriced} of ${timed.length} steps unpriced`);
  assert.equal(await page.textContent('#overview-count'), `${store.length} steps`);
  const agentTokens = store.reduce((m, r) => (r.agent_id && (m[r.agent_id] = (m[r.agent_id] || 0) + (r.total_tokens || 0)), m), {});
  const [topName, topTokens] = await page.$$eval('#top-agents tr:nth-child(2) td', (tds) => [tds[0].textContent, Number(tds[2].textContent)]);
  assert.equal(topTokens, Math.max(...Object.values(agentTokens)), 'the top agent by tokens');
  assert.equal(agentTokens[topName], topTokens, 'the top agent by tokens');
  // The markup model is a legend label and a table cell, as text (the CSP
  // would stop an injected handler, so check the elements, not a dialog).
  assert.equal(await page.$$eval('main script, main img', (n) => n.length), 0, 'no markup became elements');
  assert.ok((await page.textContent('main')).includes(markup.model), 'the markup model shows as text');
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`browser: 6 charts drew; screenshot in ${shot}`);

  assert.deepEqual(problems, [], 'no dialog, page error or console error');
  console.log('browser: all checks passed');
} catch (e) {
  console.error("URL", await (await browser.contexts()[0]?.pages()[0])?.url());
  failed = true;
  console.error(e);
} finally {
  await browser.close();
  await srv.stop();
}
process.exit(failed ? 1 : 0);
