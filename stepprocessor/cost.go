package stepprocessor

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/agentsteps/collector/step"
)

// Span cost keys, in USD, by the convention whose spans carry them:
// pydantic-ai's total (operation.cost, which it computes with genai-prices),
// OpenInference's total, prompt and completion (llm.cost.*), and OpenLIT's
// total on GenAI spans (gen_ai.usage.cost). Letta, the AI SDK and
// OpenLLMetry record none, so their spans are not searched.
var spanCostKeys = map[string]struct{ total, input, output string }{
	"pydanticai":    {total: "operation.cost"},
	"openinference": {total: "llm.cost.total", input: "llm.cost.prompt", output: "llm.cost.completion"},
	"genai":         {total: "gen_ai.usage.cost"},
}

// price sets the cost of a step about to be written on its span: a cost
// the emitter recorded on the span is kept with cost_source span, then
// step.Step.Price applies the precedence (a user rule, then the span's
// cost, then the catalogue). The exporter
// prices the merged record again, for steps assembled across batches.
func (a *annotator) price(p *step.Step, attrs pcommon.Map) {
	if a.pricing == nil {
		return
	}
	switch {
	case p.CostUSD != nil && p.CostSource == "":
		p.CostSource = step.CostSourceSpan // mapped by the user's fields:
	case p.CostSource == "":
		if keys, ok := spanCostKeys[p.Source]; ok {
			spanCost(p, attrs, keys.total, keys.input, keys.output)
		}
	}
	if p.Source == "letta" {
		// A Letta step is assembled from parts, and its pending log records
		// the configured window: a catalogue window on another part would
		// beat it in the merge (step.Step.PriceCost).
		p.PriceCost(a.pricing)
		return
	}
	p.Price(a.pricing)
}

// spanCost reads the emitter's own cost from its keys ("" for none). A
// total alone is kept as the total; prompt and completion without a total
// add up to it. A value that is not an amount in USD is ignored, and the
// catalogue prices the step.
func spanCost(p *step.Step, attrs pcommon.Map, totalKey, inputKey, outputKey string) {
	total := usdAt(attrs, totalKey)
	var in, out *float64
	if inputKey != "" {
		in, out = usdAt(attrs, inputKey), usdAt(attrs, outputKey)
	}
	if total == nil && in != nil && out != nil {
		total = step.USD(*in + *out)
	}
	if total == nil {
		return
	}
	p.CostUSD, p.InputCostUSD, p.OutputCostUSD, p.CostSource = total, in, out, step.CostSourceSpan
}

func usdAt(attrs pcommon.Map, key string) *float64 {
	if v, ok := attrs.Get(key); ok {
		if f, err := step.USDFromValue(v); err == nil {
			return step.USD(f)
		}
	}
	return nil
}
