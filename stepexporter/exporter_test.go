package stepexporter

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/httpstore"
)

const (
	idA = "step-0000000a-0000-4000-8000-00000000000a"
	idB = "step-0000000b-0000-4000-8000-00000000000b"
)

var traceA = "0102030000000000000000000000000a"

func lettaPending(id string) *step.Step {
	return &step.Step{ID: id, TraceID: traceA, SpanID: "0900000000000000", AgentID: "agent-1",
		Status: step.StatusPending, PromptTokens: step.Int(0), CompletionTokens: step.Int(0),
		Progression: step.ProgressionStepLogged, StartTime: 1_700_000_000_000_000_000}
}

func lettaSuccess(id string) step.Step {
	return step.Step{ID: id, Status: step.StatusSuccess, PromptTokens: step.Int(100),
		CompletionTokens: step.Int(20), StopReason: "end_turn", Progression: step.ProgressionFinished}
}

func TestFactoryCreatesAStepTracesExporter(t *testing.T) {
	f := NewFactory()
	require.Equal(t, "step", f.Type().String())
	require.Equal(t, component.StabilityLevelAlpha, f.TracesStability())
	err := f.CreateDefaultConfig().(*Config).Validate()
	require.ErrorContains(t, err, "set exactly one of sqlite, postgres, file, http (got none)")
}

func TestLifecycleStartConsumeShutdownWithTheDefaultQueue(t *testing.T) {
	cfg, path := sqliteConfig(t)
	cfg.QueueConfig = configoptional.Some(exporterhelper.NewDefaultQueueConfig())
	exp := startExporter(t, cfg, nopSettings(), componenttest.NewNopHost())
	require.NoError(t, exp.ConsumeTraces(context.Background(), traces(t, spanSpec{anchor: lettaPending(idA)})))
	require.NoError(t, exp.Shutdown(context.Background())) // drains the queue
	require.Contains(t, readSQLite(t, path, idA), idA)
}

func TestShutdownWithoutStartIsClean(t *testing.T) {
	cfg, _ := sqliteConfig(t)
	exp, err := NewFactory().CreateTraces(context.Background(), nopSettings(), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Shutdown(context.Background()))
}

func TestPushMergesTheBatchByIDAndFillsTraceURL(t *testing.T) {
	cfg, path := sqliteConfig(t)
	cfg.TraceURL = "http://127.0.0.1:16686/trace/{trace_id}"
	exp := startExporter(t, cfg, nopSettings(), componenttest.NewNopHost())
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()

	// The success update arrives as a late patch on another span of the batch.
	td := traces(t, spanSpec{anchor: lettaPending(idA)}, spanSpec{patches: []step.Step{lettaSuccess(idA)}})
	require.NoError(t, exp.ConsumeTraces(context.Background(), td))

	got := readSQLite(t, path, idA)[idA]
	require.Equal(t, step.StatusSuccess, got.Status)
	require.Equal(t, int64(120), *got.TotalTokens)
	require.Equal(t, "end_turn", got.StopReason)
	require.Equal(t, "http://127.0.0.1:16686/trace/"+traceA, got.TraceURL)
}

func TestRedeliveredAndOutOfOrderBatchesNeverRegressARow(t *testing.T) {
	cfg, path := sqliteConfig(t)
	exp := startExporter(t, cfg, nopSettings(), componenttest.NewNopHost())
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	ctx := context.Background()
	success := lettaSuccess(idA)
	require.NoError(t, exp.ConsumeTraces(ctx, traces(t, spanSpec{patches: []step.Step{success}})))
	require.NoError(t, exp.ConsumeTraces(ctx, traces(t, spanSpec{anchor: lettaPending(idA)})))
	require.NoError(t, exp.ConsumeTraces(ctx, traces(t, spanSpec{anchor: lettaPending(idA)})))

	got := readSQLite(t, path, idA)[idA]
	require.Equal(t, step.StatusSuccess, got.Status)
	require.Equal(t, int64(100), *got.PromptTokens)
	require.Equal(t, step.ProgressionFinished, got.Progression)
}

func TestBadPatchesAreRejectedAndTheRestOfTheBatchIsWritten(t *testing.T) {
	cfg, path := sqliteConfig(t)
	tel := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tel.Shutdown(context.Background())) }()
	set := nopSettings()
	set.TelemetrySettings = tel.NewTelemetrySettings()
	exp := startExporter(t, cfg, set, componenttest.NewNopHost())

	td := traces(t,
		spanSpec{anchor: lettaPending(idA)},
		spanSpec{raw: map[string]any{"step.id": idB, "step.status": "exploded"}}, // bad anchor
		spanSpec{raw: map[string]any{"step.prompt_tokens": 5}},                   // anchor without id
		spanSpec{raw: map[string]any{"step.patches": []any{map[string]any{"id": "x", "completion_tokens": -3}}}},
	)
	require.NoError(t, exp.ConsumeTraces(context.Background(), td))
	require.NoError(t, exp.Shutdown(context.Background()))

	got := readSQLite(t, path, idA, idB, "x")
	require.Contains(t, got, idA)
	require.Len(t, got, 1)
	requireCounter(t, tel, "otelcol_exporter_step_records_rejected", 3)
	requireCounter(t, tel, "otelcol_exporter_step_records_written", 1)
}

func TestMetricsCountWrittenAndMergedRecords(t *testing.T) {
	cfg, _ := sqliteConfig(t)
	tel := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tel.Shutdown(context.Background())) }()
	set := nopSettings()
	set.TelemetrySettings = tel.NewTelemetrySettings()
	exp := startExporter(t, cfg, set, componenttest.NewNopHost())
	ctx := context.Background()
	require.NoError(t, exp.ConsumeTraces(ctx, traces(t, spanSpec{anchor: lettaPending(idA)}, spanSpec{anchor: lettaPending(idB)})))
	require.NoError(t, exp.ConsumeTraces(ctx, traces(t, spanSpec{patches: []step.Step{lettaSuccess(idA)}})))
	require.NoError(t, exp.Shutdown(ctx))
	requireCounter(t, tel, "otelcol_exporter_step_records_written", 3)
	requireCounter(t, tel, "otelcol_exporter_step_records_merged", 1)
}

func TestUnwritableSQLitePathFailsStart(t *testing.T) {
	cfg, _ := sqliteConfig(t)
	cfg.SQLite.Get().Path = "/proc/steps/steps.db"
	exp, err := NewFactory().CreateTraces(context.Background(), nopSettings(), cfg)
	require.NoError(t, err)
	require.ErrorContains(t, exp.Start(context.Background(), componenttest.NewNopHost()), "/proc/steps/steps.db")
}

func TestPersistentQueueGoesThroughTheStorageExtension(t *testing.T) {
	cfg, path := sqliteConfig(t)
	q := exporterhelper.NewDefaultQueueConfig()
	id := component.MustNewID("file_storage")
	q.StorageID = &id
	cfg.QueueConfig = configoptional.Some(q)

	exp, err := NewFactory().CreateTraces(context.Background(), nopSettings(), cfg)
	require.NoError(t, err)
	require.ErrorContains(t, exp.Start(context.Background(), componenttest.NewNopHost()), "file_storage")

	disk := &memStorage{data: map[string][]byte{}}
	exp = startExporter(t, cfg, nopSettings(), hostWith{id: disk})
	require.NoError(t, exp.ConsumeTraces(context.Background(), traces(t, spanSpec{anchor: lettaPending(idA)})))
	require.NoError(t, exp.Shutdown(context.Background()))
	require.NotEmpty(t, disk.data, "the queue keeps its state in the extension")

	// A restarted exporter on the same storage delivers whatever the first
	// one had not written yet.
	exp = startExporter(t, cfg, nopSettings(), hostWith{id: disk})
	require.Eventually(t, func() bool { return len(readSQLite(t, path, idA)) == 1 }, 5*time.Second, 20*time.Millisecond)
	require.NoError(t, exp.Shutdown(context.Background()))
}

// httpConfig posts to url with no queue and fast retries.
func httpConfig(url string) *Config {
	cfg := createDefaultConfig().(*Config)
	h := httpstore.NewDefaultConfig()
	h.Endpoint = url
	cfg.HTTP = configoptional.Some(h)
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.RetryConfig.InitialInterval, cfg.RetryConfig.MaxInterval = 10*time.Millisecond, 20*time.Millisecond
	cfg.RetryConfig.MaxElapsedTime = 5 * time.Second
	return cfg
}

func TestHTTPBackendReceivesTheMergedRecords(t *testing.T) {
	var got []step.Step
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		require.NoError(t, json.NewDecoder(r.Body).Decode(&got))
	}))
	defer srv.Close()
	exp := startExporter(t, httpConfig(srv.URL), nopSettings(), componenttest.NewNopHost())
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	td := traces(t, spanSpec{anchor: lettaPending(idA)}, spanSpec{patches: []step.Step{lettaSuccess(idA)}})
	require.NoError(t, exp.ConsumeTraces(context.Background(), td))
	require.Len(t, got, 1)
	require.Equal(t, step.StatusSuccess, got[0].Status)
}

func TestHTTPServerErrorIsRetriedUntilAccepted(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	exp := startExporter(t, httpConfig(srv.URL), nopSettings(), componenttest.NewNopHost())
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	require.NoError(t, exp.ConsumeTraces(context.Background(), traces(t, spanSpec{anchor: lettaPending(idA)})))
	require.Equal(t, int32(3), calls.Load())
}

func TestHTTPClientErrorIsPermanentAndNotRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer srv.Close()
	tel := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tel.Shutdown(context.Background())) }()
	set := nopSettings()
	set.TelemetrySettings = tel.NewTelemetrySettings()
	exp := startExporter(t, httpConfig(srv.URL), set, componenttest.NewNopHost())
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	err := exp.ConsumeTraces(context.Background(), traces(t, spanSpec{anchor: lettaPending(idA)}))
	require.True(t, consumererror.IsPermanent(err))
	require.Equal(t, int32(1), calls.Load())
	requireCounter(t, tel, "otelcol_exporter_step_records_rejected", 1)
}

func TestHTTPSlowServerIsBoundedByTheTimeout(t *testing.T) {
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
	cfg.TimeoutConfig.Timeout = 100 * time.Millisecond
	cfg.RetryConfig.Enabled = false
	exp := startExporter(t, cfg, nopSettings(), componenttest.NewNopHost())
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	start := time.Now()
	err := exp.ConsumeTraces(context.Background(), traces(t, spanSpec{anchor: lettaPending(idA)}))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 3*time.Second)
}

func TestHTTPGarbageResponseIsRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			require.NoError(t, err)
			_, _ = conn.Write([]byte("garbage\r\n\r\n"))
			_ = conn.Close()
		}
	}))
	defer srv.Close()
	exp := startExporter(t, httpConfig(srv.URL), nopSettings(), componenttest.NewNopHost())
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	require.NoError(t, exp.ConsumeTraces(context.Background(), traces(t, spanSpec{anchor: lettaPending(idA)})))
	require.Equal(t, int32(2), calls.Load())
}

func requireCounter(t *testing.T, tel *componenttest.Telemetry, name string, want int64) {
	t.Helper()
	m, err := tel.GetMetric(name)
	require.NoError(t, err)
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is a sum", name)
	var got int64
	for _, dp := range sum.DataPoints {
		got += dp.Value
	}
	require.Equal(t, want, got, name)
}
