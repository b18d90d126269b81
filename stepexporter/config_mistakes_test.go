package stepexporter

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
	cases := map[string]string{
		"misspelt_backend":                   "sqlit",
		"misspelt_sqlite_key":                "pth",
		"sqlite_busy_timeout_not_a_duration": "busy_timeout",
		"sqlite_empty_path":                  "sqlite: path must be set",
		"postgres_without_dsn":               "postgres: dsn must be set",
		"postgres_unparsable_dsn":            "postgres: dsn cannot be parsed",
		"postgres_table_injection":           "postgres: table ",
		"postgres_schema_injection":          "postgres: schema ",
		"postgres_tls_missing_ca":            "postgres: tls:",
		"postgres_create_schema_not_a_bool":  "create_schema",
		"file_max_bytes_not_a_number":        "max_bytes",
		"file_negative_backups":              "file: max_backups",
		"http_headers_not_a_map":             "headers",
		"http_bad_compression":               "compression",
		"http_not_a_url":                     "http: endpoint",
		"trace_url_unknown_placeholder":      "trace_url: unknown placeholder {trace}",
		"negative_timeout":                   "timeout",
		"retry_not_a_map":                    "retry_on_failure",
		"queue_size_zero":                    "queue_size",
		"pricing_rule_without_input":         "pricing::models[0]::input: required",
	}
	for name, key := range cases {
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
	require.Len(t, cm.ToStringMap(), len(cases), "every config in the file has a case")
}
