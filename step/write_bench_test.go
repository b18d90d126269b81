package step

import (
	"strconv"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// BenchmarkWriteNew is one anchor's step.* writes (WriteNew) onto a span
// of 12 attributes: a model call's step as the processor writes it, with
// and without its cost fields (pricing on and off). Each round writes
// 512 fresh maps, built outside the timer. Run:
// go test ./step -run '^$' -bench BenchmarkWriteNew -benchmem -count 5
func BenchmarkWriteNew(b *testing.B) {
	unpriced := Step{
		ID: "step-8f14e45f-ceea-467f-a0e6-3c2b1d5e7a90", TraceID: "4bf92f3577b34da6a3ce929d0e0e4736",
		Origin: "genai", Model: "gpt-4o-2024-08-06", ProviderName: "openai", ModelEndpoint: "api.openai.com",
		PromptTokens: Int(1200), CompletionTokens: Int(300), TotalTokens: Int(1500), CachedInputTokens: Int(1024),
		StopReason: "stop", Status: StatusSuccess, Progression: ProgressionFinished,
		StartTime: 1_764_547_200_000_000_000, EndTime: 1_764_547_201_250_000_000,
	}
	priced := unpriced
	priced.CostUSD, priced.InputCostUSD, priced.OutputCostUSD = USD(0.00486), USD(0.00186), USD(0.003)
	priced.CostSource, priced.ContextWindowLimit = "catalogue@0.1.8", Int(128000)
	for _, c := range []struct {
		name string
		s    *Step
	}{{"unpriced", &unpriced}, {"priced", &priced}} {
		b.Run(c.name, func(b *testing.B) {
			maps := make([]pcommon.Map, 512)
			for b.Loop() {
				b.StopTimer()
				for i := range maps {
					maps[i] = pcommon.NewMap()
					maps[i].EnsureCapacity(12)
					for j := range 12 {
						maps[i].PutStr("attribute.key."+strconv.Itoa(j), "value")
					}
				}
				b.StartTimer()
				for i := range maps {
					WriteNew(maps[i], c.s)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(maps)), "ns/write")
		})
	}
}
