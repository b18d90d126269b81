// The Vercel AI SDK 7 with @ai-sdk/otel, in the mode CONFORMANCE_VERCEL_MODE
// names (OpenTelemetry or LegacyOpenTelemetry): one multi-step
// generateText and one streamText per provider, each a tool call then the
// answer. functionId names the agent; the session goes in the runtime
// context, which AI SDK 7 records in place of telemetry metadata.
import { createRequire } from 'node:module';
import { generateText, streamText, tool, stepCountIs, registerTelemetry } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { OpenTelemetry, LegacyOpenTelemetry } from '@ai-sdk/otel';
import { z } from 'zod';

const require = createRequire(import.meta.url);
const { startTracing, fakeURL, env, weatherOf } = require('../tracing.cjs');
const provider = startTracing();

const modes = { OpenTelemetry, LegacyOpenTelemetry };
const Mode = modes[env('CONFORMANCE_VERCEL_MODE')];
if (!Mode) throw new Error(`CONFORMANCE_VERCEL_MODE must be one of ${Object.keys(modes).join(', ')}`);
registerTelemetry(new Mode());

const openai = createOpenAI({ apiKey: 'fake', baseURL: `${fakeURL()}/v1` });
const anthropic = createAnthropic({ apiKey: 'fake', baseURL: `${fakeURL()}/v1` });
const models = [openai.chat('gpt-4o-mini'), anthropic('claude-sonnet-4-5')];

const tools = {
  get_weather: tool({
    description: 'The weather in a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => weatherOf(city),
  }),
};

async function main() {
  for (const model of models) {
    for (const stream of [false, true]) {
      const sessionId = `conv-${env('CONFORMANCE_SERVICE')}-${model.provider.split('.')[0]}-${stream ? 'stream' : 'block'}`;
      const call = {
        model, tools, stopWhen: stepCountIs(4),
        prompt: 'What is the weather in Paris?',
        runtimeContext: { sessionId },
        telemetry: { functionId: 'weather-agent', includeRuntimeContext: { sessionId: true } },
      };
      if (stream) {
        const result = streamText(call);
        await result.consumeStream();
        await result.text;
      } else {
        await generateText(call);
      }
    }
  }
  await provider.shutdown();
}
main().catch((e) => { console.error(e); process.exit(1); });
