package stepprocessor

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/agentsteps/collector/stepprocessor/internal/metadata"
)

// BenchmarkStorage measures what `storage` adds to the buffered mode, in
// the same run: per request one marshal and one file_storage write, per
// window one write of the changed outlines and the deletes of the requests
// it completed. One request is one batch of BenchmarkTraffic's traffic.
// Run: go test ./stepprocessor -run '^$' -bench BenchmarkStorage -benchtime 20x -count 3
func BenchmarkStorage(b *testing.B) {
	ctx := context.Background()
	for _, ai := range []int{100, 10} {
		payload, spans := trafficBatch(b, ai)
		for _, kept := range []bool{false, true} {
			name := fmt.Sprintf("ai=%d/buffered", ai)
			if kept {
				name += "_storage"
			}
			b.Run(name, func(b *testing.B) {
				cfg := createDefaultConfig()
				var host component.Host = componenttest.NewNopHost()
				if kept {
					cfg.Storage = &fileStorageID
					host = newStorageHost(b, b.TempDir())
				}
				p, err := newStepProcessor(processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
				require.NoError(b, err)
				require.NoError(b, p.Start(ctx, host))
				perSpan(b, payload, spans, true, func(td ptrace.Traces) {
					require.NoError(b, p.ConsumeTraces(ctx, td))
					p.release(ctx, p.buf.takeAll(), false)
				})
				require.NoError(b, p.Shutdown(ctx))
			})
		}
	}
}
