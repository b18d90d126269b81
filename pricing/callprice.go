package pricing

import (
	"fmt"
	"math"
)

// The step's five counts, as Call carries them: the only units a step
// reports. A price set compiles, once, what it needs to price them, so
// that a call is priced with a few array reads (priceCall) instead of the
// registry searches of PriceSet.Price.
const (
	slotInput = iota
	slotCacheRead
	slotCacheWrite
	slotOutput
	slotReasoning
	nSlots
)

// callCounts are a call's counts by slot; has marks the reported ones.
type callCounts struct {
	v   [nSlots]float64
	has uint8
}

func (c Call) counts() callCounts {
	var cc callCounts
	for i, p := range [nSlots]*int64{c.PromptTokens, c.CachedInputTokens, c.CacheWriteTokens, c.CompletionTokens, c.ReasoningTokens} {
		if p != nil && *p >= 0 {
			cc.v[i], cc.has = float64(*p), cc.has|1<<i
		}
	}
	return cc
}

func (r *registry) slotUnits() [nSlots]*unit {
	return [nSlots]*unit{r.input, r.cacheRead, r.cacheWrite, r.output, r.reasoning}
}

// slotValue is valueOf for the five slots, compiled for one unit: which
// slot it is (-1: none), the slots it contains, and the pairs of slots
// that overlap exactly in it (a<<4 | b).
type slotValue struct {
	slot  int8
	parts uint8
	pairs []uint8
}

func compileSlotValue(reg *registry, u *unit) slotValue {
	su := reg.slotUnits()
	sv := slotValue{slot: -1}
	for i, s := range su {
		switch {
		case s == u:
			sv.slot = int8(i)
		case u.contains(s):
			sv.parts |= 1 << i
		}
	}
	for a := range su {
		for b := a + 1; b < len(su); b++ {
			x, y := su[a], su[b]
			if compatible(x, y) && !x.contains(y) && !y.contains(x) && reg.join(x, y) == u {
				sv.pairs = append(sv.pairs, uint8(a<<4|b))
			}
		}
	}
	return sv
}

// value is valueOf on a call's counts; pos marks the positive ones.
func (sv *slotValue) value(cc *callCounts, pos uint8, u *unit) (float64, error) {
	if sv.slot >= 0 && cc.has&(1<<sv.slot) != 0 {
		return cc.v[sv.slot], nil
	}
	if sv.parts&pos != 0 {
		return 0, fmt.Errorf("missing usage %s with a positive part", u.usageKey)
	}
	for _, p := range sv.pairs {
		if pos&(1<<(p>>4)) != 0 && pos&(1<<(p&15)) != 0 {
			return 0, fmt.Errorf("missing usage %s with overlapping parts", u.usageKey)
		}
	}
	return 0, nil
}

// callPlan is a price set compiled for calls: per plan entry, its value
// and the earlier entries it contains; and the total input, for tiers.
type callPlan struct {
	value []slotValue
	inner [][]int
	input slotValue
}

func compileCallPlan(reg *registry, plan []pricedUnit) callPlan {
	cp := callPlan{value: make([]slotValue, len(plan)), inner: make([][]int, len(plan)), input: compileSlotValue(reg, reg.input)}
	for i, x := range plan {
		cp.value[i] = compileSlotValue(reg, x.u)
		for j := range i {
			if y := plan[j].u; y.reported() && x.u.contains(y) {
				cp.inner[i] = append(cp.inner[i], j)
			}
		}
	}
	return cp
}

// priceCall is price for a call's counts, with the same rules and errors.
func (ps *PriceSet) priceCall(cc *callCounts) (Breakdown, error) {
	if ps.err != nil {
		return Breakdown{}, ps.err
	}
	var pos uint8
	for i := range nSlots {
		if cc.has&(1<<i) != 0 && cc.v[i] > 0 {
			pos |= 1 << i
		}
	}
	reg := units()
	input := 0.0
	if ps.tiers {
		var err error
		if input, err = ps.calls.input.value(cc, pos, reg.input); err != nil {
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
			v, err := ps.calls.value[i].value(cc, pos, x.u)
			if err != nil {
				return Breakdown{}, err
			}
			inner := 0.0
			for _, j := range ps.calls.inner[i] {
				inner += leaf[j]
			}
			n = v - inner
			tol := 2.220446049250313e-16 * max(1, math.Abs(v), math.Abs(inner)) * float64(len(ps.plan)+1)
			if n < 0 && -n <= tol {
				n = 0
			}
			if n < 0 {
				return Breakdown{}, fmt.Errorf("invalid usage: the parts of %s add up to %v, more than its %v", x.u.usageKey, inner, v)
			}
		}
		leaf = append(leaf, n)
		c := x.p.rate(input) * n / x.u.per
		switch x.u.dir {
		case inputDirection:
			b.Input += c
		case outputDirection:
			b.Output += c
		default:
			other += c
		}
	}
	b.Total = b.Input + b.Output + other
	return b, nil
}
