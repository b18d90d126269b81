package stepprocessor

import (
	"container/list"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// traceBuffer holds spans by trace. It only holds and hands out: what to do
// with a released trace is the processor's business.
type traceBuffer struct {
	mu    sync.Mutex
	max   int
	held  map[pcommon.TraceID]*heldTrace
	order *list.List // of *heldTrace, by first arrival
}

type heldTrace struct {
	id   pcommon.TraceID
	td   ptrace.Traces
	last time.Time // when its latest span arrived
	elem *list.Element
}

func newTraceBuffer(max int) *traceBuffer {
	return &traceBuffer{max: max, held: map[pcommon.TraceID]*heldTrace{}, order: list.New()}
}

func (b *traceBuffer) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.held)
}

// add moves the spans of td into the buffer, grouped by trace. It returns
// the traces pushed out because the buffer holds max_traces: they are
// released early, never dropped.
func (b *traceBuffer) add(td ptrace.Traces, now time.Time) (early []ptrace.Traces) {
	b.mu.Lock()
	defer b.mu.Unlock()
	dest := map[pcommon.TraceID]ptrace.SpanSlice{}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			clear(dest) // one destination per trace and (resource, scope)
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				sp := spans.At(k)
				id := sp.TraceID()
				to, ok := dest[id]
				if !ok {
					h := b.holder(id, now, &early)
					to = appendScope(h.td, rs, ss)
					dest[id] = to
				}
				sp.MoveTo(to.AppendEmpty())
			}
		}
	}
	return early
}

// holder finds or creates the held trace for id, releasing the oldest trace
// early when a new one would exceed the bound.
func (b *traceBuffer) holder(id pcommon.TraceID, now time.Time, early *[]ptrace.Traces) *heldTrace {
	h := b.held[id]
	if h == nil {
		for len(b.held) >= b.max {
			*early = append(*early, b.remove(b.order.Front().Value.(*heldTrace)))
		}
		h = &heldTrace{id: id, td: ptrace.NewTraces()}
		h.elem = b.order.PushBack(h)
		b.held[id] = h
	}
	h.last = now
	return h
}

func appendScope(td ptrace.Traces, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans) ptrace.SpanSlice {
	nrs := td.ResourceSpans().AppendEmpty()
	rs.Resource().CopyTo(nrs.Resource())
	nrs.SetSchemaUrl(rs.SchemaUrl())
	nss := nrs.ScopeSpans().AppendEmpty()
	ss.Scope().CopyTo(nss.Scope())
	nss.SetSchemaUrl(ss.SchemaUrl())
	return nss.Spans()
}

func (b *traceBuffer) remove(h *heldTrace) ptrace.Traces {
	b.order.Remove(h.elem)
	delete(b.held, h.id)
	return h.td
}

// takeDue hands out the traces whose latest span arrived before deadline.
func (b *traceBuffer) takeDue(deadline time.Time) []ptrace.Traces {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []ptrace.Traces
	for e := b.order.Front(); e != nil; {
		h := e.Value.(*heldTrace)
		e = e.Next()
		if !h.last.After(deadline) {
			out = append(out, b.remove(h))
		}
	}
	return out
}

// takeAll hands out every held trace.
func (b *traceBuffer) takeAll() []ptrace.Traces {
	return b.takeDue(time.Unix(1<<40, 0))
}
