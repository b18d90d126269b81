package step

import (
	"strings"
	"time"

	"github.com/agentsteps/collector/pricing"
)

// Cost sources, in rising precedence: the catalogue's price, a cost the
// emitter recorded on its span, a price the user configured.
const (
	CostSourceSpan   = "span"
	CostSourceConfig = "config"
	// CostSourceCataloguePrefix starts "catalogue@<version>".
	CostSourceCataloguePrefix = "catalogue@"
)

// USD returns a pointer to v, for the cost fields.
func USD(v float64) *float64 { return &v }

// CostSourceRank orders cost sources: config 3 > span 2 > catalogue 1 >
// unset 0.
func CostSourceRank(src string) int {
	switch {
	case src == CostSourceConfig:
		return 3
	case src == CostSourceSpan:
		return 2
	case src != "":
		return 1
	}
	return 0
}

// mergeCost folds the cost of p into s as one group: the higher source
// wins whole; between equal sources each amount takes the larger (a patch
// with more tokens costs more), so the rule stays a join.
func (s *Step) mergeCost(p *Step) {
	rs, rp := CostSourceRank(s.CostSource), CostSourceRank(p.CostSource)
	switch {
	case rp > rs:
		s.CostUSD, s.InputCostUSD, s.OutputCostUSD, s.CostSource = copyUSD(p.CostUSD), copyUSD(p.InputCostUSD), copyUSD(p.OutputCostUSD), p.CostSource
	case rp == rs:
		s.CostUSD, s.InputCostUSD, s.OutputCostUSD = maxUSD(s.CostUSD, p.CostUSD), maxUSD(s.InputCostUSD, p.InputCostUSD), maxUSD(s.OutputCostUSD, p.OutputCostUSD)
		s.CostSource = maxStr(s.CostSource, p.CostSource)
	}
}

func copyUSD(v *float64) *float64 {
	if v == nil {
		return nil
	}
	return USD(*v)
}

func maxUSD(a, b *float64) *float64 {
	if b == nil {
		return a
	}
	if a == nil || *b > *a {
		return USD(*b)
	}
	return a
}

// Price sets the cost of a merged record from its final provider, model,
// endpoint, start time and token counts: a user's rule of e first, then a
// cost the record already holds from the emitter's span or from a rule,
// then e's catalogue; a catalogue cost that no longer applies is cleared.
// It fills context_window_limit from the catalogue when no span recorded
// one. A nil e changes nothing. Call it after Merge and Finalize.
func (s *Step) Price(e *pricing.Engine) {
	if e == nil {
		return
	}
	q := e.Quote(s.call())
	var cost *pricing.Cost
	switch {
	case q.HasRule:
		cost = &q.Rule
	case CostSourceRank(s.CostSource) > 1:
	case q.HasCatalogue:
		cost = &q.Catalogue
	case strings.HasPrefix(s.CostSource, CostSourceCataloguePrefix):
		s.CostUSD, s.InputCostUSD, s.OutputCostUSD, s.CostSource = nil, nil, nil, ""
	}
	window := s.ContextWindowLimit == nil && q.ContextWindow > 0
	if cost == nil && !window {
		return
	}
	// One allocation for the amounts and the window: the processor prices
	// every step.
	buf := &struct {
		usd    [3]float64
		window int64
	}{window: q.ContextWindow}
	if window {
		s.ContextWindowLimit = &buf.window
	}
	if cost != nil {
		buf.usd = [3]float64{cost.Total, cost.Input, cost.Output}
		s.CostUSD, s.InputCostUSD, s.OutputCostUSD, s.CostSource = &buf.usd[0], &buf.usd[1], &buf.usd[2], cost.Source
	}
}

// PriceCost is Price without filling context_window_limit: for a record
// that later parts of its step may still complete (a batch's record at the
// exporter, a store's row, a Letta part). A window recorded by another part
// (Letta logs the configured one) must win, but windows merge as counts,
// the larger wins, so a catalogue window written first would beat it. The
// processor fills the catalogue window once, on the anchor of a step that
// one span makes whole.
func (s *Step) PriceCost(e *pricing.Engine) {
	w := s.ContextWindowLimit
	s.Price(e)
	s.ContextWindowLimit = w
}

func (s *Step) call() pricing.Call {
	start := time.Now()
	if s.StartTime != 0 {
		start = time.Unix(0, int64(s.StartTime))
	}
	return pricing.Call{
		Provider: s.ProviderName, Model: s.Model, Endpoint: s.ModelEndpoint, Start: start,
		PromptTokens: s.PromptTokens, CompletionTokens: s.CompletionTokens,
		CachedInputTokens: s.CachedInputTokens, CacheWriteTokens: s.CacheWriteTokens, ReasoningTokens: s.ReasoningTokens,
	}
}
