package stepexporter

import (
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/agentsteps/collector/stepexporter/filestore"
	"github.com/agentsteps/collector/stepexporter/httpstore"
	"github.com/agentsteps/collector/stepexporter/pgstore"
	"github.com/agentsteps/collector/stepexporter/sqlitestore"

	"github.com/agentsteps/collector/pricing"
)

// Config chooses one backend by which block is set, and the exporterhelper
// settings that carry batches to it.
type Config struct {
	TimeoutConfig exporterhelper.TimeoutConfig                             `mapstructure:",squash"`
	QueueConfig   configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	RetryConfig   configretry.BackOffConfig                                `mapstructure:"retry_on_failure"`

	SQLite   configoptional.Optional[sqlitestore.Config] `mapstructure:"sqlite"`
	Postgres configoptional.Optional[pgstore.Config]     `mapstructure:"postgres"`
	File     configoptional.Optional[filestore.Config]   `mapstructure:"file"`
	HTTP     configoptional.Optional[httpstore.Config]   `mapstructure:"http"`

	// TraceURL fills each record's trace_url, for example
	// http://127.0.0.1:16686/trace/{trace_id}. Placeholders: {trace_id},
	// {span_id}, {id}.
	TraceURL string `mapstructure:"trace_url"`

	// Pricing re-prices each record once its patches are merged, so a
	// step whose model and usage arrive in different batches is priced as a
	// whole. It takes the processor's pricing: block; give both the same
	// models rules.
	Pricing pricing.Config `mapstructure:"pricing"`

	_ struct{}
}

var _ confmap.Validator = (*Config)(nil)

// backendKeys are the backend blocks, in the order errors list them.
var backendKeys = []string{"sqlite", "postgres", "file", "http"}

// Validate checks that exactly one backend block is set and that trace_url
// parses. Each block validates its own keys.
func (c *Config) Validate() error {
	var errs []error
	if set := c.backendsSet(); len(set) != 1 {
		got := "none"
		if len(set) > 0 {
			got = strings.Join(set, " and ")
		}
		errs = append(errs, fmt.Errorf("set exactly one of %s (got %s)", strings.Join(backendKeys, ", "), got))
	}
	if _, err := parseTraceURL(c.TraceURL); err != nil {
		errs = append(errs, err)
	}
	if err := c.Pricing.Validate("pricing"); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (c *Config) backendsSet() []string {
	var set []string
	for i, has := range []bool{c.SQLite.HasValue(), c.Postgres.HasValue(), c.File.HasValue(), c.HTTP.HasValue()} {
		if has {
			set = append(set, backendKeys[i])
		}
	}
	return set
}
