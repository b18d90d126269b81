package stepprocessor

import (
	"math/rand/v2"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TestTraceBlocksMatchTheMaps holds the stateless index to the maps the
// windows with outlines use (parents and byKey, the last copy winning, the
// chain cut at maxDepth): on random batches with interleaved traces, spans
// delivered twice, parents outside the batch, cycles and traces past
// blockScanMax, every record gets the same nearest recognised ancestor and
// the same standing record.
func TestTraceBlocksMatchTheMaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var tb traceBlocks // reused, as a window's is
	for round := range 300 {
		td := ptrace.NewTraces()
		ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
		traces := 1 + rng.IntN(4)
		perTrace := 2 + rng.IntN(12)
		if round%10 == 0 {
			perTrace = blockScanMax + 1 + rng.IntN(40)
		}
		var keys []spanKey
		for tr := range traces {
			var tid pcommon.TraceID
			tid[0], tid[15] = byte(tr+1), byte(round)
			for s := range perTrace {
				var sid pcommon.SpanID
				sid[7] = byte(s + 1)
				keys = append(keys, spanKey{tid, sid})
			}
		}
		var recs []spanRec
		n := len(keys) + rng.IntN(len(keys)) // some spans come twice
		for range n {
			k := keys[rng.IntN(len(keys))]
			sp := ss.Spans().AppendEmpty()
			sp.SetTraceID(k.trace)
			sp.SetSpanID(k.span)
			switch r := rng.IntN(10); {
			case r == 0: // a root
			case r == 1: // a parent outside the batch
				sp.SetParentSpanID(pcommon.SpanID{0xff, byte(rng.IntN(3))})
			default: // any span of the trace: chains, and now and then a cycle
				var p pcommon.SpanID
				p[7] = byte(1 + rng.IntN(perTrace))
				sp.SetParentSpanID(p)
			}
			if rng.IntN(3) == 0 {
				recs = append(recs, spanRec{key: k, parent: sp.ParentSpanID()})
			}
		}
		tb.build(td, batchRuns(td, nil), recs)

		parents := map[spanKey]pcommon.SpanID{}
		eachBatchSpan(td, func(sp ptrace.Span) { parents[spanKey{sp.TraceID(), sp.SpanID()}] = sp.ParentSpanID() })
		byKey := map[spanKey]int{}
		for i := range recs {
			byKey[recs[i].key] = i
		}
		for i := range recs {
			wantUp := int32(-1)
			k := recs[i].key
			for d := 0; d < maxDepth; d++ {
				p, ok := parents[k]
				if !ok || p.IsEmpty() {
					break
				}
				k = spanKey{k.trace, p}
				if j, ok := byKey[k]; ok {
					wantUp = int32(j)
					break
				}
			}
			up, canon := tb.link(i)
			if up != wantUp || int(canon) != byKey[recs[i].key] {
				t.Fatalf("round %d record %d: up %d canon %d, want %d and %d", round, i, up, canon, wantUp, byKey[recs[i].key])
			}
		}
		tb.reset()
	}
}

// batchRuns lists the runs of td, as the claim pass notes them.
func batchRuns(td ptrace.Traces, runs []traceRun) []traceRun {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				runs = addRun(runs, i, j, k, spans.At(k).TraceID())
			}
		}
	}
	return runs
}

// TestTraceRunsVisitTheBatch holds the runs to the batch: over several
// resources and scopes (one of them empty), with traces interleaved and a
// trace running on across a scope's end, the runs of the wanted traces give
// exactly those traces' spans, in batch order, and all runs give every span.
func TestTraceRunsVisitTheBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	td := ptrace.NewTraces()
	for range 3 {
		rs := td.ResourceSpans().AppendEmpty()
		rs.ScopeSpans().AppendEmpty() // no spans
		for range 2 {
			spans := rs.ScopeSpans().AppendEmpty().Spans()
			for range 1 + rng.IntN(20) {
				sp := spans.AppendEmpty()
				sp.SetTraceID(pcommon.TraceID{byte(1 + rng.IntN(3))})
				sp.SetSpanID(pcommon.SpanID{byte(rng.IntN(256)), byte(rng.IntN(256))})
			}
		}
	}
	runs := batchRuns(td, nil)
	for _, wanted := range []pcommon.TraceID{{1}, {2}, {3}, {}} {
		var want, got []ptrace.Span
		eachBatchSpan(td, func(sp ptrace.Span) {
			if wanted.IsEmpty() || sp.TraceID() == wanted {
				want = append(want, sp)
			}
		})
		eachRunSpan(td, runs, func(t pcommon.TraceID) bool { return wanted.IsEmpty() || t == wanted },
			func(sp ptrace.Span) { got = append(got, sp) })
		if len(got) != len(want) {
			t.Fatalf("trace %x: %d spans from the runs, want %d", wanted, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("trace %x: span %d differs", wanted, i)
			}
		}
	}
}
