// Strands Agents TS SDK (@strands-agents/sdk) with its OpenAI model on the
// Chat Completions API and one tool. Its tracer takes the global tracer
// provider, which tracing.cjs registers. Its dependencies conflict with the
// main tree, so it runs from its own folder (package.json here).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { startTracing, fakeURL, weatherOf } = require('../../tracing.cjs');
const provider = startTracing();

const { Agent, ZodTool } = await import('@strands-agents/sdk');
const { OpenAIModel } = await import('@strands-agents/sdk/models/openai');
const { z } = await import('zod');

const getWeather = new ZodTool({
  name: 'get_weather',
  description: 'The weather in a city',
  inputSchema: z.object({ city: z.string() }),
  callback: ({ city }) => weatherOf(city),
});

for (const stream of [false, true]) {
  const model = new OpenAIModel({ api: 'chat', modelId: 'gpt-4o-mini', apiKey: 'fake', clientConfig: { baseURL: `${fakeURL()}/v1` } });
  const agent = new Agent({ id: 'weather-agent', name: 'weather-agent', model, tools: [getWeather], printer: false });
  if (!stream) await agent.invoke('What is the weather in Paris?');
  else for await (const _ of agent.stream('What is the weather in Paris?')) { /* drain */ }
}
await provider.shutdown();
