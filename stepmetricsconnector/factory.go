package stepmetricsconnector

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"

	"github.com/agentsteps/collector/stepmetricsconnector/internal/metadata"
)

// NewFactory returns the factory of the step metrics connector.
func NewFactory() connector.Factory {
	return connector.NewFactory(metadata.Type, createDefaultConfig,
		connector.WithTracesToMetrics(createTracesToMetrics, metadata.TracesToMetricsStability))
}

// createDefaultConfig follows spanmetrics where it applies (cumulative,
// 60s flush, exemplars up to 5 per point), with exemplars on, because the
// link from a spike to its trace is what they are for, and a cardinality
// limit, because models and agents are open sets.
func createDefaultConfig() component.Config {
	return &Config{
		AggregationTemporality:      cumulative,
		MetricsFlushInterval:        60 * time.Second,
		AggregationCardinalityLimit: 2000,
		Exemplars:                   ExemplarsConfig{Enabled: true, MaxPerDataPoint: 5},
		StepMemory:                  StepMemoryConfig{MaxSteps: 20000, TTL: 15 * time.Minute},
	}
}

func createTracesToMetrics(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Metrics) (connector.Traces, error) {
	return newConnector(set.Logger, cfg.(*Config), next, time.Now), nil
}
