// Prices the records of every hand-written fixture (testdata/*/*.steps.jsonl)
// with calcPrice, for stepprocessor's TestGoldenCosts. A record's cost is
// the cost its model-call span recorded (operation.cost, llm.cost.*,
// gen_ai.usage.cost) when there is one, else calcPrice's answer for its
// provider, model, start time and token buckets, else none. Writes JSON to
// stdout: {version, records: {id: {cost_usd, input_cost_usd, output_cost_usd,
// cost_source, context_window} | null}}.
import { calcPrice } from '@pydantic/genai-prices';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..', '..', 'testdata');
const version = JSON.parse(fs.readFileSync(path.join(here, 'node_modules', '@pydantic', 'genai-prices', 'package.json'), 'utf8')).version;
// OpenTelemetry provider names to catalogue ids, as pricing.CatalogueProvider.
const otel = { x_ai: 'x-ai', 'gcp.gemini': 'google', 'gcp.vertex_ai': 'google', 'gcp.gen_ai': 'google', 'aws.bedrock': 'aws',
  'azure.ai.openai': 'azure', 'azure.ai.inference': 'azure', mistral_ai: 'mistral', moonshot_ai: 'moonshotai', together_ai: 'together' };

// Span costs by span id, from the OTLP/JSON fixtures (one request, or one per line).
const spanCost = {};
const num = (v) => v && (v.doubleValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined));
for (const dir of fs.readdirSync(root)) {
  const d = path.join(root, dir);
  if (!fs.statSync(d).isDirectory()) continue;
  for (const f of fs.readdirSync(d).filter((f) => f.endsWith('.otlp.json'))) {
    const text = fs.readFileSync(path.join(d, f), 'utf8').trim();
    let reqs;
    try { reqs = [JSON.parse(text)]; } catch { reqs = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)); }
    for (const r of reqs) for (const rs of r.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) {
      const a = Object.fromEntries((s.attributes ?? []).map((kv) => [kv.key, kv.value]));
      // OpenLIT's gen_ai.usage.cost of 0 is its "model not in my pricing file".
      const genai = num(a['gen_ai.usage.cost']);
      const total = num(a['operation.cost']) ?? num(a['llm.cost.total']) ?? (genai === 0 ? undefined : genai);
      if (total !== undefined) spanCost[s.spanId.toLowerCase()] = { total, input: num(a['llm.cost.prompt']), output: num(a['llm.cost.completion']) };
    }
  }
}

const records = {};
for (const dir of fs.readdirSync(root)) {
  const d = path.join(root, dir);
  if (!fs.statSync(d).isDirectory()) continue;
  for (const f of fs.readdirSync(d).filter((f) => f.endsWith('.steps.jsonl'))) {
    for (const line of fs.readFileSync(path.join(d, f), 'utf8').split('\n').filter((l) => l.trim())) {
      const r = JSON.parse(line);
      let out = null, window = 0;
      const usage = {};
      for (const [ours, theirs] of [['prompt_tokens', 'input_tokens'], ['cached_input_tokens', 'cache_read_tokens'],
        ['cache_write_tokens', 'cache_write_tokens'], ['completion_tokens', 'output_tokens'], ['reasoning_tokens', 'output_reasoning_tokens']]) {
        if (r[ours] !== undefined) usage[theirs] = r[ours];
      }
      const provider = r.provider_name ? (otel[r.provider_name] ?? r.provider_name) : undefined;
      let priced = null;
      if (r.model) {
        try {
          priced = calcPrice(usage, r.model, { providerId: provider, timestamp: new Date(r.start_time) });
        } catch { priced = null; }
        window = priced?.model.context_window ?? 0;
      }
      const sc = r.span_id && spanCost[r.span_id];
      if (sc) {
        out = { cost_usd: sc.total, input_cost_usd: sc.input ?? null, output_cost_usd: sc.output ?? null, cost_source: 'span' };
      } else if (priced && (r.prompt_tokens !== undefined || r.completion_tokens !== undefined)) {
        out = { cost_usd: priced.total_price, input_cost_usd: priced.input_price, output_cost_usd: priced.output_price, cost_source: `catalogue@${version}` };
      }
      records[r.id] = out && { ...out, context_window: window };
      if (!out && window) records[r.id] = { context_window: window };
    }
  }
}
process.stdout.write(JSON.stringify({ version, records }, null, 1) + '\n');
