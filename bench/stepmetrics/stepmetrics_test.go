package stepmetrics

import (
	"context"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/connector/spanmetricsconnector"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/bench/internal/spanbatch"
	"github.com/agentsteps/collector/stepmetricsconnector"
	"github.com/agentsteps/collector/stepprocessor"
)

// root is the repository, whose testdata make the mixed batch.
const root = "../.."

// annotatedBatch is the mixed batch of every fixture after the step
// processor: what the connector, or spanmetrics, gets in a collector.
func annotatedBatch(tb testing.TB) (payload []byte, spans int) {
	raw, spans := spanbatch.Mixed(tb, root)
	td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(raw)
	require.NoError(tb, err)
	stepprocessor.Annotate(nil, td)
	payload, err = (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	require.NoError(tb, err)
	return payload, spans
}

func newConn(tb testing.TB, f connector.Factory, cfg any) connector.Traces {
	c, err := f.CreateTracesToMetrics(context.Background(), connectortest.NewNopSettings(f.Type()), cfg, consumertest.NewNop())
	require.NoError(tb, err)
	require.NoError(tb, c.Start(context.Background(), componenttest.NewNopHost()))
	tb.Cleanup(func() { require.NoError(tb, c.Shutdown(context.Background())) })
	return c
}

// BenchmarkStepMetrics measures ConsumeTraces (the aggregation; flushing
// runs on a ticker in both connectors) per span of the annotated batch:
//
//   - floor_read: every attribute of every span looked at once;
//   - spanmetrics: contrib's spanmetricsconnector with its default config;
//   - step_metrics: our connector with its default config.
//
// "cold" gives each iteration a new connector: every series and, for
// step_metrics, every step is new. "warm" feeds one connector the batch
// again and again: series exist, and step_metrics remembers every step,
// so it only merges (the redelivery path).
// make bench publishes BenchmarkInterleavedStepMetrics instead, whose rows
// alternate round by round: here each row's iterations run in one block,
// so load that drifts on a shared machine moves whole rows. This one is
// for profiling one row (-bench BenchmarkStepMetrics/step_metrics/cold
// -cpuprofile).
// Run (from bench/): go test ./stepmetrics -run '^$' -bench BenchmarkStepMetrics -benchtime 20x -count 5
func BenchmarkStepMetrics(b *testing.B) {
	payload, spans := annotatedBatch(b)
	ctx := context.Background()
	b.Run("floor_read", func(b *testing.B) {
		spanbatch.PerSpan(b, payload, spans, nil, spanbatch.ReadAll)
	})
	factories := []struct {
		name string
		f    connector.Factory
	}{
		{"spanmetrics", spanmetricsconnector.NewFactory()},
		{"step_metrics", stepmetricsconnector.NewFactory()},
	}
	for _, v := range factories {
		b.Run(v.name+"/cold", func(b *testing.B) {
			var c connector.Traces
			spanbatch.PerSpan(b, payload, spans, func() {
				if c != nil {
					require.NoError(b, c.Shutdown(ctx))
				}
				c = newConn(b, v.f, v.f.CreateDefaultConfig())
			}, func(td ptrace.Traces) { _ = c.ConsumeTraces(ctx, td) })
		})
		b.Run(v.name+"/warm", func(b *testing.B) {
			c := newConn(b, v.f, v.f.CreateDefaultConfig())
			spanbatch.PerSpan(b, payload, spans, nil, func(td ptrace.Traces) { _ = c.ConsumeTraces(ctx, td) })
		})
	}
}
