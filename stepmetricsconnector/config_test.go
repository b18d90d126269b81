package stepmetricsconnector

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/agentsteps/collector/stepmetricsconnector/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	unknown := "unknown"
	tests := []struct {
		name    string
		want    *Config
		wantErr []string
	}{
		{name: "", want: createDefaultConfig().(*Config)},
		{name: "custom", want: &Config{
			Dimensions:                  []Dimension{{Name: "project_id"}, {Name: "model_handle", Default: &unknown}},
			ExcludeDimensions:           []string{"gen_ai.agent.id"},
			AggregationTemporality:      delta,
			MetricsFlushInterval:        10 * time.Second,
			SeriesExpiration:            time.Hour,
			AggregationCardinalityLimit: 500,
			Exemplars:                   ExemplarsConfig{Enabled: false, MaxPerDataPoint: 5},
			StepMemory:                  StepMemoryConfig{MaxSteps: 100000, TTL: time.Hour},
		}},
		{name: "id_dimension", wantErr: []string{`dimensions[0]::name: "run_id" is an id`, "ids go to exemplars"}},
		{name: "unknown_dimension", wantErr: []string{`dimensions[0]::name: "modle" is not a record field; use one of`}},
		{name: "count_dimension", wantErr: []string{`dimensions[0]::name: "prompt_tokens" is not a text field`}},
		{name: "bad_exclude", wantErr: []string{`exclude_dimensions[0]: "gen_ai.provider.name" cannot be excluded; use one of`}},
		{name: "bad_temporality", wantErr: []string{`aggregation_temporality: "delta" is unknown; use AGGREGATION_TEMPORALITY_CUMULATIVE or AGGREGATION_TEMPORALITY_DELTA`}},
		{name: "bad_flush", wantErr: []string{"metrics_flush_interval must be > 0 (got 0s)"}},
		{name: "bad_limit", wantErr: []string{"aggregation_cardinality_limit must be >= 0 (got -1); use 0 for no limit"}},
		{name: "bad_memory", wantErr: []string{"step_memory::max_steps must be >= 1 (got 0)", "step_memory::ttl must be > 0 (got -1s)"}},
	}
	for _, tt := range tests {
		t.Run(component.NewIDWithName(metadata.Type, tt.name).String(), func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(component.NewIDWithName(metadata.Type, tt.name).String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			err = confmap.Validate(cfg)
			if len(tt.wantErr) > 0 {
				for _, w := range tt.wantErr {
					require.ErrorContains(t, err, w)
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, cfg)
		})
	}
}
