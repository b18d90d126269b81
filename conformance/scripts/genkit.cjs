// Genkit with @genkit-ai/compat-oai's OpenAI plugin: one flow per agent
// loop, generate() with a tool (Genkit runs the loop), blocking and
// streaming. The app sets up OpenTelemetry itself, so Genkit's own NodeSDK
// is switched off (genkit/tracing disableGenkitOTelInitialization) and its
// spans go to the global tracer provider, as for any other library.
'use strict';
const { startTracing, fakeURL, weatherOf } = require('../tracing.cjs');
const provider = startTracing();

const { genkit, z } = require('genkit');
const { disableGenkitOTelInitialization } = require('genkit/tracing');
const { openAI } = require('@genkit-ai/compat-oai/openai');

disableGenkitOTelInitialization();

async function main() {
  const ai = genkit({ plugins: [openAI({ apiKey: 'fake', baseURL: `${fakeURL()}/v1` })] });
  const getWeather = ai.defineTool({
    name: 'get_weather',
    description: 'The weather in a city',
    inputSchema: z.object({ city: z.string() }),
    outputSchema: z.string(),
  }, async ({ city }) => weatherOf(city));
  const request = { model: 'openai/gpt-4o-mini', prompt: 'What is the weather in Paris?', tools: [getWeather] };
  const weatherFlow = ai.defineFlow({ name: 'weatherFlow', inputSchema: z.boolean(), outputSchema: z.string() }, async (stream) => {
    if (!stream) return (await ai.generate(request)).text;
    const { stream: chunks, response } = ai.generateStream(request);
    for await (const _ of chunks) { /* drain */ }
    return (await response).text;
  });
  for (const stream of [false, true]) await weatherFlow(stream);
  await provider.shutdown();
}
main().catch((e) => { console.error(e); process.exit(1); });
