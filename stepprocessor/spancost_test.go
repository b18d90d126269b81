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
		{name: "openinference prompt alone", attrs: with(oi, map[string]any{"llm.cost.prompt": 0.25}), source: "openinference", costSource: "catalogue"},
		{name: "openinference completion alone", attrs: with(oi, map[string]any{"llm.cost.completion": 0.5}), source: "openinference", costSource: "catalogue"},
		{name: "openinference bad total, good parts", attrs: with(oi, map[string]any{"llm.cost.total": "x", "llm.cost.prompt": 0.25, "llm.cost.completion": 0.5}), source: "openinference", costSource: "span", total: ptr(0.75), in: ptr(0.25), out_: ptr(0.5)},
		{name: "user's fields map the cost", attrs: with(genai, map[string]any{"my.cost": 0.125, "gen_ai.usage.cost": 0.5}), fields: map[string][]string{"cost_usd": {"my.cost"}}, source: "genai", costSource: "span", total: ptr(0.125)},
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
