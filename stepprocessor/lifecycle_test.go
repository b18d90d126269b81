package stepprocessor

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.uber.org/goleak"

	"github.com/agentsteps/collector/stepprocessor/internal/metadata"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFactoryTypeAndConfigStruct(t *testing.T) {
	f := NewFactory()
	require.Equal(t, metadata.Type, f.Type())
	require.NoError(t, componenttest.CheckConfigStruct(f.CreateDefaultConfig()))
	require.NoError(t, f.CreateDefaultConfig().(*Config).Validate())
}

func TestLifecycleInBothModes(t *testing.T) {
	for _, wait := range []string{"stateless", "buffered"} {
		t.Run(wait, func(t *testing.T) {
			cfg := createDefaultConfig()
			if wait == "stateless" {
				cfg.Wait = 0
			}
			processortest.VerifyShutdown(t, NewFactory(), cfg)
			p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
			require.NoError(t, err)
			require.True(t, p.Capabilities().MutatesData)
			require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
			require.NoError(t, p.ConsumeTraces(context.Background(), tracesOf(spanSpec{trace: 1, span: 1})))
			require.NoError(t, p.Shutdown(context.Background()))
		})
	}
}
