// Starts the built otelcol-steps on free loopback ports, writing steps to a
// fresh SQLite file, and reads them back with `steps list`.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// wait is short so that the suite does not idle; it is still long enough
// for each trace's wrapper spans, which end last, to join their steps.
// CONFORMANCE_DEBUG=1 adds the debug exporter, so that otelcol.log in the
// kept directory shows every span with its attributes.
const debug = process.env.CONFORMANCE_DEBUG === '1';
const config = (grpc, http, health, db, traceURL) => `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: ${grpc}}
      http: {endpoint: ${http}}
processors:
  step:
    wait: 1s
  batch:
    timeout: 200ms
exporters:
  step:
    sqlite: {path: ${JSON.stringify(db)}}
${traceURL ? `    trace_url: ${JSON.stringify(traceURL)}\n` : ''}  debug: {verbosity: detailed}
extensions:
  health_check: {endpoint: ${health}}
service:
  extensions: [health_check]
  telemetry:
    metrics: {level: none}
  pipelines:
    traces:
      receivers: [otlp]
      processors: [step, batch]
      exporters: [step${debug ? ', debug' : ''}]
`;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function requireBinary(file, how) {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`${how}\` first (make conformance does)`);
}

// traceURL, when given, is the step exporter's trace_url template.
export async function startCollector({ binary, steps, dir, traceURL }) {
  const [grpc, http, health] = await Promise.all([freePort(), freePort(), freePort()]);
  const db = path.join(dir, 'steps.db');
  const configPath = path.join(dir, 'config.yaml');
  fs.writeFileSync(configPath, config(`127.0.0.1:${grpc}`, `127.0.0.1:${http}`, `127.0.0.1:${health}`, db, traceURL));
  const logPath = path.join(dir, 'otelcol.log');
  const log = fs.openSync(logPath, 'w');
  const child = spawn(binary, ['--config', configPath], { stdio: ['ignore', log, log] });
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const output = () => fs.readFileSync(logPath, 'utf8');

  const deadline = Date.now() + 180_000;
  for (;;) {
    if (exited) throw new Error(`otelcol-steps exited (${JSON.stringify(exited)}) before it was healthy:\n${output()}`);
    try {
      if ((await fetch(`http://127.0.0.1:${health}/`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`otelcol-steps not healthy after 180s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    otlpHTTP: `http://127.0.0.1:${http}`,
    output,
    exited: () => exited,
    async records() {
      const { stdout } = await run(steps, ['list', '--sqlite', db, '--json', '--limit', '100000']);
      return stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
    },
    async stop() {
      if (exited) return;
      const done = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
      fs.closeSync(log);
    },
  };
}
