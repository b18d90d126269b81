package stepmetricsconnector

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/agentsteps/collector/step"
)

const (
	delta      = "AGGREGATION_TEMPORALITY_DELTA"
	cumulative = "AGGREGATION_TEMPORALITY_CUMULATIVE"
)

// Config configures the step metrics connector. The knobs are
// spanmetrics' where they apply, under the same names.
type Config struct {
	// Dimensions are extra attributes from record fields (step.<name> on
	// the anchor span), added to every metric. Ids are refused: they go to
	// exemplars, never to labels.
	Dimensions []Dimension `mapstructure:"dimensions"`
	// ExcludeDimensions drops built-in attributes by key, such as
	// gen_ai.agent.id when there are too many agents.
	ExcludeDimensions []string `mapstructure:"exclude_dimensions"`
	// AggregationTemporality is AGGREGATION_TEMPORALITY_CUMULATIVE (the
	// default, what the prometheus exporter needs) or
	// AGGREGATION_TEMPORALITY_DELTA.
	AggregationTemporality string `mapstructure:"aggregation_temporality"`
	// MetricsFlushInterval is how often the metrics are sent on.
	MetricsFlushInterval time.Duration `mapstructure:"metrics_flush_interval"`
	// SeriesExpiration drops a series not updated for this long; 0 never.
	SeriesExpiration time.Duration `mapstructure:"series_expiration"`
	// AggregationCardinalityLimit bounds the series of each metric; past
	// it new attribute sets fold into one series with
	// otel.metric.overflow="true". 0 means no bound.
	AggregationCardinalityLimit int `mapstructure:"aggregation_cardinality_limit"`
	// Exemplars attach the trace and span id of each step's anchor span.
	Exemplars ExemplarsConfig `mapstructure:"exemplars"`
	// StepMemory remembers what was counted for each recent step, so that
	// a step whose parts arrive on several spans or batches is counted
	// once.
	StepMemory StepMemoryConfig `mapstructure:"step_memory"`

	_ struct{}
}

// Dimension is one extra attribute, read from a record field.
type Dimension struct {
	// Name is the record field, as in step.<name> ("project_id").
	Name string `mapstructure:"name"`
	// Default is the value when the step has none; without it the
	// attribute is left off.
	Default *string `mapstructure:"default"`

	_ struct{}
}

// ExemplarsConfig is spanmetrics' exemplars block.
type ExemplarsConfig struct {
	Enabled         bool `mapstructure:"enabled"`
	MaxPerDataPoint int  `mapstructure:"max_per_data_point"`

	_ struct{}
}

// StepMemoryConfig bounds the per-step memory: about 430 bytes per step
// plus its strings.
type StepMemoryConfig struct {
	// MaxSteps bounds the steps remembered; past it the least recently
	// seen is forgotten.
	MaxSteps int `mapstructure:"max_steps"`
	// TTL forgets a step not seen for this long. A part of a forgotten
	// step that arrives later is counted again.
	TTL time.Duration `mapstructure:"ttl"`

	_ struct{}
}

// idFields are record fields that identify one step, run, trace or
// request: unbounded, so never labels.
var idFields = map[string]bool{
	"id": true, "run_id": true, "trace_id": true, "span_id": true, "request_id": true,
	"tid": true, "conversation_id": true, "user_id": true, "step_id": true,
}

var _ confmap.Validator = (*Config)(nil)

// Validate reports every mistake, each naming its key and the fix.
func (c *Config) Validate() error {
	var errs []error
	seen := map[string]bool{}
	for i, d := range c.Dimensions {
		f, ok := step.FieldByName(d.Name)
		switch {
		case d.Name == "":
			errs = append(errs, fmt.Errorf("dimensions[%d]::name: empty; give a record field such as project_id", i))
		case idFields[d.Name]:
			errs = append(errs, fmt.Errorf("dimensions[%d]::name: %q is an id and would make a series per step; ids go to exemplars, never to labels", i, d.Name))
		case !ok:
			errs = append(errs, fmt.Errorf("dimensions[%d]::name: %q is not a record field; use one of %s", i, d.Name, strings.Join(step.FieldNames(), ", ")))
		case f.Kind != step.KindString:
			errs = append(errs, fmt.Errorf("dimensions[%d]::name: %q is not a text field; use a text field such as project_id or model_handle", i, d.Name))
		case seen[d.Name]:
			errs = append(errs, fmt.Errorf("dimensions[%d]::name: %q is listed twice; remove one", i, d.Name))
		}
		seen[d.Name] = true
	}
	for i, k := range c.ExcludeDimensions {
		if !excludable[k] {
			errs = append(errs, fmt.Errorf("exclude_dimensions[%d]: %q cannot be excluded; use one of %s", i, k, strings.Join(excludableList, ", ")))
		}
	}
	if t := c.AggregationTemporality; t != delta && t != cumulative {
		errs = append(errs, fmt.Errorf("aggregation_temporality: %q is unknown; use %s or %s", t, cumulative, delta))
	}
	if c.MetricsFlushInterval <= 0 {
		errs = append(errs, fmt.Errorf("metrics_flush_interval must be > 0 (got %s)", c.MetricsFlushInterval))
	}
	if c.SeriesExpiration < 0 {
		errs = append(errs, fmt.Errorf("series_expiration must be >= 0 (got %s); use 0 to keep series forever", c.SeriesExpiration))
	}
	if c.AggregationCardinalityLimit < 0 {
		errs = append(errs, fmt.Errorf("aggregation_cardinality_limit must be >= 0 (got %d); use 0 for no limit", c.AggregationCardinalityLimit))
	}
	if c.Exemplars.MaxPerDataPoint < 0 {
		errs = append(errs, fmt.Errorf("exemplars::max_per_data_point must be >= 0 (got %d)", c.Exemplars.MaxPerDataPoint))
	}
	if c.StepMemory.MaxSteps < 1 {
		errs = append(errs, fmt.Errorf("step_memory::max_steps must be >= 1 (got %d)", c.StepMemory.MaxSteps))
	}
	if c.StepMemory.TTL <= 0 {
		errs = append(errs, fmt.Errorf("step_memory::ttl must be > 0 (got %s)", c.StepMemory.TTL))
	}
	return errors.Join(errs...)
}

func (c *Config) temporality() pmetric.AggregationTemporality {
	if c.AggregationTemporality == delta {
		return pmetric.AggregationTemporalityDelta
	}
	return pmetric.AggregationTemporalityCumulative
}

// excludable are the built-in attributes a user may drop. The ones the
// conventions require (operation, provider, token type, error type) stay.
var excludableList = []string{attrAgentID, attrServiceName, attrRequestModel, attrResponseModel, attrFinishReason}

var excludable = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range excludableList {
		m[k] = true
	}
	return m
}()
