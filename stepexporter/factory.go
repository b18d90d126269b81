package stepexporter

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/agentsteps/collector/stepexporter/filestore"
	"github.com/agentsteps/collector/stepexporter/httpstore"
	"github.com/agentsteps/collector/stepexporter/internal/metadata"
	"github.com/agentsteps/collector/stepexporter/pgstore"
	"github.com/agentsteps/collector/stepexporter/sqlitestore"

	"github.com/agentsteps/collector/pricing"
)

// NewFactory returns the factory of the step exporter.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(metadata.Type, createDefaultConfig,
		exporter.WithTraces(createTracesExporter, metadata.TracesStability))
}

// createDefaultConfig sets no backend: the user picks one. Each block's
// defaults apply as soon as its key is present (`sqlite:` alone writes
// ./steps.db).
func createDefaultConfig() component.Config {
	return &Config{
		TimeoutConfig: exporterhelper.NewDefaultTimeoutConfig(),
		QueueConfig:   configoptional.Some(exporterhelper.NewDefaultQueueConfig()),
		RetryConfig:   configretry.NewDefaultBackOffConfig(),
		SQLite:        configoptional.Default(sqlitestore.NewDefaultConfig()),
		Postgres:      configoptional.Default(pgstore.NewDefaultConfig()),
		File:          configoptional.Default(filestore.NewDefaultConfig()),
		HTTP:          configoptional.Default(httpstore.NewDefaultConfig()),
		Pricing:       pricing.DefaultConfig(),
	}
}

func createTracesExporter(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Traces, error) {
	c := cfg.(*Config)
	e, err := newStepExporter(set, c)
	if err != nil {
		return nil, err
	}
	return exporterhelper.NewTraces(ctx, set, cfg, e.pushTraces,
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithTimeout(c.TimeoutConfig),
		exporterhelper.WithRetry(c.RetryConfig),
		exporterhelper.WithQueue(c.QueueConfig),
		exporterhelper.WithStart(e.start),
		exporterhelper.WithShutdown(e.shutdown))
}
