package stepmetricsconnector

import (
	"errors"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/agentsteps/collector/step"
)

// slotKind is what the walk over an anchor's attributes does with one
// step.* key.
type slotKind uint8

// A field the metrics do not read is only checked, as Field.Set would
// check it, without storing it: slotCheck* kinds.
const (
	slotCheck            slotKind = iota // through Field.Set itself
	slotCheckText                        // a text field without a vocabulary
	slotCheckCount                       // a count
	slotCheckUSD                         // an amount of US dollars
	slotCheckTags                        // tags
	slotCheckProgression                 // progression
	slotID                               // step.id
	slotStr                              // a text field, into stepRec.str[to]
	slotCount                            // a token count, into stepRec.tokens[to]
	slotStatus                           // step.status
	slotStart                            // step.start_time
	slotEnd                              // step.end_time
	slotCost                             // step.cost_usd, kept as the span has it (mergeCost)
	slotPatches                          // step.patches: the span goes through step.Read
)

// keySlot is one step.* key and what the walk does with it.
type keySlot struct {
	key   string
	kind  slotKind
	to    int
	f     *step.Field
	extra int // index in Config.Dimensions; -1 when not a dimension
}

// keyTable is every step.* key the walk knows, resolved once. next
// remembers which key followed each key on the last anchor: the step
// processor writes the contract in one order, so the key after a key is
// nearly always the one seen there last time, and one string compare
// replaces a map lookup. A wrong guess costs the lookup it saves.
type keyTable struct {
	slots []keySlot
	byKey map[string]int32
	next  []int32 // by slot, and at len(slots) the first key of a span
}

func newKeyTable(dims []Dimension) keyTable {
	kt := keyTable{byKey: map[string]int32{}}
	dim := map[string]int{}
	for i, d := range dims {
		dim[d.Name] = i
	}
	str, cnt := map[string]int{}, map[string]int{}
	for i, n := range recStrFields {
		str[n] = i
	}
	for a, n := range countNames {
		cnt[n] = a
	}
	for _, f := range step.Fields {
		s := keySlot{key: f.Key, f: f, extra: -1}
		if i, ok := dim[f.Name]; ok {
			s.extra = i
		}
		i, isStr := str[f.Name]
		a, isCount := cnt[f.Name]
		switch {
		case f.Name == "id":
			s.kind = slotID
		case isStr:
			s.kind, s.to = slotStr, i
		case isCount:
			s.kind, s.to = slotCount, a
		case f.Name == costUSDName:
			s.kind = slotCost
		case f.Name == "status":
			s.kind = slotStatus
		case f.Name == "start_time":
			s.kind = slotStart
		case f.Name == "end_time":
			s.kind = slotEnd
		default:
			s.kind = checkKind(f)
		}
		kt.add(s)
	}
	kt.add(keySlot{key: step.PatchesKey, kind: slotPatches, extra: -1})
	kt.next = make([]int32, len(kt.slots)+1)
	return kt
}

// checkKind is how a field the metrics do not read is checked.
func checkKind(f *step.Field) slotKind {
	switch {
	case (f.Kind == step.KindString || f.Kind == step.KindErrorPart) && !hasVocabulary(f):
		return slotCheckText
	case f.Kind == step.KindCount:
		return slotCheckCount
	case f.Kind == step.KindUSD:
		return slotCheckUSD
	case f.Kind == step.KindTags:
		return slotCheckTags
	case f.Kind == step.KindProgression:
		return slotCheckProgression
	}
	return slotCheck
}

// hasVocabulary reports whether text field f refuses some strings, which
// Set says for a string that no vocabulary holds.
func hasVocabulary(f *step.Field) bool {
	var s step.Step
	return errors.Is(f.Set(&s, pcommon.NewValueStr("\x00")), step.ErrOutOfVocabulary)
}

func (kt *keyTable) add(s keySlot) {
	kt.byKey[s.key] = int32(len(kt.slots))
	kt.slots = append(kt.slots, s)
}

// start is the slot before a span's first key.
func (kt *keyTable) start() int32 { return int32(len(kt.slots)) }

// find returns the slot of key k, which followed the slot prev, or false
// when k is no key of the contract. The caller has checked that k starts
// with step.Prefix.
//
// The guess (next) is right when this anchor's keys follow last anchor's.
// When it is wrong, the key is looked for among the few slots after prev
// by length before bytes: the processor writes the keys in record order,
// the table's order, so an anchor that sets other fields than the last
// skips a few. Keys out of that order cost the map lookup.
func (kt *keyTable) find(prev int32, k string) (int32, bool) {
	if i := kt.next[prev]; kt.slots[i].key == k {
		return i, true
	}
	return kt.findAhead(prev, k)
}

// findAhead is find when the guess was wrong (out of line: find, the hot
// path, stays small enough to inline).
func (kt *keyTable) findAhead(prev int32, k string) (int32, bool) {
	from := prev + 1
	if int(prev) == len(kt.slots) {
		from = 0
	}
	for i := from; i < from+lookAhead && int(i) < len(kt.slots); i++ {
		if s := kt.slots[i].key; len(s) == len(k) && s == k {
			kt.next[prev] = i
			return i, true
		}
	}
	i, ok := kt.byKey[k]
	if ok {
		kt.next[prev] = i
	}
	return i, ok
}

// lookAhead is how many slots after the last key findAhead compares
// before the map: past about this many, a map lookup is cheaper.
const lookAhead = 12
