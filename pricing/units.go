package pricing

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"sync"
)

// unit is one entry of the catalogue's unit registry (units.yml): a usage
// key ("cache_read_tokens"), the price key that rates it
// ("cache_read_mtok"), how many units one rate is for (1e6 for tokens) and
// its dimensions. A unit contains every unit whose dimensions include its
// own: input_tokens {direction: input, family: tokens} contains
// cache_read_tokens {…, token_type: cache_read}.
type unit struct {
	usageKey, priceKey string
	per                float64
	dims               map[string]string
	dir                direction
	// Relations to every unit of the registry, by idx, computed once:
	// whether this one contains it, can overlap it, and their join.
	idx    int
	in     []bool
	compat []bool
	join   []*unit
}

type direction int8

const (
	noDirection direction = iota
	inputDirection
	outputDirection
)

type registry struct {
	byUsage, byPrice map[string]*unit
	byDims           map[string]*unit
	// The units a step reports, looked up once.
	input, cacheRead, cacheWrite, output, reasoning *unit
}

var units = sync1(func() *registry {
	var raw map[string]struct {
		Dimensions map[string]string `json:"dimensions"`
		Per        float64           `json:"per"`
		PriceKey   string            `json:"price_key"`
	}
	if err := json.Unmarshal(embeddedUnits, &raw); err != nil {
		panic("pricing: embedded units: " + err.Error())
	}
	r := &registry{byUsage: map[string]*unit{}, byPrice: map[string]*unit{}, byDims: map[string]*unit{}}
	for k, v := range raw {
		u := &unit{usageKey: k, priceKey: v.PriceKey, per: v.Per, dims: v.Dimensions}
		if u.priceKey == "" {
			u.priceKey = k
		}
		r.byUsage[k], r.byPrice[u.priceKey], r.byDims[dimsKey(u.dims)] = u, u, u
	}
	all := make([]*unit, 0, len(r.byUsage))
	for _, k := range slices.Sorted(maps.Keys(r.byUsage)) {
		u := r.byUsage[k]
		u.idx = len(all)
		all = append(all, u)
		switch u.dims["direction"] {
		case "input":
			u.dir = inputDirection
		case "output":
			u.dir = outputDirection
		}
	}
	for _, a := range all {
		a.in, a.compat, a.join = make([]bool, len(all)), make([]bool, len(all)), make([]*unit, len(all))
		for _, b := range all {
			a.in[b.idx] = containsDims(a, b)
			a.compat[b.idx] = compatibleDims(a, b)
			a.join[b.idx] = r.joinDims(a, b)
		}
	}
	r.input, r.cacheRead, r.cacheWrite = r.byUsage["input_tokens"], r.byUsage["cache_read_tokens"], r.byUsage["cache_write_tokens"]
	r.output, r.reasoning = r.byUsage["output_tokens"], r.byUsage["output_reasoning_tokens"]
	return r
})

func dimsKey(d map[string]string) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	s := ""
	for _, k := range keys {
		s += k + "=" + d[k] + ";"
	}
	return s
}

// contains reports whether a contains b: every dimension of a is b's too.
func (a *unit) contains(b *unit) bool { return a.in[b.idx] }

// compatible reports whether a and b can overlap: no dimension differs.
func compatible(a, b *unit) bool { return a.compat[b.idx] }

// join is the registered unit of a and b's common part, or nil.
func (r *registry) join(a, b *unit) *unit { return a.join[b.idx] }

func containsDims(a, b *unit) bool {
	for k, v := range a.dims {
		if b.dims[k] != v {
			return false
		}
	}
	return true
}

func compatibleDims(a, b *unit) bool {
	for k, v := range a.dims {
		if w, ok := b.dims[k]; ok && w != v {
			return false
		}
	}
	return true
}

func (r *registry) joinDims(a, b *unit) *unit {
	d := map[string]string{}
	for k, v := range a.dims {
		d[k] = v
	}
	for k, v := range b.dims {
		d[k] = v
	}
	return r.byDims[dimsKey(d)]
}

// reported reports whether usage can carry the unit ("requests" is implied:
// every call is one request).
func (u *unit) reported() bool { return u.usageKey != "requests" }

var timeOfDay = regexp.MustCompile(`^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$`)

// parseTimeOfDay reads "HH:MM:SS[.frac](Z|±HH:MM)" as seconds after UTC
// midnight.
func parseTimeOfDay(s string) (float64, error) {
	m := timeOfDay.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("time of day %q: want HH:MM:SSZ or HH:MM:SS±HH:MM", s)
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	sec, _ := strconv.Atoi(m[3])
	oh, om := 0, 0
	if m[7] != "" {
		oh, _ = strconv.Atoi(m[7])
		om, _ = strconv.Atoi(m[8])
	}
	if h > 23 || mi > 59 || sec > 59 || oh > 23 || om > 59 {
		return 0, fmt.Errorf("time of day %q out of range", s)
	}
	frac := 0.0
	if m[4] != "" {
		frac, _ = strconv.ParseFloat("0."+m[4], 64)
	}
	t := float64(h*3600+mi*60+sec) + frac
	off := float64((oh*60 + om) * 60)
	if m[6] == "-" {
		off = -off
	}
	return math.Mod(t-off+86400, 86400), nil
}

// sync1 is sync.OnceValue, named for its use: one lazily built value.
func sync1[T any](f func() T) func() T { return sync.OnceValue(f) }

func sortTiers(t []Tier) {
	slices.SortStableFunc(t, func(a, b Tier) int { return int(a.Start - b.Start) })
}
