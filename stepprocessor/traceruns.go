package stepprocessor

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// traceRun is a run of consecutive spans of one trace in one ScopeSpans:
// spans [from, the next run's from or the end of the ScopeSpans) of
// ResourceSpans rs, ScopeSpans ss. The claim pass notes the runs as it
// reads each span, while the span is in cache; the index then visits
// only the runs of traces that hold records instead of walking the whole
// batch a second time, which on ordinary traffic costs a cache miss per
// span for the 90 % of spans no step looks at.
type traceRun struct {
	trace  pcommon.TraceID
	rs, ss int32
	from   int32
}

// addRun notes span k of ScopeSpans (i, j) with trace t: a new run when
// k is the first span of the ScopeSpans or t differs from the last run's.
func addRun(runs []traceRun, i, j, k int, t pcommon.TraceID) []traceRun {
	if n := len(runs); k == 0 || n == 0 || runs[n-1].trace != t {
		runs = append(runs, traceRun{trace: t, rs: int32(i), ss: int32(j), from: int32(k)})
	}
	return runs
}

// eachRunSpan calls fn for every span of the runs for which want returns
// true, in batch order.
func eachRunSpan(td ptrace.Traces, runs []traceRun, want func(pcommon.TraceID) bool, fn func(ptrace.Span)) {
	rss := td.ResourceSpans()
	for r := range runs {
		run := &runs[r]
		if !want(run.trace) {
			continue
		}
		spans := rss.At(int(run.rs)).ScopeSpans().At(int(run.ss)).Spans()
		end := spans.Len()
		if r+1 < len(runs) && runs[r+1].rs == run.rs && runs[r+1].ss == run.ss {
			end = int(runs[r+1].from)
		}
		for k := int(run.from); k < end; k++ {
			fn(spans.At(k))
		}
	}
}
