// Package spanbatch is what the benchmarks of this module share: the mixed
// batch of every fixture, the walk over its spans, the read floor, and the
// per-span measurement loop.
package spanbatch

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// MinSpans is the least number of spans in the mixed batch, as in
// stepprocessor's BenchmarkProcessor.
const MinSpans = 10000

// sink keeps the read floor's work from being optimised away.
var sink int

// ReadAll is the read floor: every attribute of every span looked at once.
func ReadAll(td ptrace.Traces) {
	EachSpan(td, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, sp ptrace.Span) {
		sp.Attributes().Range(func(k string, v pcommon.Value) bool {
			sink += len(k) + int(v.Type())
			return true
		})
	})
}

// EachSpan calls fn for every span of td with its resource and scope.
func EachSpan(td ptrace.Traces, fn func(ptrace.ResourceSpans, ptrace.ScopeSpans, ptrace.Span)) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				fn(rs, ss, spans.At(k))
			}
		}
	}
}

// PerSpan runs body on a fresh decode of payload per iteration (decoding
// and setup are not timed) and reports ns, bytes and allocations per span,
// and cpu-ns/span: the process's CPU time (all threads, the garbage
// collector's included) while body ran, which a loaded machine disturbs
// less than wall time. setup, when set, runs untimed before each body.
func PerSpan(b *testing.B, payload []byte, spans int, setup func(), body func(td ptrace.Traces)) {
	var u ptrace.ProtoUnmarshaler
	var bytes, allocs uint64
	var cpu time.Duration
	var m0, m1 runtime.MemStats
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		td, err := u.UnmarshalTraces(payload)
		require.NoError(b, err)
		if setup != nil {
			setup()
		}
		runtime.ReadMemStats(&m0)
		c0 := cpuTime()
		b.StartTimer()
		body(td)
		b.StopTimer()
		cpu += cpuTime() - c0
		runtime.ReadMemStats(&m1)
		bytes += m1.TotalAlloc - m0.TotalAlloc
		allocs += m1.Mallocs - m0.Mallocs
		b.StartTimer()
	}
	n := float64(b.N) * float64(spans)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/span")
	b.ReportMetric(float64(bytes)/n, "B/span")
	b.ReportMetric(float64(allocs)/n, "allocs/span")
	b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/span")
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration { return CPUTime(syscall.RUSAGE_SELF) }

// RusageThread is Linux's RUSAGE_THREAD, for CPUTime: the calling thread
// (lock the goroutine to it with runtime.LockOSThread).
const RusageThread = 1

// CPUTime is the user and system CPU time so far of who: the process
// (syscall.RUSAGE_SELF) or the calling thread (RusageThread).
func CPUTime(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Mixed is every fixture under root/testdata, copied with fresh trace ids
// until the batch holds MinSpans spans, as protobuf.
func Mixed(tb testing.TB, root string) (payload []byte, spans int) {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join(root, "testdata", "*", "*.otlp.json"))
	require.NoError(tb, err)
	require.NotEmpty(tb, paths)
	var templates []ptrace.Traces
	for _, p := range paths {
		templates = append(templates, ReadFixture(tb, p)...)
	}
	all := ptrace.NewTraces()
	for copyN := uint64(0); all.SpanCount() < MinSpans; copyN++ {
		for _, tpl := range templates {
			c := ptrace.NewTraces()
			tpl.CopyTo(c)
			EachSpan(c, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, sp ptrace.Span) {
				id := sp.TraceID()
				binary.BigEndian.PutUint64(id[8:], binary.BigEndian.Uint64(id[8:])^(copyN+1)*0x9e3779b97f4a7c15)
				sp.SetTraceID(id)
			})
			c.ResourceSpans().MoveAndAppendTo(all.ResourceSpans())
		}
	}
	b, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(all)
	require.NoError(tb, err)
	return b, all.SpanCount()
}

// ReadFixture reads one OTLP/JSON request per line, or one pretty-printed
// request.
func ReadFixture(tb testing.TB, path string) []ptrace.Traces {
	data, err := os.ReadFile(path)
	require.NoError(tb, err)
	var u ptrace.JSONUnmarshaler
	data = bytes.TrimSpace(data)
	lines := [][]byte{data}
	if !json.Valid(data) {
		lines = bytes.Split(data, []byte("\n"))
	}
	var out []ptrace.Traces
	for _, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		td, err := u.UnmarshalTraces(line)
		require.NoError(tb, err, path)
		out = append(out, td)
	}
	return out
}
