package stepprocessor

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// testSpan is one span with its resource and scope, for recogniser tests,
// and the batch that holds it, for tests that run Annotate.
type testSpan struct {
	td    ptrace.Traces
	res   pcommon.Resource
	scope pcommon.InstrumentationScope
	span  ptrace.Span
}

// newTestSpan makes a span named name with fixed ids and times. Set
// attributes on ts.span.Attributes(), ts.res.Attributes() and ts.scope.
func newTestSpan(name string) testSpan {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	ss := rs.ScopeSpans().AppendEmpty()
	sp := ss.Spans().AppendEmpty()
	sp.SetName(name)
	sp.SetTraceID(pcommon.TraceID{0x0a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	sp.SetSpanID(pcommon.SpanID{0x0b, 1, 2, 3, 4, 5, 6, 7})
	sp.SetStartTimestamp(1767225600000000000) // 2026-01-01T00:00:00Z
	sp.SetEndTimestamp(1767225601500000000)
	return testSpan{td: td, res: rs.Resource(), scope: ss.Scope(), span: sp}
}

// recogniseOne runs the conventions that claim ts in priority order, as
// the processor does, and returns the first finding.
func recogniseOne(t *testing.T, ts testSpan) (finding, bool) {
	t.Helper()
	ix := newKeyIndex()
	convs, claims := newRegistry(ix, nil, false)
	f := newSpanFacts(ix)
	f.load(ts.res, ts.scope, ts.span)
	set := claims.span(claims.scope(ts.scope), ts.span.Attributes())
	for i, c := range convs {
		if set&(1<<i) == 0 {
			continue
		}
		var out finding
		if c.rec.recognise(f, &out) {
			out.source = c.name
			return out, true
		}
	}
	return finding{}, false
}
