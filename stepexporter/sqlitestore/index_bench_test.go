package sqlitestore

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/stepexporter/storetest"
)

// indexSets are the index sets BenchmarkSQLiteIndexCost writes through:
// the schema's; without the order indexes of steps serve; and with the
// single-column agent and run indexes of earlier versions, whose lookups
// the agent and run order indexes serve.
var indexSets = []struct{ name, sql string }{
	{"schema", ""},
	{"no-serve-indexes", `DROP INDEX steps_order; DROP INDEX steps_agent_order; DROP INDEX steps_run_order;
		DROP INDEX steps_conversation_order; DROP INDEX steps_model_order; DROP INDEX steps_provider_order;
		DROP INDEX steps_status_order; DROP INDEX steps_finish_order; DROP INDEX steps_feedback_order`},
	{"earlier-agent-run-indexes", `CREATE INDEX steps_agent_id ON steps (agent_id); CREATE INDEX steps_run_id ON steps (run_id)`},
}

// BenchmarkSQLiteIndexCost is the write cost of the indexes: Upsert of
// 10,000 new ids (insert) or present ids (merge) through each index set.
// Besides ns/op it reports cpu-ms/op, the process's CPU time per batch
// (getrusage), which a machine shared with other work disturbs far less
// than the wall clock; compare rows of one run.
//
// Run: go test ./stepexporter/sqlitestore -run '^$' -bench SQLiteIndexCost -benchtime 5x -count 3
func BenchmarkSQLiteIndexCost(b *testing.B) {
	recs := storetest.BenchRecords(10000)
	for _, kind := range []string{"insert", "merge"} {
		for _, set := range indexSets {
			b.Run(kind+"/"+set.name, func(b *testing.B) {
				s := benchOpen(b)
				ctx := context.Background()
				if set.sql != "" {
					_, err := s.db.ExecContext(ctx, set.sql)
					require.NoError(b, err)
				}
				round := 0
				storetest.SetBenchIDs(recs, round)
				if kind == "merge" {
					_, err := s.Upsert(ctx, recs)
					require.NoError(b, err)
				}
				start := cpuTime()
				for b.Loop() {
					if kind == "insert" {
						round++
						storetest.SetBenchIDs(recs, round)
					}
					_, err := s.Upsert(ctx, recs)
					require.NoError(b, err)
				}
				b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
				reportRate(b, len(recs))
			})
		}
	}
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
