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
	require.Len(t, cm.ToStringMap(), 15, "every config in the file has a case")
}
