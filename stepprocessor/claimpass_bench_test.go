package stepprocessor

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// BenchmarkClaimPass isolates the claim pass (claimSpan over every span of
// the 0 % AI traffic batch) from decoding and GC, next to the read floor's
// one pass over the same decoded batch, in the same run.
// Run: go test ./stepprocessor -run '^$' -bench BenchmarkClaimPass -count 5
func BenchmarkClaimPass(b *testing.B) {
	payload, spans := trafficBatch(b, 0)
	td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(payload)
	require.NoError(b, err)
	perSpanLoop := func(b *testing.B, body func()) {
		for b.Loop() {
			body()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(spans), "ns/span")
	}
	b.Run("floor_read", func(b *testing.B) { perSpanLoop(b, func() { readAll(td) }) })
	b.Run("claim", func(b *testing.B) {
		a := newAnnotator(createDefaultConfig())
		ws := &windowState{}
		perSpanLoop(b, func() {
			rss := td.ResourceSpans()
			for i := 0; i < rss.Len(); i++ {
				sss := rss.At(i).ScopeSpans()
				for j := 0; j < sss.Len(); j++ {
					ss := sss.At(j)
					scopeSet := a.claims.scope(ss.Scope())
					spans := ss.Spans()
					for k := 0; k < spans.Len(); k++ {
						if set, looks := ws.claimSpan(a.claims, scopeSet, spans.At(k).Attributes()); set != 0 || looks {
							sink++
						}
					}
				}
			}
		})
	})
}
