//go:build e2e && unix

package e2e

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/agentsteps/collector/stepexporter/store"
)

// openPostgres returns a reader of table, and drops the table when the test
// ends so that runs never see each other's rows.
func openPostgres(t *testing.T, dsn, table string) store.Reader {
	t.Helper()
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Logf("drop table %s: %v", table, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{table}.Sanitize()); err != nil {
			t.Logf("drop table %s: %v", table, err)
		}
	})
	t.Fatal("stepexporter/pgstore has not landed yet")
	return nil
}
