// @mastra/core with Mastra's own tracing (@mastra/observability), exported
// over OTLP by @mastra/otel-exporter's `custom` provider, as Mastra's docs
// set it up. Mastra's tracing is its own: it does not go through the
// OpenTelemetry SDK of tracing.cjs. One agent per provider (OpenAI chat
// completions and Anthropic through the AI SDK providers), each with one
// generate and one stream, each a tool call then the answer. The memory
// thread names the conversation.
import { createRequire } from 'node:module';
import { Agent } from '@mastra/core/agent';
import { Mastra } from '@mastra/core/mastra';
import { createTool } from '@mastra/core/tools';
import { Observability } from '@mastra/observability';
import { OtelExporter } from '@mastra/otel-exporter';
import { createOpenAI } from '@ai-sdk/openai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { z } from 'zod';

const require = createRequire(import.meta.url);
const { fakeURL, env, weatherOf } = require('../tracing.cjs');

const service = env('CONFORMANCE_SERVICE');
const openai = createOpenAI({ apiKey: 'fake', baseURL: `${fakeURL()}/v1` });
const anthropic = createAnthropic({ apiKey: 'fake', baseURL: `${fakeURL()}/v1` });

const getWeather = createTool({
  id: 'get_weather',
  description: 'The weather in a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => weatherOf(city),
});

const agent = (id, model) => new Agent({
  id,
  name: id,
  instructions: 'Answer questions about the weather with the get_weather tool.',
  model,
  tools: { get_weather: getWeather },
});
const agents = {
  openai: agent('weather-agent', openai.chat('gpt-4o-mini')),
  anthropic: agent('weather-agent-anthropic', anthropic('claude-sonnet-4-5')),
};

const mastra = new Mastra({
  agents,
  logger: false,
  observability: new Observability({
    configs: {
      otel: {
        serviceName: service,
        exporters: [new OtelExporter({
          provider: { custom: { endpoint: `${env('CONFORMANCE_OTLP')}/v1/traces`, protocol: 'http/protobuf' } },
          signals: { logs: false },
        })],
      },
    },
  }),
});

async function main() {
  for (const name of Object.keys(agents)) {
    const weather = mastra.getAgent(name);
    for (const stream of [false, true]) {
      const options = { maxSteps: 4, memory: { thread: `conv-${service}-${name}-${stream ? 'stream' : 'block'}`, resource: 'user-1' } };
      const prompt = 'What is the weather in Paris?';
      if (stream) {
        const result = await weather.stream(prompt, options);
        for await (const _ of result.textStream) { /* consume */ }
        await result.text;
      } else {
        await weather.generate(prompt, options);
      }
    }
  }
  await mastra.shutdown();
}
main().catch((e) => { console.error(e); process.exit(1); });
