// The conformance runner: the built otelcol-steps and the fake model server
// on loopback, each library's script run unmodified against them, then every
// stored step held against what the fake server answered.
//
//   node run.mjs [suite ...]            the JS suites (make conformance runs them all)
//   node run.mjs --python [suite ...]   the Python ones, each in its group's venv
//                                       (make conformance-python installs them)
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startCollector, requireBinary } from './collector.mjs';
import { checkSuite } from './check.mjs';
import { startFakeServer } from './fakeserver.mjs';
import { notCovered as jsNotCovered, suites as jsSuites } from './suites.mjs';
import { notCovered as pyNotCovered, suites as pySuites } from './python/suites.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
// Bounds, not expected times: a script or a store that is done sooner is
// used at once, and these only catch a hang on a loaded two-core machine
// (Python frameworks such as crewai and google-adk import slowly).
const SCRIPT_TIMEOUT_MS = 300_000;
const PYTHON_SCRIPT_TIMEOUT_MS = 300_000;
const STORE_TIMEOUT_MS = 180_000;
// The processor's wait plus the batch timeout, with room: a step that shows
// up this long after the expected ones is an extra one.
const SETTLE_MS = 3_000;

// commandOf: node for a JS suite; for a Python one, the python of its
// group's venv (conformance/python/venv.sh), which fails naming the fix
// when the venv of the current pins is not installed.
function commandOf(suite) {
  // A library whose dependencies conflict with the main tree runs from
  // its own folder under isolated/, with its own package.json.
  if (!suite.venv) return [process.execPath, [path.join(here, suite.dir ?? 'scripts', suite.script)]];
  const python = execFileSync('bash', [path.join(here, 'python', 'venv.sh'), 'python', suite.venv], { encoding: 'utf8' }).trim();
  return [python, [path.join(here, 'python', 'scripts', suite.script)]];
}

function runScript(suite, env) {
  const [command, args] = commandOf(suite);
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: here, env: { ...process.env, ...suite.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), suite.venv ? PYTHON_SCRIPT_TIMEOUT_MS : SCRIPT_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, code, signal, output });
    });
  });
}

async function awaitRecords(collector, want) {
  const deadline = Date.now() + STORE_TIMEOUT_MS;
  for (;;) {
    const records = await collector.records();
    const complete = want.every(({ service, calls }) =>
      records.filter((r) => r.service_name === service).length >= calls);
    if (complete || Date.now() > deadline) break;
    if (collector.exited()) throw new Error(`otelcol-steps exited:\n${collector.output()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  return collector.records();
}

async function main() {
  const python = process.argv[2] === '--python';
  const only = process.argv.slice(python ? 3 : 2);
  const suites = python ? pySuites : jsSuites;
  const notCovered = python ? pyNotCovered : jsNotCovered;
  // CONFORMANCE_CAPTURE_DIR=dir keeps each Python suite's spans as OTLP/JSON
  // in dir/<suite>.json (conformance/python/captured holds the last ones).
  const captureDir = process.env.CONFORMANCE_CAPTURE_DIR;
  if (captureDir) fs.mkdirSync(captureDir, { recursive: true });
  const chosen = only.length ? suites.filter((s) => only.includes(s.name)) : suites;
  if (only.length && chosen.length !== only.length) throw new Error(`unknown suite in ${only.join(' ')}; known: ${suites.map((s) => s.name).join(' ')}`);
  const binary = path.join(root, '_build', 'otelcol-steps');
  const steps = path.join(root, '_build', 'steps');
  requireBinary(binary, 'make build');
  requireBinary(steps, 'make steps');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentsteps-conformance-'));
  const fake = await startFakeServer();
  let collector;
  const failures = [];
  try {
    collector = await startCollector({ binary, steps, dir });
    const runs = [];
    for (const suite of chosen) {
      const service = `conformance-${suite.name}`;
      const first = fake.answered.length;
      const started = Date.now();
      const result = await runScript(suite, {
        CONFORMANCE_OTLP: collector.otlpHTTP, CONFORMANCE_FAKE_URL: fake.url, CONFORMANCE_SERVICE: service,
        ...(captureDir && suite.venv && { CONFORMANCE_CAPTURE: path.resolve(captureDir, `${suite.name}.json`) }),
      });
      const calls = fake.answered.slice(first);
      console.log(`ran ${suite.name} (${suite.library}): ${calls.length} model calls in ${Date.now() - started} ms`);
      if (!result.ok) failures.push(`${suite.name}: the script failed (exit ${result.code ?? result.signal}):\n${result.output}`);
      runs.push({ suite, service, calls });
    }
    const records = await awaitRecords(collector, runs.map((r) => ({ service: r.service, calls: r.calls.length })));
    for (const run of runs) {
      const problems = checkSuite(run.suite, run.calls, records.filter((r) => r.service_name === run.service));
      if (problems.pending.length) {
        console.log(`PENDING ${run.suite.name}: ${run.suite.pendingFixes.reason}\n  ${problems.pending.join('\n  ')}`);
      }
      if (problems.length) failures.push(`${run.suite.name} (${run.suite.library}):\n  ${problems.join('\n  ')}`);
      else console.log(`ok   ${run.suite.name}: ${run.calls.length} steps match what the fake server answered${problems.pending.length ? ', but for the pending fields above' : ''}`);
    }
  } finally {
    await collector?.stop();
    await fake.close();
    if (failures.length === 0 && process.env.CONFORMANCE_DEBUG !== '1') fs.rmSync(dir, { recursive: true, force: true });
    else console.error(`collector config, log and SQLite file kept in ${dir}`);
  }
  for (const { library, reason } of notCovered) console.log(`NOT COVERED ${library}: ${reason}`);
  if (failures.length) {
    console.error(`\nFAIL (${chosen.length} suites run):\n\n${failures.join('\n\n')}`);
    process.exit(1);
  }
  console.log(`PASS ${chosen.length} suites`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
