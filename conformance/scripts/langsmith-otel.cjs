// LangSmith in OpenTelemetry mode (LANGSMITH_TRACING_MODE=otel):
// initializeOTEL hands LangSmith the application's tracer provider, so its
// spans go to the collector rather than to LangSmith. wrapOpenAI traces the
// client inside a traceable agent whose metadata names the thread.
'use strict';
const { startTracing, fakeURL } = require('../tracing.cjs');
const provider = startTracing();
const { initializeOTEL } = require('langsmith/experimental/otel/setup');
initializeOTEL({ globalTracerProvider: provider, skipGlobalContextManagerSetup: true });

const { Client } = require('langsmith');
const { traceable } = require('langsmith/traceable');
const { wrapOpenAI } = require('langsmith/wrappers');
const OpenAI = require('openai');
const { weatherLoop } = require('../openai-loop.cjs');

async function main() {
  // The runs are batched in LangSmith's client and handed to its OTel
  // translator on flush: the script waits for them before it exits.
  // apiUrl: its /info lookup goes to the fake server (a quick 404), not
  // to api.smith.langchain.com, which this machine cannot reach.
  const ls = new Client({ tracingMode: 'otel', apiUrl: fakeURL() });
  const client = wrapOpenAI(new OpenAI({ apiKey: 'fake', baseURL: `${fakeURL()}/v1` }), { client: ls });
  // Blocking only: a streamed wrapOpenAI call inside traceable loses its
  // own span in OTel mode (langsmith 0.12.0: the loop's chain span is
  // exported as an llm span with the last call's usage, and the calls'
  // spans are missing), which conformance/README.md records.
  for (const stream of [false]) {
    const agent = traceable((s) => weatherLoop(client, { stream: s }), {
      name: 'weather-agent',
      run_type: 'chain',
      client: ls,
      metadata: { thread_id: `conv-langsmith-otel-${stream ? 'stream' : 'block'}` },
    });
    await agent(stream);
  }
  await ls.awaitPendingTraceBatches();
  await provider.shutdown();
}
main().catch((e) => { console.error(e); process.exit(1); });
