package main

import (
	"encoding/binary"
	"math/rand/v2"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// idRemapper gives every trace and span id it meets a fresh random id, the
// same one each time it meets it, so that a replayed copy is a distinct
// trace with its parent links and span links intact.
type idRemapper struct {
	traces map[pcommon.TraceID]pcommon.TraceID
	spans  map[pcommon.SpanID]pcommon.SpanID
}

func newIDRemapper() *idRemapper {
	return &idRemapper{
		traces: map[pcommon.TraceID]pcommon.TraceID{},
		spans:  map[pcommon.SpanID]pcommon.SpanID{},
	}
}

// apply rewrites the ids of td in place.
func (r *idRemapper) apply(td ptrace.Traces) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				r.applySpan(spans.At(k))
			}
		}
	}
}

func (r *idRemapper) applySpan(s ptrace.Span) {
	s.SetTraceID(r.traceID(s.TraceID()))
	s.SetSpanID(r.spanID(s.SpanID()))
	s.SetParentSpanID(r.spanID(s.ParentSpanID()))
	links := s.Links()
	for i := 0; i < links.Len(); i++ {
		l := links.At(i)
		l.SetTraceID(r.traceID(l.TraceID()))
		l.SetSpanID(r.spanID(l.SpanID()))
	}
}

func (r *idRemapper) traceID(old pcommon.TraceID) pcommon.TraceID {
	if old.IsEmpty() {
		return old
	}
	if id, ok := r.traces[old]; ok {
		return id
	}
	var id pcommon.TraceID
	for id.IsEmpty() {
		binary.BigEndian.PutUint64(id[:8], rand.Uint64())
		binary.BigEndian.PutUint64(id[8:], rand.Uint64())
	}
	r.traces[old] = id
	return id
}

func (r *idRemapper) spanID(old pcommon.SpanID) pcommon.SpanID {
	if old.IsEmpty() {
		return old
	}
	if id, ok := r.spans[old]; ok {
		return id
	}
	var id pcommon.SpanID
	for id.IsEmpty() {
		binary.BigEndian.PutUint64(id[:], rand.Uint64())
	}
	r.spans[old] = id
	return id
}
