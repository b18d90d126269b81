// OpenInference JS: @arizeai/openinference-instrumentation-openai with the
// openai client. Each loop runs inside an AGENT span and a session set with
// openinference-core's context helpers, as its docs show.
'use strict';
const { OpenAIInstrumentation } = require('@arizeai/openinference-instrumentation-openai');
const { startTracing, fakeURL, env } = require('../tracing.cjs');
const provider = startTracing([new OpenAIInstrumentation()]);

const { context, trace } = require('@opentelemetry/api');
const { setSession } = require('@arizeai/openinference-core');
const OpenAI = require('openai');
const { weatherLoop } = require('../openai-loop.cjs');

async function main() {
  const client = new OpenAI({ apiKey: 'fake', baseURL: `${fakeURL()}/v1` });
  const tracer = trace.getTracer('conformance');
  for (const stream of [false, true]) {
    const session = `conv-${env('CONFORMANCE_SERVICE')}-${stream ? 'stream' : 'block'}`;
    await context.with(setSession(context.active(), { sessionId: session }), () =>
      tracer.startActiveSpan('weather-agent', {
        attributes: { 'openinference.span.kind': 'AGENT', 'agent.name': 'weather-agent', 'session.id': session },
      }, async (span) => {
        try {
          return await weatherLoop(client, { stream });
        } finally {
          span.end();
        }
      }));
  }
  await provider.shutdown();
}
main().catch((e) => { console.error(e); process.exit(1); });
