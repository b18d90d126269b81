// Fills a fresh SQLite store by replaying the repository's fixtures (and
// testdata/markup.otlp.json, whose agent and model are markup) through the
// built collector, then starts `steps serve` over it. Both binaries come
// from `make build steps`.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { requireBinary, startCollector } from '../../conformance/collector.mjs';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
const collectorBin = path.join(root, '_build/otelcol-steps');
export const stepsBin = path.join(root, '_build/steps');

function fixtures() {
  const files = [path.join(here, 'testdata/markup.otlp.json')];
  for (const dir of fs.readdirSync(path.join(root, 'testdata'))) {
    const d = path.join(root, 'testdata', dir);
    if (!fs.statSync(d).isDirectory()) continue;
    for (const f of fs.readdirSync(d)) if (f.endsWith('.otlp.json')) files.push(path.join(d, f));
  }
  return files.sort();
}

// start returns {url, records(), stop()}: url is steps serve's base URL;
// records() reads the store with `steps list --json`, the truth every
// answer is compared with.
export async function start() {
  requireBinary(collectorBin, 'make build');
  requireBinary(stepsBin, 'make steps');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steps-serve-'));
  const db = path.join(dir, 'steps.db');
  const files = fixtures();
  const { stdout } = await run(stepsBin, ['convert', ...files], { maxBuffer: 64 << 20 });
  const want = stdout.split('\n').filter((l) => l.trim()).length;

  // trace_url as config.yaml has it, so that each step links to Jaeger.
  const collector = await startCollector({ binary: collectorBin, steps: stepsBin, dir, traceURL: 'http://127.0.0.1:16686/trace/{trace_id}' });
  const endpoint = collector.otlpHTTP.replace('http://', '');
  await run(stepsBin, ['replay', '--protocol', 'http', '--endpoint', endpoint, ...files]);
  const deadline = Date.now() + 120_000;
  let got = [];
  while ((got = await collector.records()).length < want) {
    if (Date.now() > deadline) throw new Error(`${got.length} of ${want} steps stored within 120s:\n${collector.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  await collector.stop();

  const serve = spawn(stepsBin, ['serve', '--sqlite', db, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let errText = '';
  serve.stderr.on('data', (b) => (errText += b));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`steps serve printed no URL in 60s: ${out}${errText}`)), 60_000);
    serve.stdout.on('data', (b) => {
      out += b;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) { clearTimeout(timer); resolve(m[0]); }
    });
    serve.on('exit', (code) => reject(new Error(`steps serve exited ${code}: ${out}${errText}`)));
  });
  return {
    url,
    want,
    async records() {
      const { stdout } = await run(stepsBin, ['list', '--sqlite', db, '--json', '--limit', '100000'], { maxBuffer: 64 << 20 });
      return stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
    },
    async stop() {
      const done = new Promise((r) => serve.on('exit', r));
      serve.kill('SIGTERM');
      await done;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// order sorts records as GET /v1/steps/ does: by start time, then id;
// newest first unless asc.
export function order(recs, asc = false) {
  const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  const out = [...recs].sort((a, b) => cmp(nanos(a.start_time), nanos(b.start_time)) || cmp(a.id, b.id));
  return asc ? out : out.reverse();
}

// nanos reads an RFC 3339 time with up to nine fractional digits exactly,
// as Unix nanoseconds (BigInt); a missing time is 0.
export function nanos(t) {
  if (!t) return 0n;
  const m = t.match(/^(.*?:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/);
  return BigInt(Date.parse(m[1] + m[3])) * 1000000n + BigInt((m[2] || '').padEnd(9, '0'));
}
