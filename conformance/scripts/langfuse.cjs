// The Langfuse JS SDK as its docs set it up: @langfuse/otel's
// LangfuseSpanProcessor on the OpenTelemetry tracer provider (its exporter
// pointed at the collector instead of Langfuse Cloud), @langfuse/openai's
// observeOpenAI around the client, each agent loop in an `agent`
// observation, and the session and user propagated to every span.
'use strict';
const { LangfuseSpanProcessor } = require('@langfuse/otel');
const { startTracing, collectorExporter, fakeURL } = require('../tracing.cjs');
const provider = startTracing([], {
  spanProcessors: [new LangfuseSpanProcessor({ publicKey: 'pk-lf-fake', secretKey: 'sk-lf-fake', exporter: collectorExporter() })],
});

const { startActiveObservation, propagateAttributes } = require('@langfuse/tracing');
const { observeOpenAI } = require('@langfuse/openai');
const OpenAI = require('openai');
const { weatherLoop } = require('../openai-loop.cjs');

async function main() {
  const client = observeOpenAI(new OpenAI({ apiKey: 'fake', baseURL: `${fakeURL()}/v1` }));
  for (const stream of [false, true]) {
    const mode = stream ? 'stream' : 'block';
    await propagateAttributes({ sessionId: `conv-langfuse-${mode}`, userId: 'user-7' }, () =>
      startActiveObservation('weather-agent', () => weatherLoop(client, { stream }), { asType: 'agent' }));
  }
  await provider.shutdown();
}
main().catch((e) => { console.error(e); process.exit(1); });
