package stepprocessor

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/agentsteps/collector/step"
)

// Span cost keys, in USD: pydantic-ai's total (operation.cost, which it
// computes with genai-prices), OpenInference's total, prompt and completion
// (llm.cost.*), and OpenLIT's total (gen_ai.usage.cost).
var spanCostKeys = struct{ total, input, output []string }{
	total:  []string{"operation.cost", "llm.cost.total", "gen_ai.usage.cost"},
	input:  []string{"llm.cost.prompt"},
	output: []string{"llm.cost.completion"},
}

// price sets the cost of a step about to be written on its span: a cost
// the emitter recorded on the span is kept with cost_source span, then
// step.Step.Price applies the precedence (a user rule, then the span's
// cost, then the catalogue) and fills context_window_limit. The exporter
// prices the merged record again, for steps assembled across batches.
func (a *annotator) price(p *step.Step, attrs pcommon.Map) {
	if a.pricing == nil {
		return
	}
	if p.CostSource == "" {
		spanCost(p, attrs)
	}
	p.Price(a.pricing)
}

// spanCost reads the emitter's own cost. A total alone is kept as the
// total; prompt and completion without a total add up to it. A value that
// is not an amount in USD is ignored, and the catalogue prices the step.
func spanCost(p *step.Step, attrs pcommon.Map) {
	total, in, out := firstUSD(attrs, spanCostKeys.total), firstUSD(attrs, spanCostKeys.input), firstUSD(attrs, spanCostKeys.output)
	if total == nil && in != nil && out != nil {
		total = step.USD(*in + *out)
	}
	if total == nil {
		return
	}
	p.CostUSD, p.InputCostUSD, p.OutputCostUSD, p.CostSource = total, in, out, step.CostSourceSpan
}

func firstUSD(attrs pcommon.Map, keys []string) *float64 {
	for _, k := range keys {
		if v, ok := attrs.Get(k); ok {
			if f, err := step.USDFromValue(v); err == nil {
				return step.USD(f)
			}
		}
	}
	return nil
}
