package stepprocessor

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"

	"github.com/agentsteps/collector/pricing"
	"github.com/agentsteps/collector/step"
)

// Config configures the step processor.
type Config struct {
	// Wait is how long a trace is held after its last span arrived, so that
	// a step can take context from its ancestors and a Letta step spread
	// over several spans is assembled. 0 makes the processor stateless: each
	// batch is its own window, with no delay and no memory held.
	Wait time.Duration `mapstructure:"wait"`
	// MaxTraces bounds the traces held at once. Past it the oldest trace is
	// released early, never dropped.
	MaxTraces int `mapstructure:"max_traces"`
	// Storage names a storage extension (e.g. file_storage) in which the
	// held requests are kept until their traces went downstream, and the
	// outlines of released traces while they are kept, so that a killed
	// collector sends the held traces on when it starts again and still
	// patches their late ancestors. nil keeps both in memory only. Needs
	// wait > 0.
	Storage *component.ID `mapstructure:"storage"`
	// Skeletons keeps a compact outline of each released trace (parents,
	// context, which spans anchor steps) so that spans arriving after their
	// trace was released, such as an agent span that ends minutes after its
	// first model call, still give correct patches.
	Skeletons SkeletonConfig `mapstructure:"skeletons"`
	// Fields maps record fields to span attribute keys, read before the
	// built-in conventions. A key prefixed with "resource." is read from the
	// resource.
	Fields map[string][]string `mapstructure:"fields"`
	// Pricing prices each step (cost_usd, input_cost_usd, output_cost_usd,
	// cost_source): the user's models rules, then a cost the emitter put on
	// its span, then the genai-prices catalogue (embedded, or file).
	Pricing pricing.Config `mapstructure:"pricing"`

	_ struct{}
}

// SkeletonConfig bounds the outlines of released traces.
type SkeletonConfig struct {
	// TTL is how long an outline is kept after its trace was last released.
	TTL time.Duration `mapstructure:"ttl"`
	// MaxSpans bounds the spans of all outlines kept; past it the oldest
	// outline is forgotten. An outline costs about 50 bytes per span.
	MaxSpans int `mapstructure:"max_spans"`

	_ struct{}
}

var _ confmap.Validator = (*Config)(nil)

// Validate reports every mistake, each naming its key and the fix.
func (c *Config) Validate() error {
	var errs []error
	if c.Wait < 0 {
		errs = append(errs, fmt.Errorf("wait must be >= 0 (got %s); use 0 for the stateless mode", c.Wait))
	}
	if c.Storage != nil && c.Wait == 0 {
		errs = append(errs, errors.New("storage: with wait 0 nothing is held, so there is nothing to keep; remove storage or set wait > 0"))
	}
	if c.MaxTraces < 1 {
		errs = append(errs, fmt.Errorf("max_traces must be >= 1 (got %d)", c.MaxTraces))
	}
	if c.Skeletons.TTL < 0 {
		errs = append(errs, fmt.Errorf("skeletons::ttl must be >= 0 (got %s); use 0 to keep no outlines", c.Skeletons.TTL))
	}
	if c.Skeletons.MaxSpans < 0 {
		errs = append(errs, fmt.Errorf("skeletons::max_spans must be >= 0 (got %d)", c.Skeletons.MaxSpans))
	}
	for name, keys := range c.Fields {
		f, ok := step.FieldByName(name)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("fields::%s: unknown record field; use one of %s", name, strings.Join(step.FieldNames(), ", ")))
		case f.Name == "id":
			errs = append(errs, errors.New("fields::id: the step id cannot be mapped; it is Letta's step_id or derived from the span"))
		case len(keys) == 0:
			errs = append(errs, fmt.Errorf("fields::%s: give at least one attribute key", name))
		}
		for i, k := range keys {
			if strings.TrimSpace(k) == "" || k == resourcePrefix {
				errs = append(errs, fmt.Errorf("fields::%s[%d]: empty attribute key", name, i))
			}
		}
	}
	if err := c.Pricing.Validate("pricing"); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

const resourcePrefix = "resource."

func createDefaultConfig() *Config {
	return &Config{
		Wait:      5 * time.Second,
		MaxTraces: 10000,
		Skeletons: SkeletonConfig{TTL: 30 * time.Minute, MaxSpans: 1_000_000},
		Pricing:   pricing.DefaultConfig(),
	}
}
