// Generates the oracle cases for pricing/oracle_test.go from calcPrice of
// the pinned @pydantic/genai-prices: usage, model, provider and time in,
// calcPrice's answer out. Writes JSON to stdout. Deterministic: fixed
// timestamps, models picked by their place in the catalogue.
import { calcPrice, findProvider } from '@pydantic/genai-prices';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const providers = JSON.parse(fs.readFileSync(path.join(here, '..', 'data', 'catalogue.json'), 'utf8'));
const version = JSON.parse(fs.readFileSync(path.join(here, 'node_modules', '@pydantic', 'genai-prices', 'package.json'), 'utf8')).version;

const cases = [];
// One case: calcPrice's answer, or its error, or null (no price).
function add(name, usage, model, opts = {}) {
  const ts = opts.timestamp ?? '2026-09-15T12:00:00Z';
  let result = null, error = null;
  try {
    const r = calcPrice(usage, model, { providerId: opts.providerId, providerApiUrl: opts.apiUrl, timestamp: new Date(ts) });
    if (r) result = { total: r.total_price, input: r.input_price, output: r.output_price, provider_id: r.provider.id, model_id: r.model.id, context_window: r.model.context_window ?? 0 };
  } catch (e) {
    error = String(e.message ?? e);
  }
  const c = { name, provider: opts.providerId ?? '', otel_provider: opts.otel ?? '', emitted: opts.emitted ?? '', model, timestamp: ts, usage, result, error };
  if (opts.apiUrl) c.api_url = opts.apiUrl;
  if (opts.endpoint) c.endpoint = opts.endpoint;
  cases.push(c);
}

// Usage shapes in our buckets: input_tokens is the whole prompt (cache
// included), output_tokens the whole completion (reasoning included).
const shapes = [
  ['plain', { input_tokens: 1200, output_tokens: 300 }],
  ['cache-read', { input_tokens: 5000, cache_read_tokens: 4000, output_tokens: 250 }],
  ['cache-read-write', { input_tokens: 9000, cache_read_tokens: 3000, cache_write_tokens: 5000, output_tokens: 700 }],
  ['reasoning', { input_tokens: 2000, output_tokens: 1800, output_reasoning_tokens: 1500 }],
  ['long-context', { input_tokens: 310000, cache_read_tokens: 100000, output_tokens: 4000 }],
  ['all', { input_tokens: 250001, cache_read_tokens: 20000, cache_write_tokens: 30000, output_tokens: 9000, output_reasoning_tokens: 6000 }],
  ['zero', { input_tokens: 0, output_tokens: 0 }],
  ['prompt-only', { input_tokens: 777 }],
];
const isList = (m) => Array.isArray(m.prices);
const tiered = (m) => JSON.stringify(m.prices).includes('"tiers"');

// Every model of every provider, each usage shape in turn; and every
// model id again without its provider, as a span without a provider name
// asks (the providers' model_match, in the catalogue's order).
let k = 0;
for (const p of providers) {
  for (const m of p.models) {
    const [sn, usage] = shapes[k++ % shapes.length];
    add(`${p.id}/${m.id}/${sn}`, usage, m.id, { providerId: p.id });
    add(`by-name/${p.id}/${m.id}`, shapes[2][1], m.id);
  }
  // Every tiered and dated model of the provider, on both sides.
  for (const m of p.models) {
    if (tiered(m)) {
      add(`${p.id}/${m.id}/tier-below`, { input_tokens: 150000, cache_read_tokens: 50000, cache_write_tokens: 10000, output_tokens: 2000 }, m.id, { providerId: p.id });
      const start = JSON.stringify(m.prices).match(/"start":(\d+)/)[1];
      add(`${p.id}/${m.id}/tier-at-${start}`, { input_tokens: Number(start), cache_read_tokens: 1000, output_tokens: 2000 }, m.id, { providerId: p.id });
      add(`${p.id}/${m.id}/tier-past-${start}`, { input_tokens: Number(start) + 1, cache_write_tokens: 1000, output_tokens: 2000 }, m.id, { providerId: p.id });
      add(`${p.id}/${m.id}/tier-above`, { input_tokens: 400000, cache_read_tokens: 150000, cache_write_tokens: 10000, output_tokens: 2000, output_reasoning_tokens: 500 }, m.id, { providerId: p.id });
    }
    if (!isList(m)) continue;
    for (const c of m.prices) {
      const con = c.constraint;
      if (!con) continue;
      if (con.start_date) {
        const d = new Date(`${con.start_date}T00:00:00Z`);
        add(`${p.id}/${m.id}/before-${con.start_date}`, shapes[1][1], m.id, { providerId: p.id, timestamp: new Date(d.getTime() - 1000).toISOString() });
        add(`${p.id}/${m.id}/on-${con.start_date}`, shapes[1][1], m.id, { providerId: p.id, timestamp: d.toISOString() });
      } else if (con.start_time) {
        for (const t of ['00:29:59', '00:30:00', '12:00:00', '16:29:59.999', '16:30:00', '23:59:59']) {
          add(`${p.id}/${m.id}/at-${t}`, shapes[2][1], m.id, { providerId: p.id, timestamp: `2026-09-15T${t}Z` });
        }
      }
    }
  }
}

// Found by the model name alone (the providers' model_match).
for (const model of ['gpt-4o', 'gpt-4o-mini-2024-07-18', 'o3', 'o4-mini', 'claude-3-5-sonnet-20241022', 'claude-sonnet-4-20250514',
  'claude-opus-4-1', 'gemini-2.5-pro', 'gemini-2.5-flash', 'grok-4', 'deepseek-chat', 'mistral-large-latest', 'command-r-plus',
  'kimi-k2', 'glm-4.6', 'voyage-3', '@cf/meta/llama-3.1-8b-instruct', 'accounts/fireworks/models/llama-v3p1-8b-instruct']) {
  add(`model-match/${model}`, shapes[1][1], model);
}
// Dated names written compactly, and Bedrock's regional and global ids.
for (const [prov, model] of [['anthropic', 'claude-3-7-sonnet-20250219'], ['openai', 'gpt-4o-2024-08-06'], ['openai', 'gpt-4.1-20250414'],
  ['aws', 'us.anthropic.claude-3-5-sonnet-20240620-v1:0'], ['aws', 'eu.anthropic.claude-3-7-sonnet-20250219-v1:0'],
  ['aws', 'global.anthropic.claude-sonnet-4-20250514-v1:0'], ['aws', 'apac.amazon.nova-pro-v1:0'], ['aws', 'us.meta.llama3-3-70b-instruct-v1:0'],
  ['aws', 'anthropic.claude-3-haiku-20240307-v1:0'], ['aws', 'us.amazon.nova-lite-v1:0'], ['google', 'gemini-2.5-pro-preview-05-06'],
  ['azure', 'gpt-4o'], ['azure', 'gpt-4.1-mini'], ['openrouter', 'anthropic/claude-sonnet-4'], ['openrouter', 'openai/gpt-4o']]) {
  for (const [sn, usage] of shapes.slice(0, 6)) add(`${prov}/${model}/${sn}`, usage, model, { providerId: prov });
}
// OpenTelemetry provider names: what we map each one to (engine.go).
const otel = { x_ai: 'x-ai', 'gcp.gemini': 'google', 'gcp.vertex_ai': 'google', 'gcp.gen_ai': 'google', 'aws.bedrock': 'aws',
  'azure.ai.openai': 'azure', 'azure.ai.inference': 'azure', mistral_ai: 'mistral', moonshot_ai: 'moonshotai', openai: 'openai',
  anthropic: 'anthropic', deepseek: 'deepseek', groq: 'groq', cohere: 'cohere', perplexity: 'perplexity' };
const otelModels = { x_ai: 'grok-3', 'gcp.gemini': 'gemini-2.0-flash', 'gcp.vertex_ai': 'gemini-2.5-flash', 'gcp.gen_ai': 'gemini-1.5-pro',
  'aws.bedrock': 'us.anthropic.claude-3-5-haiku-20241022-v1:0', 'azure.ai.openai': 'gpt-4o-mini', 'azure.ai.inference': 'gpt-4o',
  mistral_ai: 'mistral-small-latest', moonshot_ai: 'kimi-k2-0905-preview', openai: 'gpt-4.1', anthropic: 'claude-3-5-haiku-latest',
  deepseek: 'deepseek-reasoner', groq: 'llama-3.3-70b-versatile', cohere: 'command-a-03-2025', perplexity: 'sonar-pro' };
for (const [o, id] of Object.entries(otel)) {
  for (const [sn, usage] of shapes.slice(0, 4)) add(`otel/${o}/${sn}`, usage, otelModels[o], { providerId: id, otel: o });
}
// Provider names as the instrumentations emit them, with the catalogue
// provider that served the call (null: none, as for Ollama, vLLM or
// watsonx): the AI SDK's ai.model.provider, OpenInference's llm.provider
// and llm.system, OpenLLMetry's gen_ai.system (and the model names it
// writes: Bedrock ids without region and vendor, OpenRouter's without the
// vendor) and GenAI's gen_ai.provider.name. calcPrice is given the
// catalogue id; stepprocessor's TestEmittedProviderNames normalises the
// emitted name as the processor does and must reach the same price.
const emitted = [
  ['vercel', 'openai.chat', 'openai', 'gpt-4o-2024-08-06'], ['vercel', 'openai.responses', 'openai', 'o4-mini-2025-04-16'],
  ['vercel', 'anthropic.messages', 'anthropic', 'claude-sonnet-4-5-20250929'],
  ['vercel', 'amazon-bedrock', 'aws', 'us.anthropic.claude-sonnet-4-20250514-v1:0'], ['vercel', 'amazon-bedrock', 'aws', 'global.anthropic.claude-sonnet-4-5-20250929-v1:0'],
  ['vercel', 'google.generative-ai', 'google', 'gemini-2.5-flash'], ['vercel', 'google.vertex.chat', 'google', 'gemini-2.5-pro'],
  ['vercel', 'vertex.anthropic.messages', 'google', 'claude-sonnet-4@20250514'], ['vercel', 'azure.chat', 'azure', 'gpt-4o'],
  ['vercel', 'azure.responses', 'azure', 'gpt-4.1-mini'], ['vercel', 'xai.chat', 'x-ai', 'grok-3'], ['vercel', 'mistral.chat', 'mistral', 'mistral-large-latest'],
  ['vercel', 'groq.chat', 'groq', 'llama-3.3-70b-versatile'], ['vercel', 'deepseek.chat', 'deepseek', 'deepseek-chat'],
  ['vercel', 'ollama.chat', null, 'llama3.2'], ['vercel', 'vllm.chat', null, 'meta-llama/Llama-3.1-8B-Instruct'],
  ['openinference', 'openai', 'openai', 'gpt-4.1-2025-04-14'], ['openinference', 'anthropic', 'anthropic', 'claude-3-5-haiku-20241022'],
  ['openinference', 'google', 'google', 'gemini-2.0-flash'], ['openinference', 'vertexai', 'google', 'gemini-2.5-flash'],
  ['openinference', 'aws', 'aws', 'anthropic.claude-3-5-haiku-20241022-v1:0'],
  ['openinference', 'aws', 'aws', 'claude-3-5-sonnet-20240620-v1:0'], // its Bedrock spans drop a one-dot id's vendor
  ['openinference', 'azure', 'azure', 'gpt-4o-mini'],
  ['openinference', 'mistralai', 'mistral', 'mistral-small-latest'], ['openinference', 'xai', 'x-ai', 'grok-4'],
  ['openinference', 'deepseek', 'deepseek', 'deepseek-reasoner'], ['openinference', 'cohere', 'cohere', 'command-r-plus'],
  ['openllmetry', 'openai', 'openai', 'gpt-4o-mini-2024-07-18'], ['openllmetry', 'Anthropic', 'anthropic', 'claude-3-7-sonnet-20250219'],
  ['openllmetry', 'AWS', 'aws', 'claude-sonnet-4-20250514-v1:0'], ['openllmetry', 'AWS', 'aws', 'nova-pro-v1:0'],
  ['openllmetry', 'aws.bedrock', 'aws', 'claude-3-5-sonnet-20241022-v2:0'], ['openllmetry', 'Azure', 'azure', 'gpt-4o'],
  ['openllmetry', 'azure.ai.openai', 'azure', 'gpt-4.1'], ['openllmetry', 'Google', 'google', 'gemini-2.5-pro'],
  ['openllmetry', 'VertexAI', 'google', 'gemini-1.5-pro'], ['openllmetry', 'Gemini', 'google', 'gemini-2.5-flash'],
  ['openllmetry', 'MistralAI', 'mistral', 'mistral-large-latest'], ['openllmetry', 'Groq', 'groq', 'llama-3.3-70b-versatile'],
  ['openllmetry', 'Cohere', 'cohere', 'command-a-03-2025'], ['openllmetry', 'OpenRouter', 'openrouter', 'openai/gpt-4o'],
  ['openllmetry', 'Together', 'together', 'meta-llama/Llama-3.3-70B-Instruct-Turbo'], ['openllmetry', 'DeepSeek', 'deepseek', 'deepseek-chat'],
  ['openllmetry', 'Ollama', null, 'llama3.2'], ['openllmetry', 'Watsonx', null, 'ibm/granite-13b-chat-v2'],
  ['genai', 'openai', 'openai', 'gpt-5-2025-08-07'], ['genai', 'aws.bedrock', 'aws', 'eu.anthropic.claude-3-7-sonnet-20250219-v1:0'],
  ['genai', 'gcp.vertex_ai', 'google', 'claude-3-5-sonnet-v2@20241022'], ['genai', 'gcp.gemini', 'google', 'gemini-2.5-flash-preview-05-20'],
  ['genai', 'gcp.gen_ai', 'google', 'gemini-2.5-pro'], ['genai', 'azure.ai.openai', 'azure', 'gpt-4o-2024-08-06'],
  ['genai', 'az.ai.openai', 'azure', 'gpt-4o'], ['genai', 'azure.ai.inference', 'azure', 'gpt-4o-mini'], ['genai', 'x_ai', 'x-ai', 'grok-3'],
  ['genai', 'mistral_ai', 'mistral', 'mistral-medium-latest'], ['genai', 'ibm.watsonx.ai', null, 'ibm/granite-3-8b-instruct'],
  ['genai', 'ollama', null, 'gpt-oss:20b'],
];
emitted.forEach(([conv, name, id, model], i) => {
  const [sn, usage] = shapes[i % 4];
  add(`emitted/${conv}/${name}/${model}/${sn}`, usage, model, { providerId: id ?? name, emitted: name });
});

// A call's endpoint names who served it (pricing/endpoint.go): the
// OpenAI and Anthropic clients pointed at another provider's API report
// provider openai or anthropic, and server.address (or OpenLLMetry's
// api_base) the host. calcPrice is given the base URL alone
// (providerApiUrl), which it matches to the catalogue's api_pattern; the
// engine is given the provider name and the endpoint as spans record them.
// An endpoint the catalogue does not know (a gateway) leaves the provider
// name to decide, as calcPrice's providerId does.
const served = [
  ['openai', 'api.deepseek.com:443', 'https://api.deepseek.com', 'deepseek-chat'],
  ['openai', 'api.deepseek.com', 'https://api.deepseek.com', 'deepseek-reasoner'],
  ['openai', 'https://api.groq.com/openai/v1', 'https://api.groq.com/openai/v1', 'llama-3.3-70b-versatile'],
  ['openai', 'openrouter.ai:443', 'https://openrouter.ai', 'anthropic/claude-sonnet-4'],
  ['openai', 'https://openrouter.ai/api/v1', 'https://openrouter.ai/api/v1', 'openai/gpt-4o'],
  ['openai', 'generativelanguage.googleapis.com:443', 'https://generativelanguage.googleapis.com', 'gemini-2.5-flash'],
  ['openai', 'my-resource.openai.azure.com:443', 'https://my-resource.openai.azure.com', 'gpt-4o'],
  ['openai', 'api.x.ai:443', 'https://api.x.ai', 'grok-3'],
  ['openai', 'API.Together.xyz', 'https://api.together.xyz', 'meta-llama/Llama-3.3-70B-Instruct-Turbo'],
  ['openai', 'https://api.fireworks.ai/inference/v1', 'https://api.fireworks.ai/inference/v1', 'accounts/fireworks/models/llama-v3p1-8b-instruct'],
  ['openai', 'api.mistral.ai:443', 'https://api.mistral.ai', 'mistral-small-latest'],
  ['openai', 'api.moonshot.ai:443', 'https://api.moonshot.ai', 'kimi-k2-0905-preview'],
  ['openai', 'api.cerebras.ai:443', 'https://api.cerebras.ai', 'llama3.1-8b'],
  ['openai', 'api.openai.com:443', 'https://api.openai.com', 'gpt-4.1'],
  ['anthropic', 'https://api.deepseek.com/anthropic', 'https://api.deepseek.com/anthropic', 'deepseek-chat'],
  ['anthropic', 'bedrock-runtime.us-east-1.amazonaws.com:443', 'https://bedrock-runtime.us-east-1.amazonaws.com', 'us.anthropic.claude-3-5-haiku-20241022-v1:0'],
  ['anthropic', 'us-east5-aiplatform.googleapis.com:443', 'https://us-east5-aiplatform.googleapis.com', 'claude-sonnet-4@20250514'],
  ['anthropic', 'api.anthropic.com:443', 'https://api.anthropic.com', 'claude-3-5-haiku-20241022'],
  ['gcp.gemini', 'generativelanguage.googleapis.com', 'https://generativelanguage.googleapis.com', 'gemini-2.5-pro'],
];
served.forEach(([otelName, endpoint, apiUrl, model], i) => {
  const [sn, usage] = shapes[i % 4];
  add(`served/${otelName}/${endpoint}/${model}/${sn}`, usage, model, { otel: otelName, endpoint, apiUrl });
});
for (const [otelName, id, endpoint, model] of [['openai', 'openai', 'llm-gateway.example.com:443', 'gpt-4o'],
  ['openai', 'openai', 'https://litellm.internal.example.com/v1', 'gpt-4o-mini'], ['anthropic', 'anthropic', 'gateway.ai.cloudflare.com:443', 'claude-3-5-haiku-20241022']]) {
  add(`served-unknown-host/${otelName}/${endpoint}/${model}`, shapes[1][1], model, { providerId: id, otel: otelName, endpoint });
}

// Unknown models and providers, and usage that does not add up.
add('unknown/openai-finetune', shapes[0][1], 'my-own-finetune-v7', { providerId: 'openai' });
add('unknown/model-only', shapes[0][1], 'totally-unknown-model');
add('unknown/ollama', shapes[0][1], 'llama3.1:8b', { providerId: 'ollama' });
add('unknown/vllm', shapes[0][1], 'meta-llama/Llama-3.1-8B-Instruct', { providerId: 'vllm' });
add('unknown/hugging_face', shapes[0][1], 'gpt-4o', { providerId: 'hugging_face' });
add('bad/cache-above-input', { input_tokens: 100, cache_read_tokens: 500, output_tokens: 10 }, 'gpt-4o', { providerId: 'openai' });
add('bad/reads-plus-writes-above-input', { input_tokens: 1000, cache_read_tokens: 600, cache_write_tokens: 600, output_tokens: 10 }, 'claude-sonnet-4-20250514', { providerId: 'anthropic' });
add('bad/cache-without-input', { cache_read_tokens: 500, output_tokens: 10 }, 'gpt-4o', { providerId: 'openai' });
add('litellm/anthropic', shapes[2][1], 'anthropic/claude-3-5-sonnet-20241022', { providerId: 'litellm' });
add('provider-case', shapes[0][1], '  GPT-4o  ', { providerId: 'OpenAI' });
// OpenRouter's variants after a colon, with no provider: not Ollama tags
// (engine.go, openRouterVariants), so priced as calcPrice prices them.
for (const model of ['deepseek-chat:free', 'gpt-4o:extended', 'gemini-2.5-flash-preview:thinking', 'google/gemini-2.0-flash-exp:free',
  'openai/gpt-4o:nitro', 'anthropic/claude-sonnet-4:floor', 'DEEPSEEK-R1:FREE']) {
  add(`openrouter-variant/${model}`, shapes[1][1], model);
}

// One case a line: a diff of two catalogue versions reads case by case.
process.stdout.write(`{"version":${JSON.stringify(version)},"cases":[\n${cases.map((c) => JSON.stringify(c)).join(',\n')}\n]}\n`);
