package pgstore

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/storetest"
)

// BenchmarkPostgresUpsert compares, for the same rows in the same run:
//   - raw: the driver's floor, pgx CopyFrom of the encoded rows into a plain
//     table with the same columns and a primary key on id;
//   - insert: Upsert of new ids (COPY, then INSERT ... ON CONFLICT);
//   - merge: Upsert of ids already present, so every row takes the merge.
//
// Run: scripts/pg.sh start && AGENTSTEPS_PG_DSN=$(scripts/pg.sh dsn) \
//
//	go test ./stepexporter/pgstore -run '^$' -bench PostgresUpsert -benchtime 5x
func BenchmarkPostgresUpsert(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		recs := storetest.BenchRecords(n)
		b.Run(fmt.Sprintf("raw/%d", n), func(b *testing.B) { benchRaw(b, recs) })
		b.Run(fmt.Sprintf("insert/%d", n), func(b *testing.B) { benchUpsert(b, recs, false) })
		b.Run(fmt.Sprintf("merge/%d", n), func(b *testing.B) { benchUpsert(b, recs, true) })
	}
}

func reportRate(b *testing.B, n int) {
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func benchUpsert(b *testing.B, recs []step.Step, merge bool) {
	s := openFresh(b)
	ctx := context.Background()
	round := 0
	storetest.SetBenchIDs(recs, round)
	if merge {
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
	dsn := testDSN(b)
	schema := freshSchema(b, dsn)
	s := openStore(b, testConfig(dsn, schema))
	ctx := context.Background()
	defs := make([]string, 0, len(columns))
	for _, c := range columns {
		defs = append(defs, quote(c.name)+" "+c.incomingType())
	}
	_, err := s.pool.Exec(ctx, "CREATE TABLE "+quote(schema, "raw")+" ("+strings.Join(defs, ", ")+`, PRIMARY KEY ("id"))`)
	require.NoError(b, err)
	round := 0
	for b.Loop() {
		round++
		storetest.SetBenchIDs(recs, round)
		rows := make([][]any, len(recs))
		for i := range recs {
			rows[i], err = encodeRow(&recs[i], s.target)
			require.NoError(b, err)
		}
		_, err := s.pool.CopyFrom(ctx, pgx.Identifier{schema, "raw"}, s.copyCols, pgx.CopyFromRows(rows))
		require.NoError(b, err)
	}
	reportRate(b, len(recs))
}
