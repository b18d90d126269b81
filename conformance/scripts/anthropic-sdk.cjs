// @anthropic-ai/sdk's own tracing (scope com.anthropic.sdk.typescript): no
// instrumentation package, only a registered tracer provider.
'use strict';
const { startTracing, fakeURL } = require('../tracing.cjs');
const provider = startTracing();

const { trace } = require('@opentelemetry/api');
const Anthropic = require('@anthropic-ai/sdk');
const { weatherLoop } = require('../anthropic-loop.cjs');
const { agentSpan } = require('../agent-span.cjs');

async function main() {
  const client = new Anthropic({ apiKey: 'fake', baseURL: fakeURL() });
  const tracer = trace.getTracer('conformance');
  for (const stream of [false, true]) {
    await agentSpan(tracer, 'weather-agent', `conv-anthropic-sdk-${stream ? 'stream' : 'block'}`, () => weatherLoop(client, { stream }));
  }
  await provider.shutdown();
}
main().catch((e) => { console.error(e); process.exit(1); });
