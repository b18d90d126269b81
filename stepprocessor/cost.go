package stepprocessor

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/agentsteps/collector/step"
)

// spanCostKeys are the span's own cost keys, in USD, by the convention
// whose spans carry them: pydantic-ai's total (operation.cost, which it
// computes with genai-prices), OpenInference's total, prompt and completion
// (llm.cost.*), and OpenLIT's total on GenAI spans (gen_ai.usage.cost).
// Letta, the AI SDK and OpenLLMetry record none, so their spans are not
// searched. A switch, not a map: it runs for every step.
func spanCostKeys(source string) (total, input, output string) {
	switch source {
	case "pydanticai":
		return "operation.cost", "", ""
	case "openinference":
		return "llm.cost.total", "llm.cost.prompt", "llm.cost.completion"
	case "genai":
		return "gen_ai.usage.cost", "", ""
	}
	return "", "", ""
}

// price sets the cost of a step about to be written on its span: a cost
// the emitter recorded on the span is kept with cost_source span, then
// step.Step.PriceAnchor applies the precedence (a user rule, then the
// span's cost, then the catalogue). The exporter prices the merged record
// again, for steps assembled across batches.
func (a *annotator) price(p *step.Step, attrs pcommon.Map) {
	if a.pricing == nil {
		return
	}
	switch {
	case p.CostUSD != nil && p.CostSource == "":
		p.CostSource = step.CostSourceSpan // mapped by the user's fields:
	case p.CostSource == "":
		if total, input, output := spanCostKeys(p.Source); total != "" {
			spanCost(p, attrs, total, input, output)
		}
	}
	// A Letta step is assembled from parts, and its pending log records
	// the configured window: a catalogue window on another part would beat
	// it in the merge (step.Step.PriceCost).
	p.PriceAnchor(a.pricing, p.Source != "letta")
}

// spanCost reads the emitter's own cost from its keys ("" for none). A
// total alone is kept as the total; prompt and completion without a total
// add up to it. A value that is not an amount in USD is ignored, and the
// catalogue prices the step.
func spanCost(p *step.Step, attrs pcommon.Map, totalKey, inputKey, outputKey string) {
	total := usdAt(attrs, totalKey)
	var in, out *float64
	if inputKey != "" {
		// Most spans carry no cost: the completion is looked for only
		// when a total or a prompt cost was found.
		if in = usdAt(attrs, inputKey); in != nil || total != nil {
			out = usdAt(attrs, outputKey)
		}
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
