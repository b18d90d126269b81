package stepprocessor

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/agentsteps/collector/pricing"
	"github.com/agentsteps/collector/stepprocessor/internal/metadata"
)

func f64(v float64) *float64 { return &v }

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		name    string
		want    *Config
		wantErr string
	}{
		{name: "", want: createDefaultConfig()},
		{name: "custom", want: &Config{
			Wait: 30 * time.Second, MaxTraces: 50000,
			Skeletons: SkeletonConfig{TTL: time.Hour, MaxSpans: 5000000},
			Fields: map[string][]string{
				"tid": {"transaction.id"}, "project_id": {"resource.service.namespace"},
				"prompt_tokens": {"input_tokens"}, "cached_input_tokens": {"cache_read_tokens"},
			},
			Pricing: pricing.Config{Enabled: true, Models: []pricing.ModelConfig{
				{Model: "qwen2.5-72b-instruct", Input: f64(0.9), Output: f64(0.9)},
				{ModelPrefix: "ft:gpt-4o-mini", Provider: "openai", StartDate: "2026-01-01", Input: f64(0.3), Output: f64(1.2), CacheRead: f64(0.15)},
			}},
		}},
		{name: "durable", want: func() *Config {
			c := createDefaultConfig()
			c.Wait = time.Second
			id := component.MustNewID("file_storage")
			c.Storage = &id
			return c
		}()},
		{name: "stateless", want: func() *Config { c := createDefaultConfig(); c.Wait = 0; return c }()},
		{name: "bad_wait", wantErr: "wait must be >= 0 (got -1s)"},
		{name: "bad_max_traces", wantErr: "max_traces must be >= 1 (got 0)"},
		{name: "bad_skeletons", wantErr: "skeletons::ttl must be >= 0 (got -5m0s)"},
		{name: "unknown_field", wantErr: "fields::prompt_tokenz: unknown record field; use one of"},
		{name: "field_without_keys", wantErr: "fields::model: give at least one attribute key"},
		{name: "mapped_id", wantErr: "fields::id: the step id cannot be mapped"},
		{name: "empty_key", wantErr: "fields::model[0]: empty attribute key"},
	}
	for _, tt := range tests {
		t.Run("step/"+tt.name, func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(component.NewIDWithName(metadata.Type, tt.name).String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			err = confmap.Validate(cfg)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, cfg)
		})
	}
}

func TestConfigRejectsUnknownKeys(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig()
	err := confmap.NewFromStringMap(map[string]any{"wiat": "5s"}).Unmarshal(cfg)
	require.ErrorContains(t, err, "wiat")
}
