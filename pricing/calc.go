package pricing

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// PriceSet is one set of rates keyed by the catalogue's price keys
// (input_mtok, cache_read_mtok, requests_kcount, …). Keys that no unit
// rates are ignored, as calcPrice ignores them.
type PriceSet struct {
	Rates map[string]Price
	plan  []pricedUnit // most specific unit first
	err   error        // the set cannot be priced (calcPrice throws)
	tiers bool         // some rate is tiered: the total input picks the tier
	calls callPlan     // the plan compiled for a step's counts (callprice.go)
}

type pricedUnit struct {
	u *unit
	p Price
}

// UnmarshalJSON reads {price_key: rate, …} and prepares its plan.
func (ps *PriceSet) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	rates := make(map[string]Price, len(raw))
	for k, v := range raw {
		if string(v) == "null" {
			continue
		}
		var p Price
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		rates[k] = p
	}
	*ps = *newPriceSet(rates)
	return nil
}

// newPriceSet checks rates as calcPrice does and orders them for pricing.
func newPriceSet(rates map[string]Price) *PriceSet {
	ps := &PriceSet{Rates: rates}
	reg := units()
	for k, p := range rates {
		u := reg.byPrice[k]
		if u == nil {
			continue
		}
		ps.plan = append(ps.plan, pricedUnit{u, p})
		ps.tiers = ps.tiers || len(p.Tiers) > 0
	}
	slices.SortFunc(ps.plan, func(a, b pricedUnit) int {
		if d := len(b.u.dims) - len(a.u.dims); d != 0 {
			return d
		}
		return strings.Compare(a.u.usageKey, b.u.usageKey)
	})
	ps.err = ps.check(reg)
	if ps.err == nil && len(ps.plan) > maxCallUnits {
		ps.err = fmt.Errorf("%d priced units, more than the %d a price set may have", len(ps.plan), maxCallUnits)
	}
	ps.calls = compileCallPlan(reg, ps.plan)
	return ps
}

// check is calcPrice's validation: every unit containing a priced unit is
// priced too, and two priced units that can overlap have their overlap
// priced.
func (ps *PriceSet) check(reg *registry) error {
	priced := map[string]bool{}
	for _, x := range ps.plan {
		priced[x.u.priceKey] = true
	}
	for _, x := range ps.plan {
		for _, a := range reg.byUsage {
			if a != x.u && a.contains(x.u) && !priced[a.priceKey] {
				return fmt.Errorf("missing ancestor price key %s for %s", a.priceKey, x.u.priceKey)
			}
		}
	}
	for i, a := range ps.plan {
		for _, b := range ps.plan[i+1:] {
			if !compatible(a.u, b.u) {
				continue
			}
			j := reg.join(a.u, b.u)
			if j == nil || !priced[j.priceKey] {
				return fmt.Errorf("missing join price for %s and %s", a.u.priceKey, b.u.priceKey)
			}
		}
	}
	return nil
}

// Breakdown is a price in USD: Input sums the input-direction units
// (uncached input, cache reads and writes, input audio…), Output the
// output-direction ones, and Total also holds what has no direction (the
// fee per request, web searches).
type Breakdown struct {
	Total, Input, Output float64
}

// Usage maps the catalogue's usage keys ("input_tokens",
// "cache_read_tokens", "output_reasoning_tokens", …) to counts. A key that
// contains others holds their total: input_tokens counts cache reads and
// writes, output_tokens counts reasoning.
type Usage map[string]float64

// usageEntry is one reported count: its unit (nil for a key the registry
// does not know, which is ignored as calcPrice ignores it) and value.
type usageEntry struct {
	u *unit
	v float64
}

// Price prices usage with the set's rates on exclusive leaves: each priced
// unit is billed for its count less the counts of the priced units inside
// it, so no token is billed twice. It errs where calcPrice throws: usage
// that does not add up (cache reads above the input) or a set that
// cannot price.
func (ps *PriceSet) Price(usage Usage) (Breakdown, error) {
	reg := units()
	us := make([]usageEntry, 0, len(usage))
	for k, v := range usage {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return Breakdown{}, fmt.Errorf("usage %s: want a finite non-negative number, got %v", k, v)
		}
		us = append(us, usageEntry{reg.byUsage[k], v})
	}
	return ps.price(us)
}

func (ps *PriceSet) price(us []usageEntry) (Breakdown, error) {
	if ps.err != nil {
		return Breakdown{}, ps.err
	}
	reg := units()
	input := 0.0
	if ps.tiers {
		var err error
		if input, err = valueOf(reg, us, reg.input); err != nil {
			return Breakdown{}, err
		}
	}
	var leaves [16]float64
	leaf := leaves[:0]
	if len(ps.plan) > len(leaves) {
		leaf = make([]float64, 0, len(ps.plan))
	}
	var b Breakdown
	other := 0.0
	for i, x := range ps.plan {
		n := 1.0 // every call is one request
		if x.u.reported() {
			v, err := valueOf(reg, us, x.u)
			if err != nil {
				return Breakdown{}, err
			}
			inner := 0.0
			for j := range i {
				if y := ps.plan[j].u; y.reported() && x.u.contains(y) {
					inner += leaf[j]
				}
			}
			if n, err = exclusive(v, inner, len(ps.plan), x.u); err != nil {
				return Breakdown{}, err
			}
		}
		leaf = append(leaf, n)
		b.add(x.u.dir, x.p.rate(input)*n/x.u.per, &other)
	}
	b.Total = b.Input + b.Output + other
	return b, nil
}

// exclusive is a unit's count v less the counts inner of the priced units
// inside it, for a plan of planLen units: a difference below zero by no
// more than the rounding of the sums is 0, a larger one is calcPrice's
// error.
func exclusive(v, inner float64, planLen int, u *unit) (float64, error) {
	n := v - inner
	tol := 2.220446049250313e-16 * max(1, math.Abs(v), math.Abs(inner)) * float64(planLen+1)
	if n < 0 && -n <= tol {
		n = 0
	}
	if n < 0 {
		return 0, fmt.Errorf("invalid usage: the parts of %s add up to %v, more than its %v", u.usageKey, inner, v)
	}
	return n, nil
}

// add puts cost c in USD on the side of direction dir; a unit that is
// neither input nor output (a request fee) goes to other.
func (b *Breakdown) add(dir direction, c float64, other *float64) {
	switch dir {
	case inputDirection:
		b.Input += c
	case outputDirection:
		b.Output += c
	default:
		*other += c
	}
}

// rate is the rate for a call whose total input is input tokens: the last
// tier whose start it exceeds, or the base.
func (p Price) rate(input float64) float64 {
	r := p.Base
	for _, t := range p.Tiers {
		if input > float64(t.Start) {
			r = t.Price
		}
	}
	return r
}

// valueOf is the count of unit u in usage: its reported value, or 0 when
// nothing inside it was reported either (calcPrice's rule; a reported part
// without its whole is an error).
func valueOf(reg *registry, us []usageEntry, u *unit) (float64, error) {
	for _, e := range us {
		if e.u == u {
			return e.v, nil
		}
	}
	for _, e := range us {
		if e.u != nil && e.u.reported() && e.v > 0 && u.contains(e.u) {
			return 0, fmt.Errorf("missing usage %s with a positive part %s", u.usageKey, e.u.usageKey)
		}
	}
	// Two reported parts that overlap exactly in u need u reported.
	for i, a := range us {
		for _, c := range us[i+1:] {
			if a.u == nil || c.u == nil || !a.u.reported() || !c.u.reported() || a.v <= 0 || c.v <= 0 {
				continue
			}
			if compatible(a.u, c.u) && !a.u.contains(c.u) && !c.u.contains(a.u) && reg.join(a.u, c.u) == u {
				return 0, fmt.Errorf("missing usage %s with overlapping parts %s and %s", u.usageKey, a.u.usageKey, c.u.usageKey)
			}
		}
	}
	return 0, nil
}
