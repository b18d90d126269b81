package stepprocessor

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/agentsteps/collector/stepprocessor/internal/metadata"
)

// BenchmarkTrafficCPU is BenchmarkTraffic's rows at 10 and 0 % AI
// share, measured as the thread CPU time of each row's call alone, the
// rows interleaved round by round (in turning order) on fresh decodes,
// with a GC before each call so that no row pays for another's garbage.
// On a shared machine the wall clock of BenchmarkTraffic moves by tens of
// percent from run to run; this gives the same ratios with the scheduler
// and the untimed decode's GC left out. It reports each row's median
// thread-CPU ns per span and the ratios of the targets.
// Run: go test ./stepprocessor -run '^$' -bench BenchmarkTrafficCPU -benchtime 30x -count 3
func BenchmarkTrafficCPU(b *testing.B) {
	for _, ai := range []int{10, 0} {
		payload, spans := trafficBatch(b, ai)
		b.Run(fmt.Sprintf("ai=%d", ai), func(b *testing.B) { trafficCPURows(b, payload, spans) })
	}
}

func trafficCPURows(b *testing.B, payload []byte, spans int) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ctx := context.Background()
	writes := floorWrites(b, payload)
	newProc := func(wait bool) *stepProcessor {
		cfg := createDefaultConfig()
		if !wait {
			cfg.Wait = 0
		}
		p, err := newStepProcessor(processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
		require.NoError(b, err)
		return p
	}
	stateless, buffered := newProc(false), newProc(true)
	rows := []struct {
		name string
		body func(td ptrace.Traces)
	}{
		{"floor_read", readAll},
		{"floor_read_write", func(td ptrace.Traces) { readAllAndWrite(td, writes) }},
		{"stateless", func(td ptrace.Traces) { _ = stateless.ConsumeTraces(ctx, td) }},
		{"buffered", func(td ptrace.Traces) {
			_ = buffered.ConsumeTraces(ctx, td)
			buffered.release(ctx, buffered.buf.takeAll(), false)
		}},
		{"floor_read_keys", readAllKeys},
	}
	times := make([][]float64, len(rows))
	var u ptrace.ProtoUnmarshaler
	for round := 0; b.Loop(); round++ {
		for n := range rows {
			r := (n + round) % len(rows)
			td, err := u.UnmarshalTraces(payload)
			require.NoError(b, err)
			roundTraceIDs(td, uint64(round))
			runtime.GC()
			c0 := threadCPU(b)
			rows[r].body(td)
			times[r] = append(times[r], float64((threadCPU(b)-c0)/time.Nanosecond)/float64(spans))
		}
	}
	med := make([]float64, len(rows))
	for r := range rows {
		med[r] = median(times[r])
		b.ReportMetric(med[r], rows[r].name+"-cpu-ns/span")
	}
	b.ReportMetric(med[2]/med[1], "stateless/floor_read_write")
	b.ReportMetric(med[3]/med[2], "buffered/stateless")
	b.ReportMetric(med[2]/med[0], "stateless/floor_read")
	b.ReportMetric(med[4]/med[0], "floor_read_keys/floor_read")
	b.ReportMetric(med[2]/med[4], "stateless/floor_read_keys")
}
