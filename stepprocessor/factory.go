package stepprocessor

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"

	"github.com/agentsteps/collector/stepprocessor/internal/metadata"
)

// NewFactory returns the factory of the step processor (type `step`).
func NewFactory() processor.Factory {
	return processor.NewFactory(metadata.Type,
		func() component.Config { return createDefaultConfig() },
		processor.WithTraces(createTracesProcessor, metadata.TracesStability))
}

func createTracesProcessor(_ context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	return newStepProcessor(set, cfg.(*Config), next)
}
