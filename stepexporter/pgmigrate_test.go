package stepexporter

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/pgstore"
	"github.com/agentsteps/collector/stepexporter/store"
	"github.com/agentsteps/collector/stepexporter/storetest"
)

// TestExporterStartsOnAPreviousTableHoldingATenKilobyteModel: a steps
// table from before steps serve (btrees on trace_id, agent_id, run_id and
// start_time only, no feedback_set_at) could hold a 10 kB model, and the
// migration that indexed model for the page then failed, so the exporter
// did not start. It starts, and a step with a 10 kB agent id goes in; both
// are found by their filters.
func TestExporterStartsOnAPreviousTableHoldingATenKilobyteModel(t *testing.T) {
	dsn, table := liveDSN(t), "previous_schema_long_model"
	dropTableAtCleanup(t, dsn, table)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pg := pgstore.NewDefaultConfig()
	pg.DSN, pg.Table = postgresConfig(dsn).Postgres.Get().DSN, table
	s, err := pgstore.New(ctx, pg, nil)
	require.NoError(t, err)
	require.NoError(t, s.Close(ctx))

	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1", table)
	require.NoError(t, err)
	indexes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	long := storetest.Incompressible(storetest.LongText)
	stmts := []string{"ALTER TABLE public." + table + " DROP COLUMN feedback_set_at"}
	for _, ix := range indexes {
		if ix != "ix_"+table+"_pkey" {
			stmts = append(stmts, "DROP INDEX public."+ix)
		}
	}
	for _, col := range []string{"trace_id", "agent_id", "run_id", "start_time"} {
		stmts = append(stmts, "CREATE INDEX ix_"+table+"_"+col+" ON public."+table+" ("+col+")")
	}
	stmts = append(stmts, "INSERT INTO public."+table+" (id, model, start_time, progression) VALUES ('step-old', '"+long+"', now(), 'finished')")
	for _, q := range stmts {
		_, err := conn.Exec(ctx, q)
		require.NoError(t, err, q)
	}

	cfg := postgresConfig(dsn)
	cfg.Postgres.Get().Table = table
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	exp := startExporter(t, cfg, nopSettings(), componenttest.NewNopHost())
	require.NoError(t, exp.ConsumeTraces(ctx, traces(t, spanSpec{anchor: &step.Step{ID: goodID, AgentID: long, Model: "gpt-4o"}})))
	require.NoError(t, exp.Shutdown(ctx))

	s, err = pgstore.New(ctx, pg, nil)
	require.NoError(t, err)
	defer s.Close(ctx)
	for _, c := range []struct {
		q  store.Query
		id string
	}{{store.Query{Model: long, Limit: 5}, "step-old"}, {store.Query{AgentID: long, Limit: 5}, goodID}} {
		got, err := s.List(ctx, c.q)
		require.NoError(t, err)
		require.Len(t, got, 1)
		require.Equal(t, c.id, got[0].ID)
	}
}
