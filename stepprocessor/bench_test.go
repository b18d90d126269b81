package stepprocessor

import (
	"context"
	"encoding/binary"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepprocessor/internal/metadata"
	"github.com/agentsteps/collector/stepprocessor/internal/traffic"
)

// benchSpans is the least number of spans in the benchmark batch.
const benchSpans = 10000

// mixedBatch builds a protobuf payload of at least benchSpans spans: every
// fixture of every convention, copied with fresh trace ids per copy, as the
// OTLP receiver would hand it over after decoding.
func mixedBatch(tb testing.TB) (payload []byte, spans int) {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "testdata", "*", "*.otlp.json"))
	require.NoError(tb, err)
	require.NotEmpty(tb, paths)
	var templates []ptrace.Traces
	for _, p := range paths {
		templates = append(templates, readFixture(tb, p)...)
	}
	all := ptrace.NewTraces()
	for copyN := uint64(0); all.SpanCount() < benchSpans; copyN++ {
		for _, tpl := range templates {
			c := ptrace.NewTraces()
			tpl.CopyTo(c)
			traffic.FreshTraceIDs(c, copyN)
			c.ResourceSpans().MoveAndAppendTo(all.ResourceSpans())
		}
	}
	b, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(all)
	require.NoError(tb, err)
	return b, all.SpanCount()
}

// roundTraceIDs makes every trace of round n new, writing the round into
// the first bytes of each trace id (freshTraceIDs uses the last ones).
func roundTraceIDs(td ptrace.Traces, n uint64) {
	eachSpan(td, func(sp ptrace.Span) {
		id := sp.TraceID()
		binary.BigEndian.PutUint64(id[:8], binary.BigEndian.Uint64(id[:8])^(n+1))
		sp.SetTraceID(id)
	})
}

// perSpan runs body on a fresh decode of payload b.N times and reports
// time, CPU time, bytes and allocations per span. cpu-ns/span is the
// process's user and system time over the timed part, every thread's,
// which other load on a shared machine disturbs far less than the wall
// clock; it includes whatever GC work runs meanwhile, some of it for the
// untimed decode, which weighs most in the rows that do least. Decoding
// happens with the timer
// stopped, one batch at a time, so the heap holds one batch as it would in
// a collector, and its allocations are not counted. With newTraces every
// round gets trace ids never seen before, as a collector's traffic does:
// a processor that keeps outlines would otherwise see each round as a
// redelivery of the last.
func perSpan(b *testing.B, payload []byte, spans int, newTraces bool, body func(td ptrace.Traces)) {
	var u ptrace.ProtoUnmarshaler
	var bytes, allocs uint64
	var cpu time.Duration
	var m0, m1 runtime.MemStats
	b.ResetTimer()
	for round := range b.N {
		b.StopTimer()
		td, err := u.UnmarshalTraces(payload)
		require.NoError(b, err)
		if newTraces {
			roundTraceIDs(td, uint64(round))
		}
		runtime.ReadMemStats(&m0)
		c0 := processCPU()
		b.StartTimer()
		body(td)
		b.StopTimer()
		cpu += processCPU() - c0
		runtime.ReadMemStats(&m1)
		bytes += m1.TotalAlloc - m0.TotalAlloc
		allocs += m1.Mallocs - m0.Mallocs
		b.StartTimer()
	}
	n := float64(b.N) * float64(spans)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/span")
	b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/span")
	b.ReportMetric(float64(bytes)/n, "B/span")
	b.ReportMetric(float64(allocs)/n, "allocs/span")
}

// BenchmarkProcessor measures the processor on the mixed batch, next to two
// floors measured in the same run: one pass that reads every attribute of
// every span, and that pass plus the step.* writes on the anchor spans.
// Run: go test ./stepprocessor -run '^$' -bench BenchmarkProcessor -benchtime 20x -count 5
func BenchmarkProcessor(b *testing.B) {
	payload, spans := mixedBatch(b)
	benchRows(b, payload, spans)
}

// benchRows runs the four rows on one payload: the read floor, the floor
// with the step.* writes, and the processor stateless and buffered.
func benchRows(b *testing.B, payload []byte, spans int) {
	ctx := context.Background()
	writes := floorWrites(b, payload)
	b.Run("floor_read", func(b *testing.B) {
		perSpan(b, payload, spans, false, readAll)
	})
	b.Run("floor_read_keys", func(b *testing.B) {
		perSpan(b, payload, spans, false, readAllKeys)
	})
	b.Run("floor_read_write", func(b *testing.B) {
		perSpan(b, payload, spans, false, func(td ptrace.Traces) { readAllAndWrite(td, writes) })
	})
	// stateless_unpriced is stateless with pricing off: the same run
	// gives the cost of pricing (issue 11: at most 5 %).
	for _, mode := range []struct {
		name     string
		wait     bool
		unpriced bool
	}{{"stateless", false, false}, {"stateless_unpriced", false, true}, {"buffered", true, false}} {
		b.Run(mode.name, func(b *testing.B) {
			cfg := createDefaultConfig()
			if !mode.wait {
				cfg.Wait = 0
			}
			cfg.Pricing.Enabled = !mode.unpriced
			p, err := newStepProcessor(processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
			require.NoError(b, err)
			perSpan(b, payload, spans, true, func(td ptrace.Traces) {
				_ = p.ConsumeTraces(ctx, td)
				if mode.wait {
					p.release(ctx, p.buf.takeAll(), false)
				}
			})
		})
	}
}

// spanWrites is what the processor writes on one span of the batch, by the
// span's position in batch order: its own step, if it anchors one, and the
// step.patches entries it carries.
type spanWrites struct {
	at      int
	anchor  *step.Step
	patches []*step.Step
}

// floorWrites finds, once and outside the timer, what the processor writes
// on each span of payload taken as one window. The floor replays exactly
// these writes; pointers into this list are passed to step.Write, so
// nothing is copied or escapes per span.
func floorWrites(tb testing.TB, payload []byte) []spanWrites {
	ref, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(payload)
	require.NoError(tb, err)
	Annotate(nil, ref)
	var out []spanWrites
	n := 0
	eachSpan(ref, func(sp ptrace.Span) {
		defer func() { n++ }()
		ps, _ := step.Read(sp.Attributes())
		if len(ps) == 0 {
			return
		}
		w := spanWrites{at: n}
		if _, ok := sp.Attributes().Get(step.Prefix + "id"); ok {
			w.anchor, ps = &ps[0], ps[1:]
		}
		for i := range ps {
			w.patches = append(w.patches, &ps[i])
		}
		out = append(out, w)
	})
	return out
}

// readAllAndWrite is the floor with writes: the read floor's one pass, and
// on the spans the processor writes to, the same step.* writes (WriteNew,
// as the processor writes on a span it read without step.* keys).
func readAllAndWrite(td ptrace.Traces, writes []spanWrites) {
	n, next := 0, 0
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				attrs := spans.At(k).Attributes()
				attrs.Range(func(k string, v pcommon.Value) bool {
					sink += len(k) + int(v.Type())
					return true
				})
				if next < len(writes) && writes[next].at == n {
					w := &writes[next]
					if w.anchor != nil {
						step.WriteNew(attrs, w.anchor)
					}
					for _, p := range w.patches {
						step.AppendPatch(attrs, p)
					}
					next++
				}
				n++
			}
		}
	}
}

var sink int

// readAll is the floor: one pass over every attribute of every span, in
// the same loop as the floor with writes.
func readAll(td ptrace.Traces) { readAllAndWrite(td, nil) }

// readAllKeys is the read floor that also reads each key's bytes: its
// first and last eight (a key under eight bytes, its first byte), what a
// memo of keys (keymemo.go) or any compare of a key must load. (a) reads
// the key's length only, which sits in the attribute array. The gap from
// (a) is what telling keys apart costs before any work on them: the keys
// are separate allocations of the decoder, and each is a load from memory
// that (a) never makes. Not a target; a measure of how far any claim check
// that reads keys can get toward (a).
func readAllKeys(td ptrace.Traces) {
	eachSpan(td, func(sp ptrace.Span) {
		sp.Attributes().Range(func(k string, v pcommon.Value) bool {
			sink += len(k) + int(v.Type())
			if n := len(k); n >= 8 {
				sink += int(load64(k, 0) ^ load64(k, n-8))
			} else if n > 0 {
				sink += int(k[0])
			}
			return true
		})
	})
}

func eachSpan(td ptrace.Traces, fn func(ptrace.Span)) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				fn(spans.At(k))
			}
		}
	}
}

// BenchmarkBufferMemory reports the heap that the buffered mode holds per
// span, next to what the decoded batch itself takes in the same run:
//   - decoded: the batch as the receiver hands it over;
//   - held: the same spans waiting in the trace buffer (the spans plus the
//     buffer's per-trace copies of resource and scope, and its index);
//   - outline: what the outlines keep per span once the trace is released
//     and sent on.
//
// One processor serves every round, each with new trace ids, after a first
// round that is not counted: the window's reused scratch is then already
// grown, and each round measures what one more batch costs.
// Run: go test ./stepprocessor -run '^$' -bench BenchmarkBufferMemory -benchtime 5x -count 5
func BenchmarkBufferMemory(b *testing.B) {
	payload, spans := mixedBatch(b)
	ctx := context.Background()
	var u ptrace.ProtoUnmarshaler
	round := uint64(0)
	decode := func() ptrace.Traces {
		td, err := u.UnmarshalTraces(payload)
		require.NoError(b, err)
		roundTraceIDs(td, round)
		round++
		return td
	}
	p, err := newStepProcessor(processortest.NewNopSettings(metadata.Type), createDefaultConfig(), consumertest.NewNop())
	require.NoError(b, err)
	p.buf.add(decode(), time.Now())
	p.release(ctx, p.buf.takeAll(), false)

	var decoded, held, outline int64
	for b.Loop() {
		var td ptrace.Traces
		decoded += heapGrowth(func() { td = decode() })
		runtime.KeepAlive(td)
		h := heapGrowth(func() { p.buf.add(decode(), time.Now()) })
		held += h
		outline += h + heapGrowth(func() { p.release(ctx, p.buf.takeAll(), false) })
	}
	runtime.KeepAlive(p)
	n := float64(b.N) * float64(spans)
	b.ReportMetric(float64(decoded)/n, "decoded-B/span")
	b.ReportMetric(float64(held)/n, "held-B/span")
	b.ReportMetric(float64(outline)/n, "outline-B/span")
}

// heapGrowth returns how much the live heap grew across fn.
func heapGrowth(fn func()) int64 {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	fn()
	runtime.GC()
	runtime.ReadMemStats(&m1)
	return int64(m1.HeapAlloc) - int64(m0.HeapAlloc)
}
