// EDOT Node.js's OpenAI instrumentation (@elastic/opentelemetry-instrumentation-openai)
// with the openai client, inside an invoke_agent span of the user's own, as
// the GenAI conventions describe. It patches openai >=4.19 <5 only, so it
// runs from its own folder with openai 4 (package.json here).
'use strict';
const { OpenAIInstrumentation } = require('@elastic/opentelemetry-instrumentation-openai');
const { startTracing, fakeURL } = require('../../tracing.cjs');
const provider = startTracing([new OpenAIInstrumentation()]);

const { trace } = require('@opentelemetry/api');
const OpenAI = require('openai');
const { weatherLoop } = require('../../openai-loop.cjs');
const { agentSpan } = require('../../agent-span.cjs');

async function main() {
  const client = new OpenAI({ apiKey: 'fake', baseURL: `${fakeURL()}/v1` });
  const tracer = trace.getTracer('conformance');
  for (const stream of [false, true]) {
    await agentSpan(tracer, 'weather-agent', `conv-edot-openai-${stream ? 'stream' : 'block'}`, () => weatherLoop(client, { stream }));
  }
  await provider.shutdown();
}
main().catch((e) => { console.error(e); process.exit(1); });
