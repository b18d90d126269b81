//go:build linux

package stepprocessor

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
	"golang.org/x/sys/unix"

	"github.com/agentsteps/collector/stepprocessor/internal/metadata"
)

// BenchmarkPricingOverhead measures what pricing adds to the stateless
// processor (issue 11: at most 5 %). Each round feeds the same mixed batch
// to a processor with pricing on and to one with it off, in alternating
// order, so that both see the same machine load. It reports the median
// wall time per span of each and their ratio (priced/unpriced), and the
// ratio of the CPU time the benchmark's own thread spent in each
// (cpu-priced/unpriced; CLOCK_THREAD_CPUTIME_ID), which other processes on
// a busy machine do not disturb, and that difference per span in
// absolute terms (cpu-pricing-ns/span); it leaves out the GC's background
// workers, whose extra work for pricing's few allocations the wall ratio
// holds.
// Run: go test ./stepprocessor -run '^$' -bench BenchmarkPricingOverhead -benchtime 150x -count 5
func BenchmarkPricingOverhead(b *testing.B) {
	payload, spans := mixedBatch(b)
	ctx := context.Background()
	newProc := func(priced bool) *stepProcessor {
		cfg := createDefaultConfig()
		cfg.Wait = 0
		cfg.Pricing.Enabled = priced
		p, err := newStepProcessor(processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
		require.NoError(b, err)
		return p
	}
	procs := [2]*stepProcessor{newProc(false), newProc(true)}
	var u ptrace.ProtoUnmarshaler
	times := [2][]float64{}
	var cpu [2]time.Duration
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	run := func(which int) {
		td, err := u.UnmarshalTraces(payload)
		require.NoError(b, err)
		c0 := threadCPU(b)
		start := time.Now()
		_ = procs[which].ConsumeTraces(ctx, td)
		times[which] = append(times[which], float64(time.Since(start).Nanoseconds())/float64(spans))
		cpu[which] += threadCPU(b) - c0
	}
	for i := 0; b.Loop(); i++ {
		first := i % 2
		run(first)
		run(1 - first)
	}
	off, on := median(times[0]), median(times[1])
	b.ReportMetric(on, "priced-ns/span")
	b.ReportMetric(off, "unpriced-ns/span")
	b.ReportMetric(on/off, "priced/unpriced")
	b.ReportMetric(float64(cpu[1])/float64(cpu[0]), "cpu-priced/unpriced")
	// What pricing costs in thread CPU per span of the batch, in absolute
	// terms: the share grows as the rest of the processor gets faster.
	rounds := float64(len(times[0]) * spans)
	b.ReportMetric(float64(cpu[1]-cpu[0])/rounds, "cpu-pricing-ns/span")
	b.ReportMetric(float64(cpu[0])/rounds, "cpu-unpriced-ns/span")
}

func threadCPU(b *testing.B) time.Duration {
	var ts unix.Timespec
	require.NoError(b, unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts))
	return time.Duration(ts.Nano())
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
