package stepexporter

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/agentsteps/collector/stepexporter/filestore"
	"github.com/agentsteps/collector/stepexporter/httpstore"
	"github.com/agentsteps/collector/stepexporter/internal/metadata"
	"github.com/agentsteps/collector/stepexporter/pgstore"
	"github.com/agentsteps/collector/stepexporter/sqlitestore"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	defaults := func(edit func(*Config)) *Config {
		c := createDefaultConfig().(*Config)
		edit(c)
		return c
	}
	tests := []struct {
		name    string
		want    *Config
		wantErr string
	}{
		{name: "sqlite", want: defaults(func(c *Config) {
			c.SQLite = configoptional.Some(sqlitestore.Config{Path: "./steps.db", BusyTimeout: 5 * time.Second, PageCacheMiB: 32})
		})},
		{name: "sqlite_defaults", want: defaults(func(c *Config) {
			c.SQLite = configoptional.Some(sqlitestore.NewDefaultConfig())
		})},
		{name: "postgres", want: defaults(func(c *Config) {
			pg := pgstore.NewDefaultConfig()
			pg.DSN, pg.Table, pg.CreateSchema = "postgres://steps:secret@127.0.0.1:5432/steps", "steps", true
			c.Postgres = configoptional.Some(pg)
		})},
		{name: "file", want: defaults(func(c *Config) {
			c.File = configoptional.Some(filestore.Config{Path: "./steps.jsonl", MaxBytes: 1 << 20, MaxBackups: 2})
		})},
		{name: "http", want: defaults(func(c *Config) {
			h := httpstore.NewDefaultConfig()
			h.Endpoint, h.Timeout, h.Compression = "https://hooks.example/steps", 10*time.Second, configcompression.TypeGzip
			// confmaptest does not expand ${env:...}; the collector's resolver does.
			h.Headers = configopaque.MapList{{Name: "X-Api-Key", Value: "${env:STEPS_API_KEY}"}}
			c.HTTP = configoptional.Some(h)
		})},
		{name: "full", want: defaults(func(c *Config) {
			c.SQLite = configoptional.Some(sqlitestore.Config{Path: "/var/lib/otelcol/steps.db", BusyTimeout: 10 * time.Second, PageCacheMiB: 64})
			c.TraceURL = "http://127.0.0.1:16686/trace/{trace_id}?uiFind={span_id}"
			c.TimeoutConfig.Timeout = 30 * time.Second
			q := exporterhelper.NewDefaultQueueConfig()
			storage := component.MustNewID("file_storage")
			q.StorageID, q.QueueSize = &storage, 5000
			c.QueueConfig = configoptional.Some(q)
			c.RetryConfig.InitialInterval, c.RetryConfig.MaxElapsedTime = time.Second, 10*time.Minute
		})},
		{name: "no_backend", wantErr: "set exactly one of sqlite, postgres, file, http (got none)"},
		{name: "two_backends", wantErr: "set exactly one of sqlite, postgres, file, http (got sqlite and file)"},
		{name: "unknown_placeholder", wantErr: "trace_url: unknown placeholder {traceid} (use {trace_id}, {span_id} or {id})"},
		{name: "relative_trace_url", wantErr: `trace_url: "/trace/{trace_id}" is not an absolute URL`},
		{name: "sqlite_empty_path", wantErr: "sqlite: path must be set (for example path: ./steps.db)"},
		{name: "file_negative_limits", wantErr: "file: max_bytes must be >= 0, 0 to never rotate (got -1)"},
		{name: "http_no_endpoint", wantErr: "http: endpoint must be set"},
		{name: "http_not_a_url", wantErr: `http: endpoint must be an http:// or https:// URL (got "ftp://hooks.example/steps")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
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

func TestFileNegativeLimitsNamesBothKeys(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig()
	sub, err := cm.Sub("step/file_negative_limits")
	require.NoError(t, err)
	require.NoError(t, sub.Unmarshal(cfg))
	err = confmap.Validate(cfg)
	require.ErrorContains(t, err, "max_bytes")
	require.ErrorContains(t, err, "max_backups")
}

func TestConfigStruct(t *testing.T) {
	require.NoError(t, componenttest.CheckConfigStruct(createDefaultConfig()))
}
