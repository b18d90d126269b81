package step

import (
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/agentsteps/collector/pricing"
)

// TestPriceSplitStep: a Letta-like step whose model and usage come in
// different patches is priced from the merged record, whatever the order.
func TestPriceSplitStep(t *testing.T) {
	start := Time(time.Date(2026, 9, 15, 12, 0, 0, 0, time.UTC).UnixNano())
	model := Step{ID: "step-1", ProviderName: "openai", Model: "gpt-4o", StartTime: start}
	usage := Step{ID: "step-1", PromptTokens: Int(5000), CachedInputTokens: Int(4000), CompletionTokens: Int(250)}
	e := pricing.New(pricing.Embedded(), nil)
	for _, order := range [][]Step{{model, usage}, {usage, model}} {
		var s Step
		for i := range order {
			p := order[i]
			p.Price(e) // each patch alone: no cost, or a partial one
			s.Merge(&p)
		}
		s.Finalize()
		s.Price(e)
		// gpt-4o: $2.50 input, $1.25 cache read, $10 output per million.
		want := (1000*2.5 + 4000*1.25 + 250*10) / 1e6
		if s.CostUSD == nil || math.Abs(*s.CostUSD-want) > 1e-12 || s.CostSource != "catalogue@"+pricing.Embedded().Version {
			t.Fatalf("cost %v %q, want %v from the catalogue", s.CostUSD, s.CostSource, want)
		}
		if s.ContextWindowLimit == nil || *s.ContextWindowLimit != 128000 {
			t.Errorf("context window %v, want the catalogue's 128000", s.ContextWindowLimit)
		}
	}
}

// TestCostPrecedence: a span cost beats the catalogue, a rule beats both,
// and merging moves the cost fields as one group.
func TestCostPrecedence(t *testing.T) {
	span := Step{ID: "s", Model: "gpt-4o", ProviderName: "openai", PromptTokens: Int(100), CompletionTokens: Int(10),
		CostUSD: USD(0.5), InputCostUSD: USD(0.2), OutputCostUSD: USD(0.3), CostSource: CostSourceSpan}
	cat := Step{ID: "s", CostUSD: USD(9), InputCostUSD: USD(8), OutputCostUSD: USD(1), CostSource: "catalogue@0.1.8"}
	for _, order := range [][2]Step{{span, cat}, {cat, span}} {
		var s Step
		s.Merge(&order[0])
		s.Merge(&order[1])
		if *s.CostUSD != 0.5 || *s.InputCostUSD != 0.2 || s.CostSource != CostSourceSpan {
			t.Fatalf("merged %v %v %q, want the span's cost", *s.CostUSD, *s.InputCostUSD, s.CostSource)
		}
		s.Price(pricing.New(pricing.Embedded(), nil))
		if *s.CostUSD != 0.5 || s.CostSource != CostSourceSpan {
			t.Errorf("catalogue replaced the span's cost: %v %q", *s.CostUSD, s.CostSource)
		}
		r := &pricing.Rule{Model: "gpt-4o", Input: 1, Output: 1}
		r.Compile()
		s.Price(pricing.New(pricing.Embedded(), []*pricing.Rule{r}))
		if math.Abs(*s.CostUSD-110e-6) > 1e-12 || s.CostSource != CostSourceConfig {
			t.Errorf("rule did not win: %v %q", *s.CostUSD, s.CostSource)
		}
	}
}

func TestUSDFromValue(t *testing.T) {
	good := map[string]pcommon.Value{"double": pcommon.NewValueDouble(0.25), "int": pcommon.NewValueInt(2), "string": pcommon.NewValueStr(" 0.5 ")}
	for name, v := range good {
		if _, err := USDFromValue(v); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, v := range []pcommon.Value{pcommon.NewValueDouble(-1), pcommon.NewValueDouble(math.NaN()), pcommon.NewValueStr("$1"), pcommon.NewValueBool(true), pcommon.NewValueDouble(2e6)} {
		if _, err := USDFromValue(v); err == nil {
			t.Errorf("%s: no error", v.AsString())
		}
	}
}

// TestPriceCostLeavesTheWindowToTheParts: Letta logs a step with its
// configured window and an update names the model the router chose, whose
// catalogue window is larger. Priced part by part (the exporter's batches,
// a store's rows), the recorded window must survive the merge in either
// order; a catalogue window filled on a part would win it, as a count.
func TestPriceCostLeavesTheWindowToTheParts(t *testing.T) {
	e := pricing.New(pricing.Embedded(), nil)
	logged := Step{ID: "step-w", ProviderName: "openai", Model: "gpt-4o", ContextWindowLimit: Int(128000)}
	resolved := Step{ID: "step-w", ProviderName: "anthropic", Model: "claude-sonnet-4-5-20250929",
		PromptTokens: Int(100), CompletionTokens: Int(10)}
	probe := resolved
	probe.Price(e)
	if probe.ContextWindowLimit == nil || *probe.ContextWindowLimit == 128000 {
		t.Fatalf("the catalogue must know a different window for %s to make this test mean anything: %v", resolved.Model, probe.ContextWindowLimit)
	}
	for _, order := range [][2]Step{{logged, resolved}, {resolved, logged}} {
		var rec Step
		for _, part := range order {
			part.PriceCost(e)
			rec.Merge(&part)
		}
		if rec.ContextWindowLimit == nil || *rec.ContextWindowLimit != 128000 {
			t.Fatalf("window %v, want the 128000 Letta recorded", rec.ContextWindowLimit)
		}
	}
}

// TestPriceOutOfRangeGivesNoCost: counts no call could have, priced at the
// catalogue's rate, pass what a step may carry (ValidUSD, which Read holds
// step.cost_usd to). The step gets no cost, and loses the one an earlier
// quote gave it, rather than a record whose cost does not read back.
func TestPriceOutOfRangeGivesNoCost(t *testing.T) {
	e := pricing.New(pricing.Embedded(), nil)
	start := Time(time.Date(2026, 9, 15, 12, 0, 0, 0, time.UTC).UnixNano())
	s := Step{ID: "s", ProviderName: "openai", Model: "gpt-4o", StartTime: start, PromptTokens: Int(1000), CompletionTokens: Int(10)}
	s.Price(e)
	if s.CostUSD == nil {
		t.Fatal("the sane counts were not priced")
	}
	s.PromptTokens = Int(52983525027888) // a fuzzed count: 132 million USD at gpt-4o's rate
	s.Price(e)
	if s.CostUSD != nil || s.InputCostUSD != nil || s.OutputCostUSD != nil || s.CostSource != "" {
		t.Errorf("cost %v %v %v %q, want none", s.CostUSD, s.InputCostUSD, s.OutputCostUSD, s.CostSource)
	}
	for _, f := range []float64{-1, math.NaN(), math.Inf(1), 1e6} {
		if ValidUSD(f) {
			t.Errorf("ValidUSD(%v) = true", f)
		}
	}
	if !ValidUSD(0) || !ValidUSD(999999.99) {
		t.Error("ValidUSD refused an amount a step may carry")
	}
}
