package stepprocessor

import (
	"encoding/binary"
	"hash/maphash"
)

// sameCallSeed hashes what two spans of one model call share when two
// instrumentations trace it side by side: the trace, the parent span and
// the provider's response id. The window's map is keyed by that hash (a
// uint64 key takes the map's fast path; a struct with a string does not,
// which cost 1.5 % of the processor on the mixed batch), and a hit is
// checked against the record it names.
var sameCallSeed = maphash.MakeSeed()

// sameCallHash is the record's key: its response id hashed when its span
// was read (recognise: the id is in the caches then, and cold here), with
// its parent and trace.
func sameCallHash(r *spanRec) uint64 {
	return r.f.callHash ^ binary.LittleEndian.Uint64(r.parent[:]) ^ binary.LittleEndian.Uint64(r.key.trace[8:])
}

// sameCall reports two records of one trace, parent and response id.
func sameCall(a, b *spanRec) bool {
	return a.key.trace == b.key.trace && a.parent == b.parent && a.f.patch.RequestID == b.f.patch.RequestID
}

// markSameCalls keeps one step for a model call that two instrumentations
// traced as siblings. OpenLLMetry's Python Anthropic instrumentation
// (0.62.4) starts its anthropic.chat span without making it current, so
// the span that anthropic's own tracing (anthropic 2.x, on by default)
// starts inside it is its sibling under the same parent, not its child,
// and markWrappers' deepest-span rule does not see them as one call
// (conformance/python/captured/openllmetry-anthropic-sdk-tracing.json).
// Two model-call spans with the same parent and gen_ai.response.id (the
// step's request_id) whose times overlap are one call: as with a wrapper,
// the inner one by time (it starts last, or ends first) is the step and
// the other is context. Spans whose times do not overlap stay two steps: a
// server that answers every call with one id does not merge a loop.
// Only the spans of one window are compared.
func (w *window) markSameCalls() {
	recs := w.ws.recs
	n := 0
	for i := range recs {
		if recs[i].f.role == roleLLM && !recs[i].wrapper && recs[i].f.callHash != 0 {
			n++
		}
	}
	if n < 2 {
		return
	}
	seen := w.ws.sameCall
	if seen == nil {
		seen = make(map[uint64]int32, n)
		w.ws.sameCall = seen
	}
	for i := range recs {
		r := &recs[i]
		// A redelivered copy gets its mark from its span's record
		// (shareWrapperMarks).
		if r.f.role != roleLLM || r.wrapper || r.f.callHash == 0 || w.canonOf(i) != i {
			continue
		}
		k := sameCallHash(r)
		j, ok := seen[k]
		if !ok || !sameCall(&recs[j], r) {
			seen[k] = int32(i)
			continue
		}
		inner, outer := innerOf(recs, int(j), i)
		if outer < 0 {
			seen[k] = int32(i) // apart in time: two calls
			continue
		}
		recs[outer].wrapper = true
		seen[k] = int32(inner)
	}
}

// innerOf orders two spans of one response id: the inner one by time and
// the other, or outer -1 when their times do not overlap.
func innerOf(recs []spanRec, a, b int) (inner, outer int) {
	as, ae := recs[a].span.StartTimestamp(), recs[a].span.EndTimestamp()
	bs, be := recs[b].span.StartTimestamp(), recs[b].span.EndTimestamp()
	if as >= be || bs >= ae {
		return b, -1
	}
	if bs > as || bs == as && be < ae {
		return b, a
	}
	return a, b
}
