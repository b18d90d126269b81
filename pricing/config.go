package pricing

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"time"
)

// Config is the `pricing:` block of a component's config.
type Config struct {
	// Enabled turns pricing on (the default) or off.
	Enabled bool `mapstructure:"enabled"`
	// File is a genai-prices v2 data.json used instead of the embedded
	// catalogue, for a newer catalogue than the build's. Its cost_source is
	// catalogue@sha256-<first 12 hex digits of the file>.
	File string `mapstructure:"file"`
	// Models are the user's prices, tried before any catalogue.
	Models []ModelConfig `mapstructure:"models"`

	_ struct{}
}

// ModelConfig is one user price. Exactly one of Model (the exact name,
// case-insensitive), ModelPrefix or ModelRegex (Go syntax) selects models.
// Prices are USD per million tokens; cache reads and writes without a
// price of their own are billed at the input price.
type ModelConfig struct {
	Model       string `mapstructure:"model"`
	ModelPrefix string `mapstructure:"model_prefix"`
	ModelRegex  string `mapstructure:"model_regex"`
	// Provider limits the rule to one provider (gen_ai.provider.name, or a
	// catalogue id such as "aws").
	Provider string `mapstructure:"provider"`
	// StartDate (YYYY-MM-DD, UTC) limits the rule to steps that start on or
	// after it; the newest applicable start date wins.
	StartDate  string   `mapstructure:"start_date"`
	Input      *float64 `mapstructure:"input"`
	Output     *float64 `mapstructure:"output"`
	CacheRead  *float64 `mapstructure:"cache_read"`
	CacheWrite *float64 `mapstructure:"cache_write"`

	_ struct{}
}

// DefaultConfig prices by the embedded catalogue.
func DefaultConfig() Config { return Config{Enabled: true} }

// Validate reports every mistake, each naming its key under prefix (as in
// "pricing::models[0]::input") and the fix.
func (c *Config) Validate(prefix string) error {
	_, err := c.build(prefix)
	return err
}

// Engine builds the engine the config describes; nil when pricing is off.
func (c *Config) Engine(prefix string) (*Engine, error) {
	if !c.Enabled {
		return nil, nil
	}
	return c.build(prefix)
}

func (c *Config) build(prefix string) (*Engine, error) {
	var errs []error
	cat := Embedded()
	if c.File != "" {
		b, err := os.ReadFile(c.File)
		if err == nil {
			sum := sha256.Sum256(b)
			cat, err = LoadCatalogue(b, "sha256-"+hex.EncodeToString(sum[:6]))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s::file: %w; give a genai-prices v2 data.json", prefix, err))
		}
	}
	rules := make([]*Rule, 0, len(c.Models))
	for i, m := range c.Models {
		r, err := m.rule(fmt.Sprintf("%s::models[%d]", prefix, i))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rules = append(rules, r)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return New(cat, rules), nil
}

func (m ModelConfig) rule(key string) (*Rule, error) {
	var errs []error
	r := &Rule{Model: m.Model, Prefix: m.ModelPrefix, Provider: m.Provider}
	n := 0
	for _, s := range []string{m.Model, m.ModelPrefix, m.ModelRegex} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		errs = append(errs, fmt.Errorf("%s: set exactly one of model, model_prefix or model_regex", key))
	}
	if m.ModelRegex != "" {
		re, err := regexp.Compile(m.ModelRegex)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s::model_regex: %w", key, err))
		}
		r.Regex = re
	}
	if m.StartDate != "" {
		t, err := time.Parse(time.DateOnly, m.StartDate)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s::start_date: want YYYY-MM-DD, got %q", key, m.StartDate))
		}
		r.StartDate = t
	}
	price := func(name string, v *float64, required bool) {
		switch {
		case v == nil && required:
			errs = append(errs, fmt.Errorf("%s::%s: required, in USD per million tokens", key, name))
		case v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0):
			errs = append(errs, fmt.Errorf("%s::%s: must be a non-negative price in USD per million tokens (got %v)", key, name, *v))
		}
	}
	price("input", m.Input, true)
	price("output", m.Output, true)
	price("cache_read", m.CacheRead, false)
	price("cache_write", m.CacheWrite, false)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	r.Input, r.Output, r.CacheRead, r.CacheWrite = *m.Input, *m.Output, m.CacheRead, m.CacheWrite
	r.Compile()
	return r, nil
}
