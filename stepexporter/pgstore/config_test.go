package pgstore

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.uber.org/zap"
)

func TestDefaultConfigWritesPublicStepsAndCreatesIt(t *testing.T) {
	cfg := NewDefaultConfig()
	require.Equal(t, "public", cfg.Schema)
	require.Equal(t, "steps", cfg.Table)
	require.True(t, cfg.CreateSchema)
	require.False(t, cfg.tlsSet())
	require.NoError(t, componenttest.CheckConfigStruct(&cfg))
}

func TestValidateRequiresDSN(t *testing.T) {
	cfg := NewDefaultConfig()
	require.ErrorContains(t, cfg.Validate(), "dsn must be set")
}

func TestValidateRejectsUnsafeIdentifiers(t *testing.T) {
	for _, name := range []string{
		"", "steps; DROP TABLE x", `steps"`, "steps'", `"steps"`, "1steps", "st eps", "steps--",
		"public.steps", "stéps", strings.Repeat("s", 64),
	} {
		for _, key := range []string{"table", "schema"} {
			cfg := NewDefaultConfig()
			cfg.DSN = "postgres://u@127.0.0.1:1/db"
			if key == "table" {
				cfg.Table = name
			} else {
				cfg.Schema = name
			}
			err := cfg.Validate()
			require.Error(t, err, "%s %q", key, name)
			require.True(t, strings.HasPrefix(err.Error(), key+" "), "error names the key: %v", err)
		}
	}
	cfg := NewDefaultConfig()
	cfg.DSN = "postgres://u@127.0.0.1:1/db"
	cfg.Table, cfg.Schema = "Steps_2$", "_agent"
	require.NoError(t, cfg.Validate())
}

func TestEveryColumnNameIsAPlainIdentifier(t *testing.T) {
	for _, c := range columns {
		require.NoError(t, validIdentifier(c.name), c.name)
	}
	require.NoError(t, validIdentifier(incomingTable))
}

func TestValidateNeverShowsThePassword(t *testing.T) {
	for _, dsn := range []string{
		"postgres://steps:s3cret-pw@127.0.0.1:notaport/db",
		"host=127.0.0.1 password='s3cret-pw' port=notaport",
		"postgres://steps:s3cret-pw@[::1/db",
	} {
		cfg := NewDefaultConfig()
		cfg.DSN = configopaque.String(dsn)
		err := cfg.Validate()
		require.Error(t, err, dsn)
		require.Contains(t, err.Error(), "dsn cannot be parsed")
		require.NotContains(t, err.Error(), "s3cret-pw")
	}
}

func TestUnreachableServerIsRetryableAndRedacted(t *testing.T) {
	cfg := NewDefaultConfig()
	cfg.DSN = "postgres://steps:s3cret-pw@127.0.0.1:1/db?connect_timeout=2"
	_, err := New(context.Background(), cfg, zap.NewNop())
	require.Error(t, err)
	require.False(t, consumererror.IsPermanent(err))
	require.NotContains(t, err.Error(), "s3cret-pw")
}

func TestTLSBlockReplacesTheDSNsSSLMode(t *testing.T) {
	cfg := NewDefaultConfig()
	cfg.DSN = "postgres://u@db.example:5432/steps?sslmode=prefer"
	cfg.TLS.InsecureSkipVerify = true
	pc, err := poolConfig(context.Background(), &cfg)
	require.NoError(t, err)
	require.NotNil(t, pc.ConnConfig.TLSConfig)
	require.Equal(t, "db.example", pc.ConnConfig.TLSConfig.ServerName)
	for _, fb := range pc.ConnConfig.Fallbacks {
		require.NotNil(t, fb.TLSConfig, "no plaintext fallback with a tls block")
	}

	cfg.TLS.InsecureSkipVerify, cfg.TLS.Insecure = false, true
	pc, err = poolConfig(context.Background(), &cfg)
	require.NoError(t, err)
	require.Nil(t, pc.ConnConfig.TLSConfig)

	cfg.TLS.Insecure, cfg.TLS.CAFile = false, "/nonexistent/ca.pem"
	_, err = poolConfig(context.Background(), &cfg)
	require.ErrorContains(t, err, "tls")
}

func TestEmptyTLSBlockKeepsTheDSNsSSLMode(t *testing.T) {
	cfg := NewDefaultConfig()
	cfg.DSN = "postgres://u@127.0.0.1:5432/steps?sslmode=disable"
	pc, err := poolConfig(context.Background(), &cfg)
	require.NoError(t, err)
	require.Nil(t, pc.ConnConfig.TLSConfig)
}
