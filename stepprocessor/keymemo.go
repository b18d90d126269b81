package stepprocessor

import "math/bits"

// keyMemo remembers the class (keyClassOf) of the attribute keys a window
// state saw lately. A collector's traffic repeats a few dozen keys
// (http.request.method, db.query.text, ...), so the unclaimed-emitter
// check asks each span's keys of the memo: a few word compares per key
// instead of three substring scans. The answer is keyClassOf's, always:
// a key is found only when its length and all its bytes match.
//
// A key of 8 to 40 bytes is held as its length and the 8-byte words at
// offsets 0, 8, 16, 24 that start before its last 8 bytes, plus its last
// 8 bytes (which may overlap the word before): for a known length these
// words are the key. Keys of other lengths are classified every time. The
// memo is two-way set associative, its sets picked by the first and last
// word; it takes 48 KiB per window state (1024 keys). It holds no
// reference into a batch and never allocates.
type keyMemo struct {
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
	mid         [3]uint64 // the words at 8, 16, 24 that start before n-8
	n           uint8     // the key's length; 0 is an empty entry
	class       keyClass
}

// set returns the set of a key with the given first and last words.
func (m *keyMemo) set(first, tail uint64) *[2]keyMemoEntry {
	return &m.sets[((first^bits.RotateLeft64(tail, 29))*0x9e3779b97f4a7c15)>>(64-keyMemoBits)]
}

// holds reports whether e holds k, given k's first and last words.
func (e *keyMemoEntry) holds(k string, first, tail uint64) bool {
	n := len(k)
	if int(e.n) != n || e.first != first || e.tail != tail {
		return false
	}
	for j := 1; j*8 < n-8; j++ {
		if e.mid[j-1] != load64(k, j*8) {
			return false
		}
	}
	return true
}

// class returns keyClassOf(k). claimSpan has its first-way hit written
// out, so that a hit costs no call; class is the rest.
func (m *keyMemo) class(k string) keyClass {
	n := len(k)
	if n < keyMemoMin || n > keyMemoMax {
		return keyClassOf(k)
	}
	first, tail := load64(k, 0), load64(k, n-8)
	s := m.set(first, tail)
	for i := range s {
		if s[i].holds(k, first, tail) {
			return s[i].class
		}
	}
	c := keyClassOf(k)
	s[1] = s[0]
	e := &s[0]
	e.first, e.tail, e.n, e.class = first, tail, uint8(n), c
	for j := 1; j*8 < n-8; j++ {
		e.mid[j-1] = load64(k, j*8)
	}
	return c
}

// load64 reads the 8 bytes of s at i as one little-endian word (the
// compiler makes this one load).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
