package stepmetrics

import (
	"context"
	"runtime"
	"slices"
	"syscall"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/connector/spanmetricsconnector"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/bench/internal/spanbatch"
	"github.com/agentsteps/collector/stepmetricsconnector"
)

// BenchmarkInterleavedStepMetrics measures the rows of BenchmarkStepMetrics
// (same batch, same default configs, cold and warm) in interleaved rounds:
// each of the b.N rounds runs every row once, starting at a different row,
// so that a machine whose load drifts during the run disturbs every row
// alike, where BenchmarkStepMetrics runs each row's iterations in a block.
// Each body starts after a collection, so that a collection of the
// decode's garbage, which BenchmarkStepMetrics's process CPU catches in
// whichever row it happens to overlap, lands in none (what a row itself
// allocates is in BenchmarkStepMetrics's B/span and allocs/span). It
// reports, per row, the median over the rounds of the CPU time per span of
// the thread that ran ConsumeTraces (thread-cpu-ns/span: the work and its
// GC assists) and of the whole process (cpu-ns/span: other threads
// included), and the ratios of step_metrics to spanmetrics.
// Run (from bench/): go test ./stepmetrics -run '^$' -bench BenchmarkInterleavedStepMetrics -benchtime 60x
func BenchmarkInterleavedStepMetrics(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	payload, spans := annotatedBatch(b)
	ctx := context.Background()
	type row struct {
		name     string
		f        connector.Factory // nil: the read floor
		cold     bool
		c        connector.Traces
		thr, prc []float64
	}
	sm, st := spanmetricsconnector.NewFactory(), stepmetricsconnector.NewFactory()
	rows := []*row{
		{name: "floor_read"},
		{name: "spanmetrics/cold", f: sm, cold: true}, {name: "spanmetrics/warm", f: sm},
		{name: "step_metrics/cold", f: st, cold: true}, {name: "step_metrics/warm", f: st},
	}
	var u ptrace.ProtoUnmarshaler
	b.ResetTimer()
	for round := range b.N {
		for i := range rows {
			r := rows[(round+i)%len(rows)]
			b.StopTimer()
			if r.f != nil && (r.c == nil || r.cold) {
				if r.c != nil {
					require.NoError(b, r.c.Shutdown(ctx))
				}
				r.c = newConn(b, r.f, r.f.CreateDefaultConfig())
			}
			td, err := u.UnmarshalTraces(payload)
			require.NoError(b, err)
			runtime.GC() // the decode's garbage: no collection of it lands in the body
			p0, t0 := spanbatch.CPUTime(syscall.RUSAGE_SELF), spanbatch.CPUTime(spanbatch.RusageThread)
			b.StartTimer()
			if r.f == nil {
				spanbatch.ReadAll(td)
			} else {
				_ = r.c.ConsumeTraces(ctx, td)
			}
			b.StopTimer()
			t1, p1 := spanbatch.CPUTime(spanbatch.RusageThread), spanbatch.CPUTime(syscall.RUSAGE_SELF)
			r.thr = append(r.thr, float64(t1-t0)/float64(spans))
			r.prc = append(r.prc, float64(p1-p0)/float64(spans))
			b.StartTimer()
		}
	}
	b.StopTimer()
	med := map[string][2]float64{}
	for _, r := range rows {
		med[r.name] = [2]float64{median(r.thr), median(r.prc)}
		b.ReportMetric(med[r.name][0], r.name+"-thread-cpu-ns/span")
		b.ReportMetric(med[r.name][1], r.name+"-cpu-ns/span")
	}
	for _, m := range []string{"cold", "warm"} {
		s, o := med["step_metrics/"+m], med["spanmetrics/"+m]
		b.ReportMetric(s[0]/o[0], "step/spanmetrics-"+m+"-thread-cpu")
		b.ReportMetric(s[1]/o[1], "step/spanmetrics-"+m+"-cpu")
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
