package stepexporter

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/filestore"
	"github.com/agentsteps/collector/stepexporter/pgstore"
	"github.com/agentsteps/collector/stepexporter/sqlitestore"
	"github.com/agentsteps/collector/stepexporter/store"
	"github.com/agentsteps/collector/stepexporter/storetest"
)

const (
	goodID     = "step-11111111-1111-4111-8111-111111111111"
	laterID    = "step-22222222-2222-4222-8222-222222222222"
	hugeText   = 1 << 20
	deepLevels = 10_000
)

// goodStep is the record that must come through untouched next to the
// absurd ones.
func goodStep(id string) *step.Step {
	return &step.Step{ID: id, Model: "gpt-4o", ProviderName: "openai", PromptTokens: step.Int(10),
		CompletionTokens: step.Int(5), Status: step.StatusSuccess, Tags: []string{"prod"},
		StartTime: 1767225600000000000, EndTime: 1767225601000000000, Source: "genai"}
}

// deepSlice nests a string deepLevels arrays down.
func deepSlice() any {
	var v any = "x"
	for range deepLevels {
		v = []any{v}
	}
	return v
}

// absurdSpans carry, next to a good anchor, step.* values that no
// processor writes but a hostile or broken sender may: huge and invalid
// UTF-8 text, NUL bytes, NaN, infinite and negative counts, ids of the
// wrong length, deep arrays, and keys that are not UTF-8.
func absurdSpans() []spanSpec {
	return []spanSpec{
		{anchor: goodStep(goodID)},
		{anchor: &step.Step{ID: "step-huge-" + storetest.Incompressible(8000), Model: "m"}},
		{anchor: &step.Step{ID: "s", Model: strings.Repeat("m", hugeText), ErrorData: &step.ErrorData{Message: strings.Repeat("e", hugeText)}}},
		{anchor: &step.Step{ID: "step-utf8-\xff\xfe", Model: "gpt-\xc3\x28", Tags: []string{"\xff", "ok"},
			ErrorData: &step.ErrorData{Message: "nul\x00byte", Details: "{\"a\": \"\xff\"}"}}},
		{raw: map[string]any{"step.id": "step-nan", "step.prompt_tokens": math.NaN()}},
		{raw: map[string]any{"step.id": "step-inf", "step.completion_tokens": math.Inf(1)}},
		{raw: map[string]any{"step.id": "step-negative", "step.total_tokens": -5}},
		{raw: map[string]any{"step.id": "step-deep", "step.tags": deepSlice()}},
		{raw: map[string]any{"step.id": "step-bad-key", "step.\xff\xfe": "x", "step.model": "m"}},
		{raw: map[string]any{"step.id": 12345, "step.start_time": -1}},
		{raw: map[string]any{"step.patches": []any{deepSlice(), map[string]any{"id": ""}, "not a map"}}},
	}
}

// backendUnderTest writes with one backend and reads back what it stored.
type backendUnderTest struct {
	name string
	cfg  func(t *testing.T) *Config
	read func(t *testing.T, ids ...string) map[string]step.Step
}

func badInputBackends(t *testing.T) []backendUnderTest {
	dir := t.TempDir()
	sqlitePath, filePath := filepath.Join(dir, "steps.db"), filepath.Join(dir, "steps.jsonl")
	var mu sync.Mutex
	posted := map[string]*step.Step{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var got []step.Step
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for i := range got {
			step.MergeInto(posted, &got[i])
		}
	}))
	t.Cleanup(srv.Close)
	table := "bad_input_" + strings.ReplaceAll(t.Name(), "/", "_")
	return []backendUnderTest{
		{name: "sqlite", cfg: func(*testing.T) *Config {
			cfg := createDefaultConfig().(*Config)
			cfg.SQLite = configoptional.Some(sqlitestore.Config{Path: sqlitePath})
			return cfg
		}, read: func(t *testing.T, ids ...string) map[string]step.Step { return readSQLite(t, sqlitePath, ids...) }},
		{name: "file", cfg: func(*testing.T) *Config {
			cfg := createDefaultConfig().(*Config)
			cfg.File = configoptional.Some(filestore.Config{Path: filePath, MaxBytes: 100 << 20, MaxBackups: 1})
			return cfg
		}, read: func(t *testing.T, ids ...string) map[string]step.Step {
			s, err := filestore.Open(filestore.Config{Path: filePath, MaxBytes: 100 << 20, MaxBackups: 1})
			require.NoError(t, err)
			defer s.Close(context.Background())
			return getAll(t, s, ids)
		}},
		{name: "http", cfg: func(*testing.T) *Config { return httpConfig(srv.URL) },
			read: func(_ *testing.T, ids ...string) map[string]step.Step {
				mu.Lock()
				defer mu.Unlock()
				out := map[string]step.Step{}
				for _, id := range ids {
					if r := posted[id]; r != nil {
						out[id] = *r
					}
				}
				return out
			}},
		{name: "postgres", cfg: func(t *testing.T) *Config {
			dropTableAtCleanup(t, liveDSN(t), table)
			cfg := postgresConfig(liveDSN(t))
			cfg.Postgres.Get().Table = table
			return cfg
		}, read: func(t *testing.T, ids ...string) map[string]step.Step {
			pg := pgstore.NewDefaultConfig()
			pg.DSN, pg.Table = postgresConfig(liveDSN(t)).Postgres.Get().DSN, table
			s, err := pgstore.New(context.Background(), pg, nil)
			require.NoError(t, err)
			defer s.Close(context.Background())
			return getAll(t, s, ids)
		}},
	}
}

type readerStore interface {
	store.Reader
	store.Store
}

func getAll(t *testing.T, s readerStore, ids []string) map[string]step.Step {
	got, err := s.Get(context.Background(), ids)
	require.NoError(t, err)
	out := map[string]step.Step{}
	for _, g := range got {
		out[g.ID] = g
	}
	return out
}

// TestAbsurdStepValuesNeverCostTheOtherRecords sends absurd step.* values
// to every backend, with the default queue and retries, next to a good
// record, and then a second good batch. Nothing crashes, both good records
// are stored exactly, and shutdown ends within its deadline.
func TestAbsurdStepValuesNeverCostTheOtherRecords(t *testing.T) {
	for _, b := range badInputBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			cfg := b.cfg(t)
			cfg.RetryConfig.InitialInterval, cfg.RetryConfig.MaxInterval = 10*time.Millisecond, 50*time.Millisecond
			cfg.RetryConfig.MaxElapsedTime = 2 * time.Second
			cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
			exp := startExporter(t, cfg, nopSettings(), componenttest.NewNopHost())
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()

			td := traces(t, absurdSpans()...)
			err := returnsWithin(t, 20*time.Second, "ConsumeTraces", func() error { return exp.ConsumeTraces(ctx, td) })
			t.Logf("the absurd batch: %v", err)
			if err != nil {
				// Some backend refused part of the batch as data: that is
				// permanent, never a retry loop, and the rest was written.
				require.True(t, consumererror.IsPermanent(err), "%v", err)
			}
			require.NoError(t, exp.ConsumeTraces(ctx, traces(t, spanSpec{anchor: goodStep(laterID)})))
			require.NoError(t, returnsWithin(t, 10*time.Second, "Shutdown", func() error { return exp.Shutdown(ctx) }))

			got := b.read(t, goodID, laterID)
			for _, id := range []string{goodID, laterID} {
				want := *goodStep(id)
				want.Finalize()
				require.Contains(t, got, id)
				g := got[id]
				require.Equal(t, want.Model, g.Model)
				require.Equal(t, want.PromptTokens, g.PromptTokens)
				require.Equal(t, want.TotalTokens, g.TotalTokens)
				require.Equal(t, want.Status, g.Status)
				require.Equal(t, want.Tags, g.Tags)
			}
		})
	}
}

func dropTableAtCleanup(t *testing.T, dsn, table string) {
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dsn)
		require.NoError(t, err)
		defer conn.Close(context.Background())
		_, err = conn.Exec(context.Background(), "DROP TABLE IF EXISTS public."+table)
		require.NoError(t, err)
	})
}

// TestPostgresIDTooLongForTheIndexIsRejectedAlone: a step id longer than
// PostgreSQL's primary key index takes (SQLSTATE 54000) failed the whole
// batch as retryable, so the good records beside it were retried until
// dropped, or forever with a persistent queue.
func TestPostgresIDTooLongForTheIndexIsRejectedAlone(t *testing.T) {
	dsn, table := liveDSN(t), "bad_input_long_id"
	dropTableAtCleanup(t, dsn, table)
	cfg := postgresConfig(dsn)
	cfg.Postgres.Get().Table = table
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.RetryConfig.Enabled = false
	exp := startExporter(t, cfg, nopSettings(), componenttest.NewNopHost())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := exp.ConsumeTraces(ctx, traces(t, spanSpec{anchor: goodStep(goodID)},
		spanSpec{anchor: &step.Step{ID: "step-" + storetest.Incompressible(8000)}}))
	require.True(t, consumererror.IsPermanent(err), "%v", err)
	require.ErrorContains(t, err, "1 record(s) rejected")
	require.NoError(t, returnsWithin(t, 10*time.Second, "Shutdown", func() error { return exp.Shutdown(ctx) }))

	pg := pgstore.NewDefaultConfig()
	pg.DSN, pg.Table = cfg.Postgres.Get().DSN, table
	s, err := pgstore.New(ctx, pg, nil)
	require.NoError(t, err)
	defer s.Close(ctx)
	require.Contains(t, getAll(t, s, []string{goodID}), goodID)
}

// TestHTTPBackendThatNeverAnswersCannotHangShutdown queues batches for a
// server that accepts connections and never answers, with the default
// in-memory queue and retries: shutdown still ends within its deadline.
func TestHTTPBackendThatNeverAnswersCannotHangShutdown(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	cfg := httpConfig(srv.URL)
	cfg.QueueConfig = createDefaultConfig().(*Config).QueueConfig
	cfg.TimeoutConfig.Timeout = 200 * time.Millisecond
	cfg.RetryConfig.MaxElapsedTime = time.Hour
	exp := startExporter(t, cfg, nopSettings(), componenttest.NewNopHost())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 5 {
		id := fmt.Sprintf("step-%08d-1111-4111-8111-111111111111", i)
		require.NoError(t, exp.ConsumeTraces(ctx, traces(t, spanSpec{anchor: goodStep(id)})), "the queue takes it")
	}
	require.NoError(t, returnsWithin(t, 5*time.Second, "Shutdown", func() error { return exp.Shutdown(ctx) }))
}

// returnsWithin runs fn and fails the test if it has not returned within
// d: a hang fails in d, not at the test binary's timeout.
func returnsWithin(t *testing.T, d time.Duration, what string, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("%s did not return within %s", what, d)
		return nil
	}
}
