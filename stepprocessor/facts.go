package stepprocessor

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/step"
)

// slot names one attribute key that some recogniser reads.
type slot uint16

// keyIndex maps every attribute key that any recogniser or the user's
// `fields:` reads to a slot. It is built once when the processor is
// created, so reading a span is one pass over its attributes with one map
// lookup per attribute, and no key is ever built per span.
type keyIndex struct {
	slots map[string]slot
	keys  []string
}

func newKeyIndex() *keyIndex { return &keyIndex{slots: map[string]slot{}} }

// add registers key and returns its slot; the same key always gets the same
// slot, so two conventions that read one key share it.
func (ix *keyIndex) add(key string) slot {
	if s, ok := ix.slots[key]; ok {
		return s
	}
	s := slot(len(ix.keys))
	ix.slots[key] = s
	ix.keys = append(ix.keys, key)
	return s
}

// addAll registers keys in priority order.
func (ix *keyIndex) addAll(keys ...string) []slot {
	out := make([]slot, len(keys))
	for i, k := range keys {
		out[i] = ix.add(k)
	}
	return out
}

// spanFacts is what recognisers see of one span: the span itself, its
// resource and scope, and the values of every registered key it carries.
// One spanFacts is reused for every span of a window: load resets it
// without clearing (a generation counter marks which slots are current).
type spanFacts struct {
	ix       *keyIndex
	span     ptrace.Span
	resource pcommon.Resource
	scope    pcommon.InstrumentationScope

	vals []pcommon.Value
	gen  []uint32
	cur  uint32
	hits int // how many registered keys the span carries
	// stepKeys: the span carries a step.* key already (a span annotated
	// before, or a user's), so writing its step must replace, not append.
	stepKeys bool
	// memo, when its claim index reads this index (claimIndex.facts), finds
	// the keys' slots in load; the window state's, used by one goroutine.
	memo *keyMemo

	// resVals caches resourceStr for cachedRes, the resource of the last
	// spans read: a batch's spans share a few resources of 20 to 30
	// attributes, which a Get scans. forget clears it between windows,
	// whose resources may reuse the memory of the last window's.
	cachedRes pcommon.Resource
	resVals   []resourceVal
}

type resourceVal struct{ key, val string }

func newSpanFacts(ix *keyIndex) *spanFacts {
	n := len(ix.keys)
	return &spanFacts{ix: ix, vals: make([]pcommon.Value, n), gen: make([]uint32, n)}
}

// load reads the span's attributes in one pass.
func (f *spanFacts) load(res pcommon.Resource, scope pcommon.InstrumentationScope, span ptrace.Span) {
	f.span, f.resource, f.scope = span, res, scope
	f.cur++
	f.hits = 0
	f.stepKeys = false
	if m := f.memo; m != nil && m.ci != nil && m.ci.facts == f.ix {
		// The window's key memo answers both questions for the keys it
		// holds: a few word compares where the map hashes the key.
		span.Attributes().Range(func(k string, v pcommon.Value) bool {
			if inMemo(len(k)) {
				e := m.entry(k)
				if e.hasSlot {
					f.vals[e.slot], f.gen[e.slot] = v, f.cur
					f.hits++
				}
				f.stepKeys = f.stepKeys || e.stepKey
				return true
			}
			f.loadKey(k, v)
			return true
		})
		return
	}
	span.Attributes().Range(func(k string, v pcommon.Value) bool {
		f.loadKey(k, v)
		return true
	})
}

// loadKey is load for one key, by the index's map.
func (f *spanFacts) loadKey(k string, v pcommon.Value) {
	if s, ok := f.ix.slots[k]; ok {
		f.vals[s], f.gen[s] = v, f.cur
		f.hits++
	}
	// The key's bytes were just hashed: this compare is in cache.
	f.stepKeys = f.stepKeys || strings.HasPrefix(k, step.Prefix)
}

// get returns the value of the key in slot s, if the span has it.
func (f *spanFacts) get(s slot) (pcommon.Value, bool) {
	if f.gen[s] != f.cur {
		return pcommon.Value{}, false
	}
	return f.vals[s], true
}

// first returns the first of slots that the span has, in priority order.
func (f *spanFacts) first(slots []slot) (pcommon.Value, bool) {
	for _, s := range slots {
		if f.gen[s] == f.cur {
			return f.vals[s], true
		}
	}
	return pcommon.Value{}, false
}

// str returns the first of slots as a non-empty string.
func (f *spanFacts) str(slots []slot) string {
	for _, s := range slots {
		if f.gen[s] == f.cur {
			if v := f.vals[s]; v.Type() == pcommon.ValueTypeStr && v.Str() != "" {
				return v.Str()
			} else if v.Type() == pcommon.ValueTypeInt {
				return v.AsString()
			}
		}
	}
	return ""
}

// has reports whether the span carries the key in slot s.
func (f *spanFacts) has(s slot) bool { return f.gen[s] == f.cur }

// resourceStr reads a resource attribute as a string; resources are few per
// batch and small, so a Get is fine here.
func (f *spanFacts) resourceStr(key string) string {
	if f.resource != f.cachedRes {
		f.cachedRes, f.resVals = f.resource, f.resVals[:0]
	}
	for i := range f.resVals {
		if f.resVals[i].key == key {
			return f.resVals[i].val
		}
	}
	val := ""
	if v, ok := f.resource.Attributes().Get(key); ok && v.Type() == pcommon.ValueTypeStr {
		val = v.Str()
	}
	f.resVals = append(f.resVals, resourceVal{key, val})
	return val
}

// forget drops what the facts hold of the window just processed.
func (f *spanFacts) forget() {
	f.span, f.resource, f.scope = ptrace.Span{}, pcommon.Resource{}, pcommon.InstrumentationScope{}
	f.cachedRes = pcommon.Resource{}
	clear(f.resVals)
	f.resVals = f.resVals[:0]
	clear(f.vals) // the values point into the window's spans
}
