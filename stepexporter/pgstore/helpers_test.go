package pgstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.uber.org/zap"
)

// testDSN is the server scripts/pg.sh runs. Without it the tests skip on a
// developer's machine and fail where PostgreSQL is required (CI).
func testDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("AGENTSTEPS_PG_DSN")
	if dsn != "" {
		return dsn
	}
	const how = "run scripts/pg.sh start and export AGENTSTEPS_PG_DSN=$(scripts/pg.sh dsn)"
	if os.Getenv("CI") != "" || os.Getenv("AGENTSTEPS_REQUIRE_PG") != "" {
		tb.Fatal("AGENTSTEPS_PG_DSN is not set, and CI or AGENTSTEPS_REQUIRE_PG requires the PostgreSQL tests: " + how)
	}
	tb.Skip("AGENTSTEPS_PG_DSN is not set: " + how)
	return ""
}

// adminConn is a plain connection for setting up and inspecting tables.
func adminConn(tb testing.TB, dsn string) *pgx.Conn {
	tb.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// freshSchema makes an empty schema of its own for one test and drops it
// afterwards, so tests never see each other's rows.
func freshSchema(tb testing.TB, dsn string) string {
	tb.Helper()
	name := fmt.Sprintf("test_%016x", rand.Uint64())
	conn := adminConn(tb, dsn)
	tb.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+quote(name)+" CASCADE")
			_ = c.Close(context.Background())
		}
	})
	_, err := conn.Exec(context.Background(), "CREATE SCHEMA "+quote(name))
	require.NoError(tb, err)
	return name
}

func testConfig(dsn, schema string) Config {
	cfg := NewDefaultConfig()
	cfg.DSN = configopaque.String(dsn)
	cfg.Schema = schema
	return cfg
}

func openStore(tb testing.TB, cfg Config) *Store {
	tb.Helper()
	s, err := New(context.Background(), cfg, zap.NewNop())
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

// openFresh is an empty store in a schema of its own.
func openFresh(tb testing.TB) *Store {
	tb.Helper()
	dsn := testDSN(tb)
	return openStore(tb, testConfig(dsn, freshSchema(tb, dsn)))
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
