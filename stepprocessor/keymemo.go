package stepprocessor

import (
	"math/bits"
	"strings"

	"github.com/agentsteps/collector/step"
)

// keyMemo remembers, for the attribute keys a window state saw lately,
// what the claim pass asks of each: its class (keyClassOf) and the
// conventions it marks (claimIndex.key); and, for a claimed span's facts,
// the key's slot in the annotator's key index and whether it is a step.*
// key (spanFacts.load). A collector's traffic repeats a
// few dozen keys (http.request.method, db.query.text, ...), so claimSpan
// answers both with one lookup of a few word compares per key instead of
// the claim gate plus three substring scans. The answers are keyClassOf's
// and the claim index's, always: a key is found only when its length and
// all its bytes match, and the memo is emptied when it is asked for
// another claim index.
//
// A key of 8 to 40 bytes is held as its length and its 8-byte words at
// offsets 0, 8, 16, 24 and n-8, the middle three moved back to n-8 where
// they would run past the end (keyWords): for a known length these words
// are the key. Keys of other lengths are classified every time. The
// memo is two-way set associative, its sets picked by the length and the
// first and last word; it takes 56 KiB per window state (1024 keys). It
// holds no reference into a batch and never allocates.
type keyMemo struct {
	ci   *claimIndex // the index the claims are from; nil for none
	sets [keyMemoSets][2]keyMemoEntry
}

const (
	keyMemoBits = 9
	keyMemoSets = 1 << keyMemoBits
	keyMemoMin  = 8
	keyMemoMax  = 40
)

type keyMemoEntry struct {
	first, tail uint64    // the words at 0 and at n-8
	mid         [3]uint64 // the words at min(8, n-8), min(16, n-8), min(24, n-8)
	claims      claimSet  // claimIndex.key of the key (0 without an index)
	slot        slot      // the key's slot in the index's facts, if hasSlot
	n           uint8     // the key's length; 0 is an empty entry
	class       keyClass
	hasSlot     bool
	stepKey     bool // the key starts with step.Prefix
}

// inMemo reports whether the memo holds keys of length n.
func inMemo(n int) bool { return uint(n-keyMemoMin) <= keyMemoMax-keyMemoMin }

// set returns the set of a key of length n with the given first and last
// words. The length is mixed in because keys of one namespace often share
// both words (messaging.destination.name, messaging.operation.name).
func (m *keyMemo) set(n int, first, tail uint64) *[2]keyMemoEntry {
	return &m.sets[((first^bits.RotateLeft64(tail, 29)+uint64(n))*0x9e3779b97f4a7c15)>>(64-keyMemoBits)]
}

// keyWords returns the middle words of a key that inMemo takes. Each is
// clamped to the key's last 8 bytes, so every load is in bounds, and a
// word at or past n-8 repeats the tail, which a lookup needs no compare
// for.
func keyWords(k string) [3]uint64 {
	last := len(k) - 8
	return [3]uint64{load64(k, min(8, last)), load64(k, min(16, last)), load64(k, min(24, last))}
}

// use empties the memo if its claims are from another index than ci.
func (m *keyMemo) use(ci *claimIndex) {
	if m.ci != ci {
		*m = keyMemo{ci: ci}
	}
}

// entry returns the entry of k, a key that inMemo takes, adding it when
// the memo does not hold it. claimSpan has the first-way hit written out,
// so that a hit costs no call; entry is the rest.
func (m *keyMemo) entry(k string) *keyMemoEntry {
	n := len(k)
	first, tail := load64(k, 0), load64(k, n-8)
	s := m.set(n, first, tail)
	for i := range s {
		if e := &s[i]; e.first == first && e.tail == tail && int(e.n) == n &&
			(n <= 16 || e.mid[0] == load64(k, 8)) && (n <= 24 || e.mid[1] == load64(k, 16)) &&
			(n <= 32 || e.mid[2] == load64(k, 24)) {
			return e
		}
	}
	s[1] = s[0]
	e := &s[0]
	*e = keyMemoEntry{first: first, tail: tail, mid: keyWords(k), n: uint8(n), class: keyClassOf(k)}
	if m.ci != nil && m.ci.gated(k) {
		e.claims = m.ci.key(k)
	}
	if m.ci != nil && m.ci.facts != nil {
		e.slot, e.hasSlot = m.ci.facts.slots[k]
	}
	e.stepKey = strings.HasPrefix(k, step.Prefix)
	return e
}

// class returns keyClassOf(k).
func (m *keyMemo) class(k string) keyClass {
	if !inMemo(len(k)) {
		return keyClassOf(k)
	}
	return m.entry(k).class
}

// load64 reads the 8 bytes of s at i as one little-endian word (the
// compiler makes this one load).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
