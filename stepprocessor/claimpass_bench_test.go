package stepprocessor

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/agentsteps/collector/stepprocessor/internal/metadata"
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

// BenchmarkClaimPassDecoded splits stateless/floor_read of
// BenchmarkTraffic/ai=0 on a fresh decode per round, as BenchmarkTraffic
// measures (perSpan), all rows in the same run:
//   - floor_read: BenchmarkTraffic's read floor (a), which reads each
//     key's length and each value's type but never a key's bytes;
//   - floor_read_gate: (a) plus the claim gate (claimIndex.gated) on every
//     key, a bit test by the key's length and first byte: what a filter
//     before the memo would cost if it could answer alone, which it
//     cannot (floor_read_key_ends);
//   - floor_read_key_ends: (a) plus the first and last 8 bytes of every
//     key and, for a key ending in "type" or "kind", the value's text:
//     part of what any exact claim pass reads, which is every byte of
//     every key (keyClassOf looks for "usage", "tokens" and "model"
//     anywhere in a key: acme.usage.count and acme.route.count share
//     length, first and last byte) and those values (error.type is a
//     kind key, modelKindValue);
//   - claim: the claim pass alone (claimSpan over every span);
//   - stateless: the processor, as BenchmarkTraffic's row; next to claim
//     it shows what the 0 % path spends outside the claim pass.
//
// Run: go test ./stepprocessor -run '^$' -bench BenchmarkClaimPassDecoded -benchtime 20x -count 5
func BenchmarkClaimPassDecoded(b *testing.B) {
	payload, spans := trafficBatch(b, 0)
	b.Run("floor_read", func(b *testing.B) { perSpan(b, payload, spans, false, readAll) })
	b.Run("floor_read_gate", func(b *testing.B) {
		ci := newAnnotator(createDefaultConfig()).claims
		perSpan(b, payload, spans, false, func(td ptrace.Traces) {
			eachSpan(td, func(sp ptrace.Span) {
				sp.Attributes().Range(func(k string, v pcommon.Value) bool {
					sink += len(k) + int(v.Type())
					if ci.gated(k) {
						sink++
					}
					return true
				})
			})
		})
	})
	b.Run("floor_read_key_ends", func(b *testing.B) { perSpan(b, payload, spans, false, readAllKeyEnds) })
	b.Run("claim", func(b *testing.B) {
		a := newAnnotator(createDefaultConfig())
		ws := &windowState{}
		perSpan(b, payload, spans, false, func(td ptrace.Traces) {
			eachSpan(td, func(sp ptrace.Span) {
				if set, looks := ws.claimSpan(a.claims, 0, sp.Attributes()); set != 0 || looks {
					sink++
				}
			})
		})
	})
	b.Run("stateless", func(b *testing.B) {
		cfg := createDefaultConfig()
		cfg.Wait = 0
		p, err := newStepProcessor(processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
		require.NoError(b, err)
		perSpan(b, payload, spans, true, func(td ptrace.Traces) { _ = p.ConsumeTraces(context.Background(), td) })
	})
}

// readAllKeyEnds is the read floor plus the first and last 8 bytes of each
// key (the first byte of a shorter one) and the text of each value whose
// key ends in "type" or "kind" (BenchmarkClaimPassDecoded).
func readAllKeyEnds(td ptrace.Traces) {
	const typeWord, kindWord = 'e'<<24 | 'p'<<16 | 'y'<<8 | 't', 'd'<<24 | 'n'<<16 | 'i'<<8 | 'k'
	eachSpan(td, func(sp ptrace.Span) {
		sp.Attributes().Range(func(k string, v pcommon.Value) bool {
			sink += len(k) + int(v.Type())
			if len(k) < 8 {
				if len(k) > 0 {
					sink += int(k[0])
				}
				return true
			}
			tail := load64(k, len(k)-8)
			sink += int(load64(k, 0) ^ tail)
			if t := tail >> 32; t == typeWord || t == kindWord {
				sink += len(v.Str())
			}
			return true
		})
	})
}
