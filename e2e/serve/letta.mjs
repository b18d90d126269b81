// Drives steps serve with Letta's own TypeScript client,
// @letta-ai/letta-client (pinned in package.json), and compares every
// answer with the store: each of Letta's list filters, paging forward and
// back to the end, retrieve, feedback set and cleared, metrics, and a run's
// steps.
import assert from 'node:assert/strict';
import Letta from '@letta-ai/letta-client';

import { start, order, nanos } from './setup.mjs';

const ids = (recs) => recs.map((r) => r.id);
const srv = await start();
let failed = false;
try {
  const client = new Letta({ baseURL: srv.url.replace(/\/$/, ''), apiKey: null, maxRetries: 0 });
  let store = await srv.records();
  assert.equal(store.length, srv.want, 'the store holds every replayed step');
  const all = async (params) => {
    const out = [];
    for await (const s of client.steps.list(params)) out.push(s);
    return out;
  };
  const check = async (name, params, pred, asc = params.order === 'asc') => {
    const got = await all(params);
    assert.deepEqual(ids(got), ids(order(store.filter(pred), asc)), name);
    const byID = Object.fromEntries(store.map((r) => [r.id, r]));
    for (const g of got) assert.deepEqual(g, byID[g.id], `${name}: ${g.id} as the store holds it`);
    console.log(`letta-client: ${name}: ${got.length} steps, as the store`);
  };

  // Feedback through the client, so the feedback filters have both kinds.
  const [a, b] = order(store).filter((r) => r.trace_id);
  let s = await client.steps.feedback.create(a.id, { feedback: 'positive', tags: ['reviewed'] });
  assert.equal(s.feedback, 'positive');
  assert.deepEqual(s.tags, ['reviewed']);
  s = await client.steps.feedback.create(b.id, { feedback: 'negative' });
  assert.equal(s.feedback, 'negative');
  store = await srv.records();
  assert.equal(store.find((r) => r.id === a.id).feedback, 'positive', 'feedback is stored');

  await check('every step, newest first (auto-paging, limit 7)', { limit: 7 }, () => true);
  await check('every step, oldest first', { limit: 7, order: 'asc' }, () => true);
  const agent = store.find((r) => r.agent_id).agent_id;
  await check(`agent_id=${agent}`, { agent_id: agent, limit: 3 }, (r) => r.agent_id === agent);
  const model = store.find((r) => r.model).model;
  await check(`model=${model}`, { model }, (r) => r.model === model);
  const markup = store.find((r) => r.model && r.model.includes('<script>'));
  assert.ok(markup, 'the markup step is stored');
  await check('model with <script>', { model: markup.model }, (r) => r.model === markup.model);
  await check('feedback=positive', { feedback: 'positive' }, (r) => r.feedback === 'positive');
  await check('feedback=negative', { feedback: 'negative' }, (r) => r.feedback === 'negative');
  await check('has_feedback=true', { has_feedback: true }, (r) => r.feedback != null);
  await check('has_feedback=false', { has_feedback: false, limit: 20 }, (r) => r.feedback == null);
  const traces = [...new Set(store.map((r) => r.trace_id).filter(Boolean))].slice(0, 3);
  await check('trace_ids (three)', { trace_ids: traces }, (r) => traces.includes(r.trace_id));
  await check('tags=[reviewed]', { tags: ['reviewed'] }, (r) => (r.tags || []).includes('reviewed'));
  const projected = store.find((r) => r.project_id);
  const project = projected ? projected.project_id : 'no-such-project';
  await check(`project_id=${project}`, { project_id: project }, (r) => r.project_id === project);
  const times = order(store, true).filter((r) => r.start_time);
  const lo = times[Math.floor(times.length / 4)].start_time, hi = times[Math.floor((3 * times.length) / 4)].start_time;
  await check('start_date and end_date (exclusive)', { start_date: lo, end_date: hi },
    (r) => r.start_time && nanos(r.start_time) / 1000n > nanos(lo) / 1000n && nanos(r.start_time) / 1000n < nanos(hi) / 1000n);

  // Backward: the SDK pages with before=<first id> until a page is empty.
  const newest = order(store);
  const back = [];
  for await (const page of (await client.steps.list({ before: newest[0].id, limit: 6, order: 'asc' })).iterPages()) {
    back.unshift(...page.getPaginatedItems());
  }
  assert.deepEqual(ids(back), ids(order(store, true).slice(0, -1)), 'paging back to the start');
  console.log(`letta-client: paging back: ${back.length} steps, as the store`);

  // Retrieve, metrics, runs' steps.
  const one = await client.steps.retrieve(markup.id);
  assert.deepEqual(one, store.find((r) => r.id === markup.id));
  const m = await client.steps.metrics.retrieve(markup.id);
  assert.equal(m.id, markup.id);
  assert.equal(BigInt(m.step_ns), nanos(markup.end_time) - nanos(markup.start_time));
  const perRun = {};
  for (const r of store) if (r.run_id) perRun[r.run_id] = (perRun[r.run_id] || 0) + 1;
  const run = Object.keys(perRun).sort((x, y) => perRun[y] - perRun[x] || (x < y ? -1 : 1))[0];
  const runSteps = [];
  for await (const r of client.runs.steps.list(run, { limit: 2 })) runSteps.push(r);
  assert.deepEqual(ids(runSteps), ids(order(store.filter((r) => r.run_id === run))), 'runs.steps.list');
  console.log(`letta-client: retrieve, metrics and runs.steps.list(${run}): ${runSteps.length} steps, as the store`);

  // Cleared feedback stays cleared in the store.
  s = await client.steps.feedback.create(a.id, { feedback: null });
  assert.equal(s.feedback, null);
  store = await srv.records();
  assert.equal(store.find((r) => r.id === a.id).feedback, null, 'cleared feedback is stored');
  assert.deepEqual(store.find((r) => r.id === a.id).tags, ['reviewed'], 'no tags keeps the tags');
  await assert.rejects(client.steps.retrieve('step-no-such-id'), (e) => e.status === 404);
  console.log('letta-client: all checks passed');
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await srv.stop();
}
process.exit(failed ? 1 : 0);
