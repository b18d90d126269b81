package stepprocessor

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/step"
)

// TestSpanCostKeys holds the span's own cost keys, per convention, to the
// rules of cost.go: a total is kept as the total; OpenInference's prompt
// and completion without a total add up to it; a completion alone, a value
// that is not an amount in USD, or another convention's key leaves the
// step to the catalogue; a cost the user's fields map is a span cost; and
// with pricing off nothing is written. Each case is a model call the
// catalogue prices (gpt-4o at OpenAI), so "catalogue" is seen, not assumed.
func TestSpanCostKeys(t *testing.T) {
	genai := map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
		"gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100,
	}
	oi := map[string]any{
		"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o", "llm.provider": "openai",
		"llm.token_count.prompt": 1000, "llm.token_count.completion": 100,
	}
	pyd := map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
		"gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100,
	}
	// LiteLLM's litellm_request span (conformance/python/captured/litellm-otel.json).
	litellm := map[string]any{
		"llm.request.type": "completion", "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o",
		"gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100,
	}
	lf := map[string]any{
		"langfuse.observation.type": "generation", "langfuse.observation.model.name": "gpt-4o",
		"langfuse.observation.usage_details": `{"input": 1000, "output": 100}`,
	}
	with := func(base map[string]any, extra map[string]any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	ptr := func(v float64) *float64 { return &v }
	for _, c := range []struct {
		name, scope     string
		attrs           map[string]any
		fields          map[string][]string // the user's fields:
		off             bool                // pricing off
		source          string              // step.source
		costSource      string              // "" none, "span", "catalogue"
		total, in, out_ *float64            // for cost_source span
	}{
		{name: "genai total", attrs: with(genai, map[string]any{"gen_ai.usage.cost": 0.5}), source: "genai", costSource: "span", total: ptr(0.5)},
		{name: "genai total as a string", attrs: with(genai, map[string]any{"gen_ai.usage.cost": "0.25"}), source: "genai", costSource: "span", total: ptr(0.25)},
		// OpenLIT's 0 is its "model not in my pricing file": no price.
		{name: "genai total zero", attrs: with(genai, map[string]any{"gen_ai.usage.cost": 0.0}), source: "genai", costSource: "catalogue"},
		{name: "genai total zero on a self-hosted model", attrs: with(genai, map[string]any{"gen_ai.usage.cost": 0.0, "gen_ai.provider.name": "ollama", "gen_ai.request.model": "llama3.1:8b", "server.address": "localhost", "server.port": 11434}), source: "genai", costSource: ""},
		{name: "pydanticai total zero", scope: "pydantic-ai", attrs: with(pyd, map[string]any{"operation.cost": 0.0}), source: "pydanticai", costSource: "span", total: ptr(0)},
		{name: "genai total not USD", attrs: with(genai, map[string]any{"gen_ai.usage.cost": "cheap"}), source: "genai", costSource: "catalogue"},
		{name: "genai total negative", attrs: with(genai, map[string]any{"gen_ai.usage.cost": -1.0}), source: "genai", costSource: "catalogue"},
		{name: "genai with another convention's key", attrs: with(genai, map[string]any{"llm.cost.total": 0.5, "operation.cost": 0.5}), source: "genai", costSource: "catalogue"},
		{name: "genai none", attrs: genai, source: "genai", costSource: "catalogue"},
		{name: "pydanticai total", scope: "pydantic-ai", attrs: with(pyd, map[string]any{"operation.cost": 0.0021}), source: "pydanticai", costSource: "span", total: ptr(0.0021)},
		{name: "pydanticai with the GenAI key", scope: "pydantic-ai", attrs: with(pyd, map[string]any{"gen_ai.usage.cost": 0.5}), source: "pydanticai", costSource: "catalogue"},
		{name: "openinference total", attrs: with(oi, map[string]any{"llm.cost.total": 1.0}), source: "openinference", costSource: "span", total: ptr(1)},
		{name: "openinference total and prompt", attrs: with(oi, map[string]any{"llm.cost.total": 1.0, "llm.cost.prompt": 0.4}), source: "openinference", costSource: "span", total: ptr(1), in: ptr(0.4)},
		{name: "openinference all three", attrs: with(oi, map[string]any{"llm.cost.total": 1.0, "llm.cost.prompt": 0.4, "llm.cost.completion": 0.6}), source: "openinference", costSource: "span", total: ptr(1), in: ptr(0.4), out_: ptr(0.6)},
		{name: "openinference prompt and completion", attrs: with(oi, map[string]any{"llm.cost.prompt": 0.25, "llm.cost.completion": 0.5}), source: "openinference", costSource: "span", total: ptr(0.75), in: ptr(0.25), out_: ptr(0.5)},
		// Each part an amount, their sum past what a step may carry.
		{name: "openinference parts add up past a million USD", attrs: with(oi, map[string]any{"llm.cost.prompt": 600000.0, "llm.cost.completion": 600000.0}), source: "openinference", costSource: "catalogue"},
		{name: "openinference prompt alone", attrs: with(oi, map[string]any{"llm.cost.prompt": 0.25}), source: "openinference", costSource: "catalogue"},
		{name: "openinference completion alone", attrs: with(oi, map[string]any{"llm.cost.completion": 0.5}), source: "openinference", costSource: "catalogue"},
		{name: "openinference bad total, good parts", attrs: with(oi, map[string]any{"llm.cost.total": "x", "llm.cost.prompt": 0.25, "llm.cost.completion": 0.5}), source: "openinference", costSource: "span", total: ptr(0.75), in: ptr(0.25), out_: ptr(0.5)},
		{name: "user's fields map the cost", attrs: with(genai, map[string]any{"my.cost": 0.125, "gen_ai.usage.cost": 0.5}), fields: map[string][]string{"cost_usd": {"my.cost"}}, source: "genai", costSource: "span", total: ptr(0.125)},
		// LiteLLM's cost_breakdown: written only for a call it priced, so
		// its 0 is a price; on its own span (OpenLLMetry's keys claim it)
		// and on the application's GenAI span in its default mode.
		{name: "litellm breakdown", attrs: with(litellm, map[string]any{"gen_ai.cost.total_cost": 5.3325e-05, "gen_ai.cost.input_cost": 3.2325e-05, "gen_ai.cost.output_cost": 2.1e-05, "gen_ai.cost.cache_read_cost": 5.175e-06}), source: "openllmetry", costSource: "span", total: ptr(5.3325e-05), in: ptr(3.2325e-05), out_: ptr(2.1e-05)},
		{name: "litellm breakdown on a GenAI span", attrs: with(genai, map[string]any{"gen_ai.cost.total_cost": 0.0125, "gen_ai.cost.input_cost": 0.01, "gen_ai.cost.output_cost": 0.0025}), source: "genai", costSource: "span", total: ptr(0.0125), in: ptr(0.01), out_: ptr(0.0025)},
		{name: "litellm total zero", attrs: with(litellm, map[string]any{"gen_ai.cost.total_cost": 0.0, "gen_ai.cost.input_cost": 0.0, "gen_ai.cost.output_cost": 0.0}), source: "openllmetry", costSource: "span", total: ptr(0), in: ptr(0), out_: ptr(0)},
		{name: "litellm total not USD", attrs: with(litellm, map[string]any{"gen_ai.cost.total_cost": "n/a"}), source: "openllmetry", costSource: "catalogue"},
		{name: "litellm none", attrs: litellm, source: "openllmetry", costSource: "catalogue"},
		{name: "openlit zero, litellm priced", attrs: with(genai, map[string]any{"gen_ai.usage.cost": 0.0, "gen_ai.cost.total_cost": 0.25}), source: "genai", costSource: "span", total: ptr(0.25)},
		// Langfuse's cost_details: input and output are every type whose
		// name holds the word; the total is "total", or the sum of all.
		{name: "langfuse total from OpenRouter", attrs: with(lf, map[string]any{"langfuse.observation.cost_details": `{"total": 0.0042}`}), source: "langfuse", costSource: "span", total: ptr(0.0042)},
		{name: "langfuse types without a total", attrs: with(lf, map[string]any{"langfuse.observation.cost_details": `{"input": 0.001, "input_cached_tokens": 0.0002, "output": 0.003, "audio": 0.0001}`}), source: "langfuse", costSource: "span", total: ptr(0.0043), in: ptr(0.0012), out_: ptr(0.003)},
		{name: "langfuse types and a total", attrs: with(lf, map[string]any{"langfuse.observation.cost_details": `{"input": 0.001, "output": 0.003, "total": 0.005}`}), source: "langfuse", costSource: "span", total: ptr(0.005), in: ptr(0.001), out_: ptr(0.003)},
		{name: "langfuse zeros of a failed call", attrs: with(lf, map[string]any{"langfuse.observation.cost_details": `{"input": 0, "output": 0, "total": 0}`}), source: "langfuse", costSource: "span", total: ptr(0), in: ptr(0), out_: ptr(0)},
		{name: "langfuse as a map", attrs: with(lf, map[string]any{"langfuse.observation.cost_details": map[string]any{"input": 0.25, "output": 0.5}}), source: "langfuse", costSource: "span", total: ptr(0.75), in: ptr(0.25), out_: ptr(0.5)},
		{name: "langfuse amount not USD", attrs: with(lf, map[string]any{"langfuse.observation.cost_details": `{"input": 0.001, "output": "cheap"}`}), source: "langfuse", costSource: "catalogue"},
		{name: "langfuse negative amount", attrs: with(lf, map[string]any{"langfuse.observation.cost_details": `{"total": -1}`}), source: "langfuse", costSource: "catalogue"},
		{name: "langfuse types add up past a million USD", attrs: with(lf, map[string]any{"langfuse.observation.cost_details": `{"input": 600000, "output": 600000}`}), source: "langfuse", costSource: "catalogue"},
		{name: "langfuse empty object", attrs: with(lf, map[string]any{"langfuse.observation.cost_details": `{}`}), source: "langfuse", costSource: "catalogue"},
		{name: "langfuse not an object", attrs: with(lf, map[string]any{"langfuse.observation.cost_details": `[0.1, 0.2]`}), source: "langfuse", costSource: "catalogue"},
		{name: "langfuse broken JSON", attrs: with(lf, map[string]any{"langfuse.observation.cost_details": `{"total": 0.1`}), source: "langfuse", costSource: "catalogue"},
		{name: "pricing off", attrs: with(genai, map[string]any{"gen_ai.usage.cost": 0.5}), off: true, source: "genai"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts := newTestSpan("chat gpt-4o")
			ts.scope.SetName(c.scope)
			sp := ts.span
			require.NoError(t, sp.Attributes().FromRaw(c.attrs))
			cfg := createDefaultConfig()
			cfg.Pricing.Enabled = !c.off
			cfg.Fields = c.fields
			require.Empty(t, Annotate(cfg, ts.td))
			ps, errs := step.Read(sp.Attributes())
			require.Empty(t, errs)
			require.Len(t, ps, 1)
			p := ps[0]
			require.Equal(t, c.source, p.Source)
			near := func(want, got *float64, what string) {
				if want == nil {
					require.Nil(t, got, what)
					return
				}
				require.NotNil(t, got, what)
				require.InDelta(t, *want, *got, 1e-12, what)
			}
			switch c.costSource {
			case "":
				require.Nil(t, p.CostUSD)
				require.Empty(t, p.CostSource)
			case "catalogue":
				require.Contains(t, p.CostSource, step.CostSourceCataloguePrefix)
				require.NotNil(t, p.CostUSD)
				require.NotNil(t, p.InputCostUSD)
				require.NotNil(t, p.OutputCostUSD)
			default:
				require.Equal(t, c.costSource, p.CostSource)
				near(c.total, p.CostUSD, "cost_usd")
				near(c.in, p.InputCostUSD, "input_cost_usd")
				near(c.out_, p.OutputCostUSD, "output_cost_usd")
			}
		})
	}
}
