package stepexporter

import (
	"errors"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/metric"

	"github.com/agentsteps/collector/stepexporter/internal/metadata"
)

// telemetry is the exporter's own counters, named like the collector's.
type telemetry struct {
	written  metric.Int64Counter
	merged   metric.Int64Counter
	rejected metric.Int64Counter
}

func newTelemetry(set component.TelemetrySettings) (*telemetry, error) {
	m := set.MeterProvider.Meter(metadata.ScopeName)
	var t telemetry
	var errs [3]error
	t.written, errs[0] = m.Int64Counter("otelcol_exporter_step_records_written",
		metric.WithDescription("Step records the backend accepted (one per step id per batch)."),
		metric.WithUnit("{record}"))
	t.merged, errs[1] = m.Int64Counter("otelcol_exporter_step_records_merged",
		metric.WithDescription("Written records that merged into a row already in the backend."),
		metric.WithUnit("{record}"))
	t.rejected, errs[2] = m.Int64Counter("otelcol_exporter_step_records_rejected",
		metric.WithDescription("Step patches or records dropped as bad data (logged with their trace and span id)."),
		metric.WithUnit("{record}"))
	return &t, errors.Join(errs[:]...)
}
