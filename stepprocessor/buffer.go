package stepprocessor

import (
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// traceBuffer holds spans by trace. It only holds and hands out: what to do
// with released traces is the processor's business.
//
// It keeps the incoming batches as they came and only indexes which traces
// each holds: a trace's spans are never moved or its resource copied while
// it waits. When every trace of a batch goes out in one release (the usual
// case: the traces of one request fall due together) the batch goes out
// whole. Otherwise the released spans are moved out, with one copy of each
// resource and scope per batch and release, never one per trace.
type traceBuffer struct {
	mu   sync.Mutex
	max  int
	held map[pcommon.TraceID]*heldTrace
	// oldest and newest end the list of held traces by first arrival,
	// linked through the traces themselves: holding one costs no list
	// element of its own.
	oldest, newest *heldTrace
	// releasing is the set of traces of the release being built, reused.
	releasing map[pcommon.TraceID]struct{}
	round     uint64 // counts releases, to visit each batch once per release
}

type heldTrace struct {
	id         pcommon.TraceID
	last       time.Time // when its latest span arrived
	prev, next *heldTrace
	batches    []*heldBatch // the batches holding its spans, each once
	// one holds batches while they are one, the usual case, so that
	// holding a trace allocates only the trace.
	one [1]*heldBatch
}

// push appends h to the arrival list.
func (b *traceBuffer) push(h *heldTrace) {
	h.prev = b.newest
	if b.newest != nil {
		b.newest.next = h
	} else {
		b.oldest = h
	}
	b.newest = h
}

// unlink removes h from the arrival list.
func (b *traceBuffer) unlink(h *heldTrace) {
	if h.prev != nil {
		h.prev.next = h.next
	} else {
		b.oldest = h.next
	}
	if h.next != nil {
		h.next.prev = h.prev
	} else {
		b.newest = h.prev
	}
	h.prev, h.next = nil, nil
}

// heldBatch is one incoming batch, kept until its last trace goes out.
type heldBatch struct {
	td      ptrace.Traces
	pending int    // held traces with spans in it
	split   bool   // some of its spans went out already
	round   uint64 // the release that visited it last
	// key is where the batch is kept in the storage extension (0: not
	// kept); inflight counts its releases not yet passed downstream. It is
	// deleted from storage once both pending and inflight are 0.
	key      uint64
	inflight int
}

// released is what one release hands out: the spans of n traces, taken
// from batches.
type released struct {
	td      ptrace.Traces
	n       int
	batches []*heldBatch
}

func newTraceBuffer(max int) *traceBuffer {
	return &traceBuffer{max: max, held: map[pcommon.TraceID]*heldTrace{}, releasing: map[pcommon.TraceID]struct{}{}}
}

func (b *traceBuffer) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.held)
}

// add takes td into the buffer. It returns the traces pushed out because
// the buffer holds max_traces: they are released early, never dropped.
func (b *traceBuffer) add(td ptrace.Traces, now time.Time) (early released) {
	return b.addKept(td, now, 0)
}

// addKept is add for a td kept in storage under key (0: not kept).
func (b *traceBuffer) addKept(td ptrace.Traces, now time.Time, key uint64) (early released) {
	b.mu.Lock()
	defer b.mu.Unlock()
	hb := &heldBatch{td: td, key: key}
	var cur *heldTrace
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				id := spans.At(k).TraceID()
				if cur != nil && cur.id == id {
					continue // a trace's spans mostly sit together
				}
				cur = b.held[id]
				if cur == nil {
					cur = &heldTrace{id: id}
					cur.batches = cur.one[:0]
					b.push(cur)
					b.held[id] = cur
				}
				cur.last = now
				if n := len(cur.batches); n == 0 || cur.batches[n-1] != hb {
					cur.batches = append(cur.batches, hb)
					hb.pending++
				}
			}
		}
	}
	if len(b.held) <= b.max {
		return released{}
	}
	var out []*heldTrace
	for h := b.oldest; len(b.held)-len(out) > b.max; h = h.next {
		out = append(out, h)
	}
	return b.take(out)
}

// take removes the given traces and hands out their spans.
func (b *traceBuffer) take(hs []*heldTrace) released {
	if len(hs) == 0 {
		return released{}
	}
	b.round++
	var batches []*heldBatch
	for _, h := range hs {
		b.unlink(h)
		delete(b.held, h.id)
		for _, hb := range h.batches {
			hb.pending--
			if hb.round != b.round {
				hb.round = b.round
				hb.inflight++
				batches = append(batches, hb)
			}
		}
	}
	out := ptrace.NewTraces()
	clear(b.releasing)
	for _, hb := range batches {
		switch {
		case hb.pending == 0 && !hb.split:
			hb.td.ResourceSpans().MoveAndAppendTo(out.ResourceSpans())
		case hb.pending == 0:
			// What is left belongs to this release.
			dropEmpty(hb.td)
			hb.td.ResourceSpans().MoveAndAppendTo(out.ResourceSpans())
		default:
			if len(b.releasing) == 0 {
				for _, h := range hs {
					b.releasing[h.id] = struct{}{}
				}
			}
			hb.split = true
			moveTraces(hb.td, b.releasing, out)
		}
	}
	return released{td: out, n: len(hs), batches: batches}
}

// sent marks a release as passed downstream. It returns the storage keys
// of the batches it completed: every trace of them released and passed on.
func (b *traceBuffer) sent(r released) (done []uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, hb := range r.batches {
		hb.inflight--
		if hb.pending == 0 && hb.inflight == 0 && hb.key != 0 {
			done = append(done, hb.key)
		}
	}
	return done
}

// moveTraces moves the spans of the given traces from td to out, copying
// each resource and scope they sit under once.
func moveTraces(td ptrace.Traces, ids map[pcommon.TraceID]struct{}, out ptrace.Traces) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		var dst ptrace.ResourceSpans
		haveRS := false
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			var dss ptrace.SpanSlice
			haveSS := false
			ss.Spans().RemoveIf(func(sp ptrace.Span) bool {
				if _, ok := ids[sp.TraceID()]; !ok {
					return false
				}
				if !haveRS {
					dst, haveRS = out.ResourceSpans().AppendEmpty(), true
					rs.Resource().CopyTo(dst.Resource())
					dst.SetSchemaUrl(rs.SchemaUrl())
				}
				if !haveSS {
					nss := dst.ScopeSpans().AppendEmpty()
					ss.Scope().CopyTo(nss.Scope())
					nss.SetSchemaUrl(ss.SchemaUrl())
					dss, haveSS = nss.Spans(), true
				}
				sp.MoveTo(dss.AppendEmpty())
				return true
			})
		}
	}
}

// dropEmpty removes the scopes and resources left without spans.
func dropEmpty(td ptrace.Traces) {
	td.ResourceSpans().RemoveIf(func(rs ptrace.ResourceSpans) bool {
		rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool { return ss.Spans().Len() == 0 })
		return rs.ScopeSpans().Len() == 0
	})
}

// takeDue hands out the traces whose latest span arrived before deadline.
func (b *traceBuffer) takeDue(deadline time.Time) released {
	b.mu.Lock()
	defer b.mu.Unlock()
	var due []*heldTrace
	for h := b.oldest; h != nil; h = h.next {
		if !h.last.After(deadline) {
			due = append(due, h)
		}
	}
	return b.take(due)
}

// takeAll hands out every held trace.
func (b *traceBuffer) takeAll() released {
	return b.takeDue(time.Unix(1<<40, 0))
}
