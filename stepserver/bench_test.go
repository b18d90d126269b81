package stepserver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/sqlitestore"
)

// benchSteps is the store size the issue sets: every request the page
// makes must be answered in at most 300 ms of server time at 1,000,000
// steps in SQLite. BENCH_SERVE_STEPS overrides it for a quick look.
func benchSteps() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_SERVE_STEPS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// benchRecord is step i of a store of n: runs of 10 steps a second apart
// on one trace, 200 agents, 8 models on 3 providers, 2% failed, 0.1% with
// feedback, over 30 days ending now.
func benchRecord(i, n int, end time.Time) step.Step {
	run := i / 10
	start := end.Add(-30 * 24 * time.Hour).Add(time.Duration(int64(30*24*time.Hour) / int64(n) * int64(i)))
	models := []string{"gpt-4o", "gpt-4o-mini", "o4-mini", "gpt-4.1", "claude-sonnet-4-5", "claude-haiku-4-5", "gemini-2.5-pro", "gemini-2.5-flash"}
	s := step.Step{
		ID:             fmt.Sprintf("step-%08x-0000-4000-8000-%012x", i*2654435761%(1<<32), i),
		AgentID:        fmt.Sprintf("agent-%03d", run%200),
		RunID:          fmt.Sprintf("run-%08d", run),
		TraceID:        fmt.Sprintf("%032x", run),
		ConversationID: fmt.Sprintf("conv-%06d", run/5),
		Model:          models[i%8],
		ProviderName:   []string{"openai", "openai", "openai", "openai", "anthropic", "anthropic", "gcp.gemini", "gcp.gemini"}[i%8],
		Status:         step.StatusSuccess, FinishReason: "stop",
		PromptTokens: step.Int(int64(500 + i%3000)), CompletionTokens: step.Int(int64(20 + i%400)),
		CachedInputTokens: step.Int(int64(i % 256)),
		StartTime:         step.Time(start.UnixNano()), EndTime: step.Time(start.Add(time.Duration(300+i%4000) * time.Millisecond).UnixNano()),
		TraceURL: fmt.Sprintf("http://127.0.0.1:16686/trace/%032x", run),
	}
	if i%1000 == 3 {
		s.Feedback = []string{"positive", "negative"}[i/1000%2]
	}
	if i%50 == 7 {
		s.Status, s.FinishReason, s.ErrorType = step.StatusFailed, "error", "RateLimitError"
		s.ErrorData = &step.ErrorData{Message: "rate limited"}
	}
	s.Finalize()
	return s
}

// BenchmarkServePageRequests answers, over one SQLite store of 1,000,000
// steps, each request the page makes (app.js): the overview's pages of
// 1,000, the table's first, filtered and later pages, a step with its run's
// and trace's steps, the failed steps; and Letta's client's list. ns/op is
// the server time of one request (the handler, store included, without
// the network).
//
// Run: go test ./stepserver -run '^$' -bench ServePageRequests -benchtime 20x
// (filling the store takes a few minutes once per run).
func BenchmarkServePageRequests(b *testing.B) {
	n := benchSteps()
	ctx := context.Background()
	cfg := sqlitestore.NewDefaultConfig()
	cfg.Path = filepath.Join(b.TempDir(), "steps.db")
	s, err := sqlitestore.Open(ctx, cfg)
	require.NoError(b, err)
	b.Cleanup(func() { _ = s.Close(ctx) })
	end := time.Now().UTC()
	batch := make([]step.Step, 0, 10_000)
	for i := range n {
		batch = append(batch, benchRecord(i, n, end))
		if len(batch) == cap(batch) || i == n-1 {
			_, err := s.Upsert(ctx, batch)
			require.NoError(b, err)
			batch = batch[:0]
		}
	}
	mid := benchRecord(n/2, n, end)
	lastOfFirstPage := benchRecord(n-50, n, end) // the table's 50th newest
	deep := benchRecord(n/3, n, end)             // the overview's tenth page reads 10,000 back; this reads far deeper
	h := New(NewDefaultConfig(), s, nil)
	day := url.QueryEscape(end.Add(-24 * time.Hour).Format(time.RFC3339))
	requests := []struct{ name, path string }{
		{"overview/all/first-1000", "/v1/steps/?limit=1000"},
		{"overview/all/after-deep", "/v1/steps/?limit=1000&after=" + deep.ID},
		{"overview/24h/first-1000", "/v1/steps/?limit=1000&start_date=" + day},
		{"table/first-50", "/v1/steps/?limit=50"},
		{"table/next-50", "/v1/steps/?limit=50&after=" + lastOfFirstPage.ID},
		{"table/prev-50", "/v1/steps/?limit=50&before=" + mid.ID},
		{"table/agent", "/v1/steps/?limit=50&agent_id=" + mid.AgentID},
		{"table/run", "/v1/steps/?limit=50&run_id=" + mid.RunID},
		{"table/conversation", "/v1/steps/?limit=50&conversation_id=" + mid.ConversationID},
		{"table/model", "/v1/steps/?limit=50&model=gemini-2.5-pro"},
		{"table/provider+status", "/v1/steps/?limit=50&provider_name=anthropic&status=failed"},
		{"table/finish_reason", "/v1/steps/?limit=50&finish_reason=error"},
		{"table/dates", "/v1/steps/?limit=50&start_date=" + day + "&end_date=" + url.QueryEscape(end.Format(time.RFC3339))},
		{"table/no-match", "/v1/steps/?limit=50&model=no-such-model"},
		{"step/retrieve", "/v1/steps/" + mid.ID},
		{"step/run-steps", "/v1/runs/" + mid.RunID + "/steps?order=asc&limit=200"},
		{"step/trace-steps", "/v1/steps/?order=asc&limit=200&trace_ids=" + mid.TraceID},
		{"failed/200", "/v1/steps/?status=failed&limit=200"},
		{"letta/feedback", "/v1/steps/?has_feedback=true&limit=50"},
		{"page/index", "/"},
	}
	for _, r := range requests {
		b.Run(r.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, r.path, nil)
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", r.path, w.Code, w.Body.String())
				}
			}
		})
	}
}
