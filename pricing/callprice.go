package pricing

import (
	"fmt"
	"math/bits"
)

// The step's five counts, as Call carries them: the only units a step
// reports. A price set compiles, once, what it needs to price them into
// one flat list (callPlan), so that pricing a call reads a few adjacent
// cache lines, with no registry search: the processor prices every step,
// in between other work that has evicted the catalogue from the caches.
const (
	slotInput = iota
	slotCacheRead
	slotCacheWrite
	slotOutput
	slotReasoning
	nSlots
)

// slotPairs are the pairs of slots, by index, for callUnit.pairs.
var slotPairs = func() (p [nSlots * (nSlots - 1) / 2][2]int) {
	k := 0
	for a := range nSlots {
		for b := a + 1; b < nSlots; b++ {
			p[k] = [2]int{a, b}
			k++
		}
	}
	return p
}()

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

// positive marks the reported counts above zero, and the pairs of them.
func (cc *callCounts) positive() (pos uint8, pairs uint16) {
	for i := range nSlots {
		if cc.has&(1<<i) != 0 && cc.v[i] > 0 {
			pos |= 1 << i
		}
	}
	return pos, pairsOf[pos]
}

// pairsOf[pos] marks the slot pairs both of whose slots pos marks.
var pairsOf = func() (t [1 << nSlots]uint16) {
	for pos := range t {
		for k, p := range slotPairs {
			if pos&(1<<p[0]) != 0 && pos&(1<<p[1]) != 0 {
				t[pos] |= 1 << k
			}
		}
	}
	return t
}()

func (r *registry) slotUnits() [nSlots]*unit {
	return [nSlots]*unit{r.input, r.cacheRead, r.cacheWrite, r.output, r.reasoning}
}

// slotValue is valueOf compiled for one unit and the five slots: which
// slot it is (-1: none), the slots it contains (a positive one without the
// unit reported is an error), and the pairs of slots that overlap exactly
// in it (both positive without it reported is an error).
type slotValue struct {
	slot  int8
	parts uint8
	pairs uint16
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
	for k, p := range slotPairs {
		x, y := su[p[0]], su[p[1]]
		if compatible(x, y) && !x.contains(y) && !y.contains(x) && reg.join(x, y) == u {
			sv.pairs |= 1 << k
		}
	}
	return sv
}

// value is valueOf on a call's counts.
func (sv slotValue) value(cc *callCounts, pos uint8, pairs uint16, u *unit) (float64, error) {
	if sv.slot >= 0 && cc.has&(1<<sv.slot) != 0 {
		return cc.v[sv.slot], nil
	}
	if sv.parts&pos != 0 {
		return 0, fmt.Errorf("missing usage %s with a positive part", u.usageKey)
	}
	if sv.pairs&pairs != 0 {
		return 0, fmt.Errorf("missing usage %s with overlapping parts", u.usageKey)
	}
	return 0, nil
}

// callUnit is one priced unit of a plan, compiled: its rate, its value
// and the earlier units inside it (a bitmask over the plan).
type callUnit struct {
	p        Price
	per      float64
	u        *unit // for errors
	value    slotValue
	inner    uint16
	dir      direction
	reported bool
}

// callPlan is a price set's plan compiled for calls; input is the total
// input's value, which picks the tier.
type callPlan struct {
	units []callUnit
	input slotValue
}

// maxCallUnits bounds a plan's length for callUnit.inner; the catalogue's
// largest price set has 8 keys. A longer one errs (see newPriceSet).
const maxCallUnits = 16

func compileCallPlan(reg *registry, plan []pricedUnit) callPlan {
	cp := callPlan{units: make([]callUnit, len(plan)), input: compileSlotValue(reg, reg.input)}
	for i, x := range plan {
		cu := callUnit{p: x.p, per: x.u.per, u: x.u, value: compileSlotValue(reg, x.u), dir: x.u.dir, reported: x.u.reported()}
		for j := range i {
			if y := plan[j].u; y.reported() && x.u.contains(y) {
				cu.inner |= 1 << j
			}
		}
		cp.units[i] = cu
	}
	return cp
}

// priceCall is price for a call's counts, with the same rules and errors.
func (ps *PriceSet) priceCall(cc *callCounts) (Breakdown, error) {
	if ps.err != nil {
		return Breakdown{}, ps.err
	}
	pos, pairs := cc.positive()
	input := 0.0
	if ps.tiers {
		var err error
		if input, err = ps.calls.input.value(cc, pos, pairs, units().input); err != nil {
			return Breakdown{}, err
		}
	}
	var leaf [maxCallUnits]float64
	var b Breakdown
	other := 0.0
	for i := range ps.calls.units {
		x := &ps.calls.units[i]
		n := 1.0 // every call is one request
		if x.reported {
			v, err := x.value.value(cc, pos, pairs, x.u)
			if err != nil {
				return Breakdown{}, err
			}
			inner := 0.0
			for m := x.inner; m != 0; m &= m - 1 {
				inner += leaf[bits.TrailingZeros16(m)]
			}
			if n, err = exclusive(v, inner, len(ps.calls.units), x.u); err != nil {
				return Breakdown{}, err
			}
		}
		leaf[i] = n
		b.add(x.dir, x.p.rate(input)*n/x.per, &other)
	}
	b.Total = b.Input + b.Output + other
	return b, nil
}
