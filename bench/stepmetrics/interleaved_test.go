package stepmetrics

import (
	"context"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/connector/spanmetricsconnector"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/bench/internal/spanbatch"
	"github.com/agentsteps/collector/stepmetricsconnector"
)

// BenchmarkInterleavedStepMetrics is the comparison make bench publishes:
// the rows of BenchmarkStepMetrics (same batch, same default configs, cold
// and warm) in interleaved rounds. Each of the b.N rounds runs every row
// once, starting at a different row, so that a machine whose load drifts
// during the run disturbs every row alike, where BenchmarkStepMetrics runs
// each row's iterations in a block, minutes apart. Each body starts after
// a collection, so that a collection of the decode's garbage lands in no
// row. It reports, per row, the median over the rounds of:
//
//   - thread-cpu-ns/span: CPU time of the thread that ran ConsumeTraces
//     (the work and its GC assists);
//   - cpu-ns/span: CPU time of the whole process (the background
//     collection of what the row allocated, and other threads);
//   - ns/span: wall time;
//   - B/span and allocs/span: what the row allocated;
//
// and the ratios of step_metrics to spanmetrics, cold and warm, of the
// thread and of the process medians.
// Run (from bench/): go test ./stepmetrics -run '^$' -bench BenchmarkInterleavedStepMetrics -benchtime 60x -count 3
func BenchmarkInterleavedStepMetrics(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	payload, spans := annotatedBatch(b)
	ctx := context.Background()
	type row struct {
		name                      string
		f                         connector.Factory // nil: the read floor
		cold                      bool
		c                         connector.Traces
		thr, prc, wall, by, alloc []float64
	}
	sm, st := spanmetricsconnector.NewFactory(), stepmetricsconnector.NewFactory()
	rows := []*row{
		{name: "floor_read"},
		{name: "spanmetrics/cold", f: sm, cold: true}, {name: "spanmetrics/warm", f: sm},
		{name: "step_metrics/cold", f: st, cold: true}, {name: "step_metrics/warm", f: st},
	}
	var u ptrace.ProtoUnmarshaler
	var m0, m1 runtime.MemStats
	n := float64(spans)
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
			runtime.ReadMemStats(&m0)
			p0, t0, w0 := spanbatch.CPUTime(syscall.RUSAGE_SELF), spanbatch.CPUTime(spanbatch.RusageThread), time.Now()
			b.StartTimer()
			if r.f == nil {
				spanbatch.ReadAll(td)
			} else {
				_ = r.c.ConsumeTraces(ctx, td)
			}
			b.StopTimer()
			w1, t1, p1 := time.Now(), spanbatch.CPUTime(spanbatch.RusageThread), spanbatch.CPUTime(syscall.RUSAGE_SELF)
			runtime.ReadMemStats(&m1)
			r.thr = append(r.thr, float64(t1-t0)/n)
			r.prc = append(r.prc, float64(p1-p0)/n)
			r.wall = append(r.wall, float64(w1.Sub(w0))/n)
			r.by = append(r.by, float64(m1.TotalAlloc-m0.TotalAlloc)/n)
			r.alloc = append(r.alloc, float64(m1.Mallocs-m0.Mallocs)/n)
			b.StartTimer()
		}
	}
	b.StopTimer()
	med := map[string][2]float64{}
	for _, r := range rows {
		med[r.name] = [2]float64{median(r.thr), median(r.prc)}
		b.ReportMetric(med[r.name][0], r.name+"-thread-cpu-ns/span")
		b.ReportMetric(med[r.name][1], r.name+"-cpu-ns/span")
		b.ReportMetric(median(r.wall), r.name+"-ns/span")
		b.ReportMetric(median(r.by), r.name+"-B/span")
		b.ReportMetric(median(r.alloc), r.name+"-allocs/span")
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
