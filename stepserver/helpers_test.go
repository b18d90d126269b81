package stepserver

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.uber.org/zap"

	"github.com/agentsteps/collector/stepexporter/pgstore"
	"github.com/agentsteps/collector/stepexporter/sqlitestore"
	"github.com/agentsteps/collector/stepexporter/store"
)

type backend interface {
	store.Store
	store.StepReader
}

// eachStore runs f against an empty SQLite store and an empty PostgreSQL
// store (scripts/pg.sh; skipped without AGENTSTEPS_PG_DSN unless CI or
// AGENTSTEPS_REQUIRE_PG asks for it).
func eachStore(t *testing.T, f func(t *testing.T, s backend)) {
	t.Run("sqlite", func(t *testing.T) { f(t, openSQLite(t, filepath.Join(t.TempDir(), "steps.db"))) })
	t.Run("postgres", func(t *testing.T) { f(t, openPostgres(t)) })
}

func openSQLite(t *testing.T, path string) *sqlitestore.Store {
	cfg := sqlitestore.NewDefaultConfig()
	cfg.Path = path
	s, err := sqlitestore.Open(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

func openPostgres(t *testing.T) *pgstore.Store {
	dsn := os.Getenv("AGENTSTEPS_PG_DSN")
	if dsn == "" {
		if os.Getenv("CI") != "" || os.Getenv("AGENTSTEPS_REQUIRE_PG") != "" {
			t.Fatal("AGENTSTEPS_PG_DSN is not set: run scripts/pg.sh start and export AGENTSTEPS_PG_DSN=$(scripts/pg.sh dsn)")
		}
		t.Skip("AGENTSTEPS_PG_DSN is not set: run scripts/pg.sh start and export AGENTSTEPS_PG_DSN=$(scripts/pg.sh dsn)")
	}
	ctx := context.Background()
	schema := fmt.Sprintf("serve_%016x", rand.Uint64())
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
		_ = conn.Close(context.Background())
	})
	cfg := pgstore.NewDefaultConfig()
	cfg.DSN = configopaque.String(dsn)
	cfg.Schema = schema
	s, err := pgstore.New(ctx, cfg, zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}
