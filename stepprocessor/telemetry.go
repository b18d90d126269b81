package stepprocessor

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/agentsteps/collector/stepprocessor/internal/metadata"
)

// telemetry is the processor's own metrics.
type telemetry struct {
	steps         metric.Int64Counter
	patches       metric.Int64Counter
	problems      metric.Int64Counter
	released      metric.Int64Counter
	releasedEarly metric.Int64Counter
	forwardErrors metric.Int64Counter
	contradicts   metric.Int64Counter
	unclaimed     metric.Int64Counter
	reg           metric.Registration
}

func newTelemetry(set component.TelemetrySettings, held func() int64) (*telemetry, error) {
	m := set.MeterProvider.Meter(metadata.ScopeName)
	t := &telemetry{}
	var err error
	counter := func(dst *metric.Int64Counter, name, desc, unit string) {
		if err == nil {
			*dst, err = m.Int64Counter("otelcol_processor_step_"+name, metric.WithDescription(desc), metric.WithUnit(unit))
		}
	}
	counter(&t.steps, "steps", "Steps written onto their anchor spans.", "{step}")
	counter(&t.patches, "patches", "Partial step records written as step.patches (late or early parts, late context).", "{patch}")
	counter(&t.problems, "attribute_errors", "Malformed attributes that were left out of a step.", "{attribute}")
	counter(&t.released, "traces_released", "Traces released from the buffer.", "{trace}")
	counter(&t.releasedEarly, "traces_released_early", "Traces released before their wait because max_traces was reached.", "{trace}")
	counter(&t.forwardErrors, "forward_errors", "Released batches that the next consumer refused.", "{batch}")
	counter(&t.contradicts, "token_contradictions", "Steps whose token counts contradict each other, by instrumentation scope and check.", "{step}")
	counter(&t.unclaimed, "unclaimed_model_spans", "Spans that look like model calls (token-count or model keys) but that no convention claims, by instrumentation scope.", "{span}")
	if err != nil {
		return nil, err
	}
	gauge, err := m.Int64ObservableGauge("otelcol_processor_step_traces_held",
		metric.WithDescription("Traces held in the buffer."), metric.WithUnit("{trace}"))
	if err != nil {
		return nil, err
	}
	t.reg, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		o.ObserveInt64(gauge, held())
		return nil
	}, gauge)
	return t, err
}

func (t *telemetry) record(ctx context.Context, r result) {
	if r.steps > 0 {
		t.steps.Add(ctx, int64(r.steps))
	}
	if r.patches > 0 {
		t.patches.Add(ctx, int64(r.patches))
	}
	if r.nProblems > 0 {
		t.problems.Add(ctx, int64(r.nProblems))
	}
	for i := range r.contradictions {
		c := &r.contradictions[i]
		t.contradicts.Add(ctx, 1, metric.WithAttributes(
			attribute.String("instrumentation_scope", c.scope), attribute.String("check", c.check)))
	}
	for _, u := range r.unclaimed {
		t.unclaimed.Add(ctx, int64(u.Spans), metric.WithAttributes(attribute.String("otel.scope.name", u.Scope)))
	}
}

func (t *telemetry) shutdown() {
	if t.reg != nil {
		_ = t.reg.Unregister()
	}
}
