package step

import (
	"strings"
	"sync/atomic"
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
func (s *Step) Price(e *pricing.Engine) { s.price(e, true, newCostCell) }

// PriceAnchor is Price for a step that is written onto its anchor span
// and dropped within one window, as the processor does for every step
// (it prices a model call when its span is recognised): the amounts it points
// to live in a slab shared with other steps, so that pricing allocates
// nothing per step. window false leaves context_window_limit alone, as
// PriceCost does.
func (s *Step) PriceAnchor(e *pricing.Engine, window bool) { s.price(e, window, slabCostCell) }

func (s *Step) price(e *pricing.Engine, fillWindow bool, cell func() *costCell) {
	if e == nil {
		return
	}
	call := s.call()
	q := e.Quote(&call)
	var cost *pricing.Cost
	switch {
	case q.HasRule:
		cost = &q.Rule
	case CostSourceRank(s.CostSource) > 1:
	case q.HasCatalogue:
		cost = &q.Catalogue
	case strings.HasPrefix(s.CostSource, CostSourceCataloguePrefix):
		s.clearCost()
	}
	if cost != nil && !(ValidUSD(cost.Total) && ValidUSD(cost.Input) && ValidUSD(cost.Output)) {
		// Counts no call could have (a fuzzed or corrupt span) priced past
		// what a step may carry: no cost, and none kept from an earlier
		// quote of the same step.
		cost = nil
		if s.CostSource == CostSourceConfig || strings.HasPrefix(s.CostSource, CostSourceCataloguePrefix) {
			s.clearCost()
		}
	}
	window := fillWindow && s.ContextWindowLimit == nil && q.ContextWindow > 0
	if cost == nil && !window {
		return
	}
	c := cell()
	if window {
		c.window = q.ContextWindow
		s.ContextWindowLimit = &c.window
	}
	if cost != nil {
		c.usd = [3]float64{cost.Total, cost.Input, cost.Output}
		s.CostUSD, s.InputCostUSD, s.OutputCostUSD, s.CostSource = &c.usd[0], &c.usd[1], &c.usd[2], cost.Source
	}
}

// clearCost drops the step's cost fields, as one group.
func (s *Step) clearCost() {
	s.CostUSD, s.InputCostUSD, s.OutputCostUSD, s.CostSource = nil, nil, nil, ""
}

// costCell holds what one priced step points to: its three amounts and its
// catalogue window.
type costCell struct {
	usd    [3]float64
	window int64
}

func newCostCell() *costCell { return new(costCell) }

// costSlab hands out cells, each once, from one allocation. A slab lives
// as long as any step that points into it: fine for steps written onto a
// span and dropped, not for records kept long (those use newCostCell).
type costSlab struct {
	next  atomic.Int32
	cells [64]costCell
}

var costSlabs atomic.Pointer[costSlab]

func slabCostCell() *costCell {
	for {
		sl := costSlabs.Load()
		if sl != nil {
			if i := sl.next.Add(1) - 1; i < int32(len(sl.cells)) {
				return &sl.cells[i]
			}
		}
		costSlabs.CompareAndSwap(sl, new(costSlab))
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
	s.price(e, false, newCostCell)
}

func (s *Step) call() pricing.Call {
	// time.Now only when needed: it costs more than pricing the step.
	var start time.Time
	if s.StartTime != 0 {
		start = time.Unix(0, int64(s.StartTime))
	} else {
		start = time.Now()
	}
	return pricing.Call{
		Provider: s.ProviderName, Model: s.Model, Endpoint: s.ModelEndpoint, Start: start,
		PromptTokens: s.PromptTokens, CompletionTokens: s.CompletionTokens,
		CachedInputTokens: s.CachedInputTokens, CacheWriteTokens: s.CacheWriteTokens, ReasoningTokens: s.ReasoningTokens,
	}
}
