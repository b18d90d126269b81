//go:build e2e && unix

package e2e

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/agentsteps/collector/stepexporter/pgstore"
	"github.com/agentsteps/collector/stepexporter/store"
)

// dropTableAtEnd drops the run's table when the test ends, however it ends,
// so that runs never see each other's rows.
func dropTableAtEnd(t *testing.T, dsn, table string) {
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("drop table %s: %v", table, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{"public", table}.Sanitize()); err != nil {
			t.Errorf("drop table %s: %v", table, err)
		}
	})
}

// openPostgres reads the table the collector's exporter created.
func openPostgres(t *testing.T, dsn, table string) store.Reader {
	t.Helper()
	cfg := pgstore.NewDefaultConfig()
	cfg.DSN = configopaque.String(dsn)
	cfg.Table = table
	cfg.CreateSchema = false
	s, err := pgstore.Open(context.Background(), cfg, componenttest.NewNopTelemetrySettings())
	require.NoError(t, err, "open PostgreSQL table %s", table)
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}
