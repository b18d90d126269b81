// The Traceloop SDK (@traceloop/node-server-sdk) as its docs set it up:
// traceloop.initialize() with the openai module to instrument and an OTLP
// exporter to the collector; each loop a withWorkflow, the agent a
// withAgent with the conversation, the tool a withTool.
'use strict';
const traceloop = require('@traceloop/node-server-sdk');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { OpenAI } = require('openai');
const { env, fakeURL, weatherTool, weatherOf } = require('../tracing.cjs');

traceloop.initialize({
  appName: env('CONFORMANCE_SERVICE'),
  exporter: new OTLPTraceExporter({ url: `${env('CONFORMANCE_OTLP')}/v1/traces` }),
  disableBatch: true,
  // Its prompt registry sync would call api.traceloop.com.
  traceloopSyncEnabled: false,
  silenceInitializationMessage: true,
  instrumentModules: { openAI: OpenAI },
});

const MODEL = 'gpt-4o-mini';

async function complete(client, messages, stream) {
  const request = { model: MODEL, messages, tools: [weatherTool] };
  if (!stream) return (await client.chat.completions.create(request)).choices[0].message;
  const chunks = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
  const message = { role: 'assistant', content: '', tool_calls: [] };
  for await (const chunk of chunks) {
    const delta = chunk.choices[0]?.delta ?? {};
    if (delta.content) message.content += delta.content;
    for (const t of delta.tool_calls ?? []) {
      const call = (message.tool_calls[t.index] ??= { id: t.id, type: 'function', function: { name: '', arguments: '' } });
      if (t.function?.name) call.function.name += t.function.name;
      if (t.function?.arguments) call.function.arguments += t.function.arguments;
    }
  }
  if (message.tool_calls.length === 0) delete message.tool_calls;
  return message;
}

async function agentLoop(client, stream) {
  const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
  for (let turn = 0; turn < 4; turn++) {
    const message = await complete(client, messages, stream);
    messages.push(message);
    if (!message.tool_calls) return message.content;
    for (const call of message.tool_calls) {
      const { city } = JSON.parse(call.function.arguments);
      const result = await traceloop.withTool({ name: 'get_weather' }, async () => weatherOf(city));
      messages.push({ role: 'tool', tool_call_id: call.id, content: result });
    }
  }
  throw new Error('the agent loop did not end');
}

async function main() {
  const client = new OpenAI({ apiKey: 'fake', baseURL: `${fakeURL()}/v1` });
  for (const stream of [false, true]) {
    const conversationId = `conv-traceloop-sdk-${stream ? 'stream' : 'block'}`;
    await traceloop.withWorkflow({ name: 'weather-workflow' }, () =>
      traceloop.withAgent({ name: 'weather-agent', conversationId }, () => agentLoop(client, stream)));
  }
  await traceloop.forceFlush();
}
main().catch((e) => { console.error(e); process.exit(1); });
