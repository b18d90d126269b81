package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.uber.org/zap"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/pgstore"
)

// postgresDSN is the test server of scripts/pg.sh; without it the test is
// skipped, unless AGENTSTEPS_REQUIRE_PG=1 (make test, CI) makes that a failure.
func postgresDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("AGENTSTEPS_PG_DSN")
	if dsn == "" {
		msg := "AGENTSTEPS_PG_DSN is not set; run scripts/pg.sh start and export AGENTSTEPS_PG_DSN=$(scripts/pg.sh dsn)"
		if os.Getenv("AGENTSTEPS_REQUIRE_PG") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dsn
}

// freshTable names a table of this test alone and drops it at the end.
func freshTable(t *testing.T, dsn string) string {
	t.Helper()
	table := fmt.Sprintf("steps_list_test_%08x", rand.Uint32())
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, dsn)
		require.NoError(t, err)
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{"public", table}.Sanitize())
		require.NoError(t, err)
	})
	return table
}

func TestListReadsThePostgresTableOfTheExporter(t *testing.T) {
	dsn := postgresDSN(t)
	table := freshTable(t, dsn)
	cfg := pgstore.NewDefaultConfig()
	cfg.DSN = configopaque.String(dsn)
	cfg.Table = table
	s, err := pgstore.New(context.Background(), cfg, zap.NewNop())
	require.NoError(t, err)
	a := stepAt("step-00000000-0000-4000-8000-0000000000a1", t0, "gpt-4o")
	b := stepAt("step-00000000-0000-4000-8000-0000000000b2", t0.Add(time.Hour), "gpt-4o")
	_, err = s.Upsert(context.Background(), []step.Step{a, b})
	require.NoError(t, err)
	require.NoError(t, s.Close(context.Background()))

	code, stdout, stderr := runListArgs("--postgres", dsn, "--table", table, "--json")
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	require.Len(t, lines, 2)
	var first map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	require.Equal(t, b.ID, first["id"], "newest first")

	code, stdout, stderr = runListArgs("--postgres", dsn, "--table", table)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, a.ID)
}

func TestListOfAMissingPostgresTableFailsAndCreatesNothing(t *testing.T) {
	dsn := postgresDSN(t)
	table := freshTable(t, dsn)

	code, _, stderr := runListArgs("--postgres", dsn, "--table", table)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, table)

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var exists bool
	require.NoError(t, conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", "public."+table).Scan(&exists))
	require.False(t, exists, "steps list must not create the table")
}
