// OpenLLMetry JS: @traceloop/instrumentation-anthropic with
// @anthropic-ai/sdk, inside the user's invoke_agent span. The SDK traces
// its own calls too, beneath the instrumentation's span; with
// CONFORMANCE_SDK_TRACES=off it does not, and the instrumentation's span is
// the only model-call span.
'use strict';
const { AnthropicInstrumentation } = require('@traceloop/instrumentation-anthropic');
const { startTracing, fakeURL } = require('../tracing.cjs');
const provider = startTracing([new AnthropicInstrumentation()]);

const { trace } = require('@opentelemetry/api');
const Anthropic = require('@anthropic-ai/sdk');
const { weatherLoop } = require('../anthropic-loop.cjs');
const { agentSpan } = require('../agent-span.cjs');

async function main() {
  const sdkTraces = process.env.CONFORMANCE_SDK_TRACES !== 'off';
  const client = new Anthropic({ apiKey: 'fake', baseURL: fakeURL(), ...(sdkTraces ? {} : { openTelemetry: false }) });
  const tracer = trace.getTracer('conformance');
  for (const stream of [false, true]) {
    await agentSpan(tracer, 'weather-agent', `conv-${process.env.CONFORMANCE_SERVICE}-${stream ? 'stream' : 'block'}`, () => weatherLoop(client, { stream }));
  }
  await provider.shutdown();
}
main().catch((e) => { console.error(e); process.exit(1); });
