package stepprocessor

import (
	"cmp"
	"slices"

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

// spanCost reads the emitter's own cost, in one pass over the span's
// attributes. A total alone is kept as the total; prompt and completion
// without a total add up to it. A value that is not an amount in USD is
// ignored, and the catalogue prices the step.
func spanCost(p *step.Step, attrs pcommon.Map) {
	var found [5]*float64 // in the order of spanCostKeys: totals, input, output
	attrs.Range(func(k string, v pcommon.Value) bool {
		if len(k) < 14 || (k[0] != 'o' && k[0] != 'l' && k[0] != 'g') {
			return true // no cost key is shorter or starts otherwise
		}
		i := slices.Index(costKeys[:], k)
		if i < 0 {
			return true
		}
		if f, err := step.USDFromValue(v); err == nil {
			found[i] = step.USD(f)
		}
		return true
	})
	total := cmp.Or(found[0], found[1], found[2])
	in, out := found[3], found[4]
	if total == nil && in != nil && out != nil {
		total = step.USD(*in + *out)
	}
	if total == nil {
		return
	}
	p.CostUSD, p.InputCostUSD, p.OutputCostUSD, p.CostSource = total, in, out, step.CostSourceSpan
}

// costKeys are spanCostKeys in one list: the totals by preference, then
// prompt, then completion.
var costKeys = [5]string{
	spanCostKeys.total[0], spanCostKeys.total[1], spanCostKeys.total[2], spanCostKeys.input[0], spanCostKeys.output[0],
}
