package sqlitestore

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/storetest"
)

// BenchmarkSQLiteUpsert compares, for the same rows in the same run:
//   - raw: the driver's floor, a prepared plain INSERT in one transaction;
//   - insert: Upsert of new ids;
//   - merge: Upsert of ids already present (every row takes the merge path).
//
// Run: go test ./stepexporter/sqlitestore -run '^$' -bench SQLiteUpsert -benchtime 5x
func BenchmarkSQLiteUpsert(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		recs := storetest.BenchRecords(n)
		b.Run(fmt.Sprintf("raw/%d", n), func(b *testing.B) { benchRaw(b, recs) })
		b.Run(fmt.Sprintf("insert/%d", n), func(b *testing.B) { benchUpsert(b, recs, false) })
		b.Run(fmt.Sprintf("merge/%d", n), func(b *testing.B) { benchUpsert(b, recs, true) })
	}
}

func benchOpen(b *testing.B) *Store {
	cfg := NewDefaultConfig()
	cfg.Path = filepath.Join(b.TempDir(), "bench.db")
	s, err := Open(context.Background(), cfg)
	require.NoError(b, err)
	b.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

func benchUpsert(b *testing.B, recs []step.Step, merge bool) {
	s := benchOpen(b)
	ctx := context.Background()
	round := 0
	if merge {
		storetest.SetBenchIDs(recs, 0)
		_, err := s.Upsert(ctx, recs)
		require.NoError(b, err)
	}
	for b.Loop() {
		if !merge {
			round++
			storetest.SetBenchIDs(recs, round)
		}
		_, err := s.Upsert(ctx, recs)
		require.NoError(b, err)
	}
	reportRate(b, len(recs))
}

func benchRaw(b *testing.B, recs []step.Step) {
	s := benchOpen(b)
	ctx := context.Background()
	cols := columnList(false) + ", created_at, updated_at"
	marks := strings.TrimSuffix(strings.Repeat("?, ", strings.Count(cols, ",")+1), ", ")
	stmt, err := s.db.PrepareContext(ctx, "INSERT INTO steps ("+cols+") VALUES ("+marks+")")
	require.NoError(b, err)
	defer stmt.Close()
	args := make([]any, 0, len(columns)+2)
	round := 0
	for b.Loop() {
		round++
		storetest.SetBenchIDs(recs, round)
		tx, err := s.db.BeginTx(ctx, nil)
		require.NoError(b, err)
		txStmt := tx.StmtContext(ctx, stmt)
		for i := range recs {
			args = args[:0]
			for _, c := range columns {
				if c.merge != derived {
					args = append(args, c.arg(&recs[i]))
				}
			}
			args = append(args, "2026-01-01T00:00:00.000000Z", "2026-01-01T00:00:00.000000Z")
			_, err := txStmt.ExecContext(ctx, args...)
			require.NoError(b, err)
		}
		require.NoError(b, tx.Commit())
	}
	reportRate(b, len(recs))
}

func reportRate(b *testing.B, n int) {
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
