package stepprocessor

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
)

// TestEveryConfigMistakeNamesItsKey loads each broken config of
// testdata/config_mistakes.yaml as the collector does (unmarshal, then
// validate) and expects an error that names the key at fault.
func TestEveryConfigMistakeNamesItsKey(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config_mistakes.yaml"))
	require.NoError(t, err)
	for name, key := range map[string]string{
		"wait_not_a_duration":     "wait",
		"negative_wait":           "wait must be >= 0",
		"max_traces_not_a_number": "max_traces",
		"zero_max_traces":         "max_traces must be >= 1",
		"misspelt_key":            "max_trace",
		"misspelt_skeleton_key":   "tll",
		"negative_skeleton_ttl":   "skeletons::ttl",
		"negative_skeleton_spans": "skeletons::max_spans",
		"fields_not_a_map":        "fields",
		"field_keys_not_a_list":   "model",
		"unknown_field":           "fields::modle",
		"mapped_id":               "fields::id",
		"field_without_keys":      "fields::prompt_tokens",
		"blank_key":               "fields::model[0]",
		"bare_resource_prefix":    "fields::project_id[0]",
		"pricing_two_selectors":   "pricing::models[0]: set exactly one of model, model_prefix or model_regex",
		"pricing_missing_output":  "pricing::models[0]::output: required",
		"pricing_negative_price":  "pricing::models[0]::output: must be a non-negative price",
		"pricing_bad_regex":       "pricing::models[0]::model_regex",
		"pricing_bad_start_date":  "pricing::models[0]::start_date: want YYYY-MM-DD",
		"pricing_missing_file":    "pricing::file",
		"pricing_misspelt_key":    "input_price",
		"storage_without_wait":    "storage: with wait 0 nothing is held",
	} {
		t.Run(name, func(t *testing.T) {
			sub, err := cm.Sub("step/" + name)
			require.NoError(t, err)
			cfg := NewFactory().CreateDefaultConfig()
			err = sub.Unmarshal(cfg)
			if err == nil {
				err = confmap.Validate(cfg)
			}
			require.ErrorContains(t, err, key)
		})
	}
	require.Len(t, cm.ToStringMap(), 23, "every config in the file has a case")
}
