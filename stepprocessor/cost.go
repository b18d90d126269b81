package stepprocessor

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/agentsteps/collector/step"
)

// spanCostKeys are the span's own cost keys, in USD, by the convention
// whose spans carry them (a source may have several, tried in order):
// pydantic-ai's total (operation.cost, which it computes with
// genai-prices), OpenInference's total, prompt and completion (llm.cost.*),
// OpenLIT's total on GenAI spans (gen_ai.usage.cost), LiteLLM's
// cost_breakdown (gen_ai.cost.total_cost, input_cost, output_cost; on its
// litellm_request span, which OpenLLMetry's llm.request.type claims, or on
// the application's GenAI span in its default mode), and Langfuse's
// cost_details. Letta, the AI SDK and OpenLLMetry itself record none.
//
// zeroUnknown: the emitter writes 0 for a model it cannot price.
// OpenLIT's get_chat_model_cost returns 0 on any error, a model missing
// from its pricing file or no file at all (it is fetched from GitHub at
// openlit.init), so its 0 is no price: the catalogue prices the step, or
// nothing does (a self-hosted model). pydantic-ai writes operation.cost
// only when genai-prices priced the call, and LiteLLM writes its
// gen_ai.cost.* keys only from a cost_breakdown, which it keeps only for a
// call it priced (litellm_logging.py set_cost_breakdown): their 0 is a
// price.
//
// details: the total key holds Langfuse's cost_details, a JSON object of
// USD by usage type (detailsCost).
var spanCostKeys = [...]struct {
	source, total, input, output string
	zeroUnknown, details         bool
}{
	{"pydanticai", "operation.cost", "", "", false, false},
	{"openinference", "llm.cost.total", "llm.cost.prompt", "llm.cost.completion", false, false},
	{"genai", "gen_ai.usage.cost", "", "", true, false},
	{"genai", litellmCost.total, litellmCost.input, litellmCost.output, false, false},
	{"openllmetry", litellmCost.total, litellmCost.input, litellmCost.output, false, false},
	{"langfuse", "langfuse.observation.cost_details", "", "", false, true},
}

// litellmCost is LiteLLM's cost_breakdown on its spans
// (integrations/opentelemetry.py writes each entry as gen_ai.cost.<name>).
// total_cost is what it bills, margins and discounts applied; input_cost
// includes the cache reads and output_cost the reasoning, which it also
// writes apart.
var litellmCost = struct{ total, input, output string }{
	"gen_ai.cost.total_cost", "gen_ai.cost.input_cost", "gen_ai.cost.output_cost",
}

// costSlots are one convention's span-cost keys as slots of the key
// index, so that the one pass that loads a span's facts also finds its
// cost (no extra search of the span's attributes); noSlot for none.
type costSlots struct {
	total, input, output slot
	zeroUnknown, details bool
}

const noSlot = ^slot(0)

// spanCostSlots registers every convention's span-cost keys, in the order
// of spanCostKeys.
func spanCostSlots(ix *keyIndex) (out [len(spanCostKeys)]costSlots) {
	opt := func(k string) slot {
		if k == "" {
			return noSlot
		}
		return ix.add(k)
	}
	for i, k := range spanCostKeys {
		out[i] = costSlots{ix.add(k.total), opt(k.input), opt(k.output), k.zeroUnknown, k.details}
	}
	return out
}

// priceCall prices a model call's step as soon as its span is recognised,
// not when it is written: its provider, model, endpoint, times and counts
// are final by then (what window.finish adds later is context, which
// pricing does not read), and the strings and counts pricing reads are
// still in the CPU's caches. Between the two, the whole window is walked.
// A wrapper's step, priced here, is dropped unwritten as before. It first
// keeps the cost the emitter recorded on the span (cost_source span), read
// from the facts of the span just loaded. The recognisers and the user's
// fields are done: a cost that those set already is not replaced.
func (a *annotator) priceCall(f *spanFacts, out *finding) {
	if a.pricing == nil {
		return
	}
	p := &out.patch
	source := p.Source // what step.source will be (window.finish)
	if source == "" {
		source = out.source
	}
	if p.CostUSD == nil && p.CostSource == "" {
		// A few string compares: cheaper than a map lookup for every
		// model call.
		for i := range spanCostKeys {
			if spanCostKeys[i].source == source && spanCost(p, f, a.costSlots[i]) {
				break
			}
		}
	}
	a.price(p, source)
}

// price sets the cost of a step about to be written on its span: a cost
// mapped by the user's fields counts as the span's own (a cost the
// emitter recorded under its convention's key was read with the span's
// facts, priceCall), then step.Step.PriceAnchor applies the precedence (a
// user rule, then the span's cost, then the catalogue). The exporter
// prices the merged record again, for steps assembled across batches.
func (a *annotator) price(p *step.Step, source string) {
	if a.pricing == nil {
		return
	}
	if p.CostUSD != nil && p.CostSource == "" {
		p.CostSource = step.CostSourceSpan // mapped by the user's fields:
	}
	// A Letta step is assembled from parts, and its pending log records
	// the configured window: a catalogue window on another part would beat
	// it in the merge (step.Step.PriceCost).
	p.PriceAnchor(a.pricing, source != "letta")
}

// spanCost reads the emitter's own cost from its keys and reports whether
// it found one. A total alone is kept as the total; prompt and completion
// without a total add up to it. A value that is not an amount in USD is
// ignored, and the catalogue prices the step.
func spanCost(p *step.Step, f *spanFacts, cs costSlots) bool {
	var total, in, out *float64
	if cs.details {
		if v, ok := f.get(cs.total); ok {
			total, in, out = detailsCost(v)
		}
	} else {
		total = usdAt(f, cs.total)
		if cs.input != noSlot {
			// Most spans carry no cost: the completion is looked for only
			// when a total or a prompt cost was found.
			if in = usdAt(f, cs.input); in != nil || total != nil {
				out = usdAt(f, cs.output)
			}
		}
	}
	if total == nil && in != nil && out != nil {
		total = step.USD(*in + *out)
	}
	// A total added up from parts may pass what a step can carry.
	if total == nil || !step.ValidUSD(*total) || cs.zeroUnknown && *total == 0 {
		return false
	}
	p.CostUSD, p.InputCostUSD, p.OutputCostUSD, p.CostSource = total, in, out, step.CostSourceSpan
	return true
}

func usdAt(f *spanFacts, s slot) *float64 {
	if v, ok := f.get(s); ok {
		return usdOf(v)
	}
	return nil
}

func usdOf(v pcommon.Value) *float64 {
	if d, err := step.USDFromValue(v); err == nil {
		return step.USD(d)
	}
	return nil
}
