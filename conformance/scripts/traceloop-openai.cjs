// OpenLLMetry JS: @traceloop/instrumentation-openai with the openai client,
// inside the user's invoke_agent span.
'use strict';
const { OpenAIInstrumentation } = require('@traceloop/instrumentation-openai');
const { startTracing, fakeURL } = require('../tracing.cjs');
const provider = startTracing([new OpenAIInstrumentation()]);

const { trace } = require('@opentelemetry/api');
const OpenAI = require('openai');
const { weatherLoop } = require('../openai-loop.cjs');
const { agentSpan } = require('../agent-span.cjs');

async function main() {
  const client = new OpenAI({ apiKey: 'fake', baseURL: `${fakeURL()}/v1` });
  const tracer = trace.getTracer('conformance');
  for (const stream of [false, true]) {
    await agentSpan(tracer, 'weather-agent', `conv-traceloop-openai-${stream ? 'stream' : 'block'}`, () => weatherLoop(client, { stream }));
  }
  await provider.shutdown();
}
main().catch((e) => { console.error(e); process.exit(1); });
