package stepserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/store"
	"github.com/agentsteps/collector/stepexporter/storetest"
)

// serve fills s with storetest.ListRecords and one step whose model and
// agent are markup, and serves it.
func serve(t *testing.T, s backend, cfg Config) (*httptest.Server, []step.Step) {
	recs := storetest.ListRecords(30)
	evil := step.Step{ID: "step-evil", Model: `<script>alert(1)</script>`, AgentID: `"><img src=x onerror=alert(1)>`,
		StartTime: storetest.ListBase - step.Time(time.Hour)}
	evil.Finalize()
	recs = append(recs, evil)
	_, err := s.Upsert(context.Background(), recs)
	require.NoError(t, err)
	srv := httptest.NewServer(New(cfg, s, zap.NewNop()))
	t.Cleanup(srv.Close)
	return srv, recs
}

func do(t *testing.T, method, u, body string, hdr ...string) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b, resp.Header
}

func getSteps(t *testing.T, u string) []step.Step {
	t.Helper()
	code, b, _ := do(t, "GET", u, "")
	require.Equal(t, http.StatusOK, code, string(b))
	var out []step.Step
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

func stepIDs(recs []step.Step) []string {
	out := []string{}
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}

func TestListAnswersLettasFiltersAsTheStore(t *testing.T) {
	eachStore(t, func(t *testing.T, s backend) {
		srv, recs := serve(t, s, NewDefaultConfig())
		at := func(i int) time.Time {
			return time.Unix(0, int64(storetest.ListBase)).Add(time.Duration(i) * time.Second)
		}
		yes, no := true, false
		cases := []struct {
			query string
			q     store.Query
		}{
			{"", store.Query{}},
			{"limit=5&order=asc", store.Query{Limit: 5, Ascending: true}},
			{"agent_id=agent-1", store.Query{AgentID: "agent-1"}},
			{"model=gpt-4o", store.Query{Model: "gpt-4o"}},
			{"project_id=proj-a", store.Query{ProjectID: "proj-a"}},
			{"feedback=negative", store.Query{Feedback: "negative"}},
			{"has_feedback=true", store.Query{HasFeedback: &yes}},
			{"has_feedback=false", store.Query{HasFeedback: &no}},
			{"trace_ids=" + fmt.Sprintf("%032x", 2) + "&trace_ids=" + fmt.Sprintf("%032x", 5), store.Query{TraceIDs: []string{fmt.Sprintf("%032x", 2), fmt.Sprintf("%032x", 5)}}},
			{"tags=a&tags=b", store.Query{Tags: []string{"a", "b"}}},
			{"start_date=" + url.QueryEscape(at(4).Format(time.RFC3339)) + "&end_date=" + url.QueryEscape(at(20).In(time.FixedZone("", -8*3600)).Format(time.RFC3339)),
				store.Query{Start: at(4), End: at(20)}},
			{"after=" + recs[10].ID + "&limit=4", store.Query{After: recs[10].ID, Limit: 4}},
			{"before=" + recs[10].ID + "&limit=4", store.Query{Before: recs[10].ID, Limit: 4}},
			{"model=" + url.QueryEscape("<script>alert(1)</script>"), store.Query{Model: "<script>alert(1)</script>"}},
			{"status=failed&provider_name=openai", store.Query{Status: "failed", ProviderName: "openai"}},
			{"run_id=run-3&conversation_id=conv-1&finish_reason=length", store.Query{RunID: "run-3", ConversationID: "conv-1", FinishReason: "length"}},
		}
		for _, c := range cases {
			if c.q.Limit == 0 {
				c.q.Limit = defaultLimit
			}
			want, err := storetest.Want(recs, c.q)
			require.NoError(t, err)
			got := getSteps(t, srv.URL+"/v1/steps/?"+c.query)
			require.Equal(t, stepIDs(want), stepIDs(got), c.query)
			stored, err := s.Get(context.Background(), stepIDs(want))
			require.NoError(t, err)
			byID := map[string]step.Step{}
			for _, r := range stored {
				byID[r.ID] = r
			}
			for _, g := range got {
				require.Equal(t, byID[g.ID], g, "%s: %s as the store holds it", c.query, g.ID)
			}
		}
		// Without the trailing slash too; an empty answer is [].
		code, b, _ := do(t, "GET", srv.URL+"/v1/steps?agent_id=nobody", "")
		require.Equal(t, http.StatusOK, code)
		require.Equal(t, "[]\n", string(b))
	})
}

// TestTenKilobyteModelAndAgentAreFoundByTheAPIFilter: a step whose model
// and agent id are 10 kB (far over a PostgreSQL btree entry) is stored, and
// GET /v1/steps/ finds it by each, and not the step whose values differ in
// the last byte only.
func TestTenKilobyteModelAndAgentAreFoundByTheAPIFilter(t *testing.T) {
	eachStore(t, func(t *testing.T, s backend) {
		srv, _ := serve(t, s, NewDefaultConfig())
		long := storetest.Incompressible(storetest.LongText)
		near := long[:len(long)-1] + "!"
		_, err := s.Upsert(context.Background(), []step.Step{{ID: "step-long", Model: long, AgentID: long},
			{ID: "step-near", Model: near, AgentID: near}})
		require.NoError(t, err)
		for _, query := range []string{"model=" + long, "agent_id=" + long, "model=" + long + "&agent_id=" + long} {
			got := getSteps(t, srv.URL+"/v1/steps/?"+query)
			require.Equal(t, []string{"step-long"}, stepIDs(got), "%.40s", query)
			require.Equal(t, long, got[0].Model)
		}
		require.Equal(t, []string{"step-near"}, stepIDs(getSteps(t, srv.URL+"/v1/steps/?model="+url.QueryEscape(near))))
	})
}

func TestRecordsAreInLettasStepShapeAndMarkupIsEscaped(t *testing.T) {
	eachStore(t, func(t *testing.T, s backend) {
		srv, _ := serve(t, s, NewDefaultConfig())
		code, b, h := do(t, "GET", srv.URL+"/v1/steps/step-evil", "")
		require.Equal(t, http.StatusOK, code)
		require.Equal(t, "application/json", h.Get("Content-Type"))
		require.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
		require.NotContains(t, string(b), "<script>")
		require.NotContains(t, string(b), "<img")
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		require.Equal(t, "<script>alert(1)</script>", m["model"])
		for _, k := range []string{"id", "agent_id", "run_id", "trace_id", "model", "prompt_tokens", "completion_tokens",
			"total_tokens", "stop_reason", "status", "feedback", "error_type", "error_data", "project_id"} {
			require.Contains(t, m, k, "Letta's Step always has %s", k)
		}
		require.Equal(t, []any{}, m["tags"])
	})
}

func TestPagingForwardAndBackToTheEnd(t *testing.T) {
	eachStore(t, func(t *testing.T, s backend) {
		srv, recs := serve(t, s, NewDefaultConfig())
		all, _ := storetest.Want(recs, store.Query{Limit: 1000})
		var seen []string
		u := srv.URL + "/v1/steps/?limit=7"
		for {
			page := getSteps(t, u)
			if len(page) == 0 {
				break
			}
			seen = append(seen, stepIDs(page)...)
			u = srv.URL + "/v1/steps/?limit=7&after=" + page[len(page)-1].ID
		}
		require.Equal(t, stepIDs(all), seen)
		var back []string
		u = srv.URL + "/v1/steps/?limit=7&before=" + all[len(all)-1].ID
		for {
			page := getSteps(t, u)
			if len(page) == 0 {
				break
			}
			back = append(stepIDs(page), back...)
			u = srv.URL + "/v1/steps/?limit=7&before=" + page[0].ID
		}
		require.Equal(t, stepIDs(all[:len(all)-1]), back)
	})
}

func TestFeedbackIsStoredClearedAndSurvivesMerges(t *testing.T) {
	eachStore(t, func(t *testing.T, s backend) {
		srv, recs := serve(t, s, NewDefaultConfig())
		id := recs[0].ID // feedback "" from spans
		code, b, _ := do(t, "PATCH", srv.URL+"/v1/steps/"+id+"/feedback", `{"feedback":"negative","tags":["bad-answer"]}`,
			"Content-Type", "application/json")
		require.Equal(t, http.StatusOK, code, string(b))
		var got step.Step
		require.NoError(t, json.Unmarshal(b, &got))
		require.Equal(t, "negative", got.Feedback)
		require.Equal(t, []string{"bad-answer"}, got.Tags)
		// A later merge from spans says positive: the API's feedback stays.
		_, err := s.Upsert(context.Background(), []step.Step{{ID: id, Feedback: "positive"}})
		require.NoError(t, err)
		require.Equal(t, "negative", getSteps(t, srv.URL+"/v1/steps/?feedback=negative&limit=1000")[0].Feedback)
		require.Contains(t, stepIDs(getSteps(t, srv.URL+"/v1/steps/?feedback=negative&limit=1000")), id)
		// Cleared with null; empty tags keep the tags.
		code, b, _ = do(t, "PATCH", srv.URL+"/v1/steps/"+id+"/feedback", `{"feedback":null,"tags":[]}`)
		require.Equal(t, http.StatusOK, code, string(b))
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		require.Nil(t, m["feedback"])
		require.Equal(t, []any{"bad-answer"}, m["tags"])
		for _, bad := range []string{`{"feedback":"meh"}`, `{"feedback":1}`, `not json`} {
			code, b, _ = do(t, "PATCH", srv.URL+"/v1/steps/"+id+"/feedback", bad)
			require.Equal(t, http.StatusUnprocessableEntity, code, bad)
			require.Contains(t, string(b), "feedback")
		}
		code, _, _ = do(t, "PATCH", srv.URL+"/v1/steps/step-nope/feedback", `{"feedback":"positive"}`)
		require.Equal(t, http.StatusNotFound, code)
	})
}

func TestFeedbackSurvivesARestart(t *testing.T) {
	path := t.TempDir() + "/steps.db"
	s := openSQLite(t, path)
	srv, recs := serve(t, s, NewDefaultConfig())
	code, _, _ := do(t, "PATCH", srv.URL+"/v1/steps/"+recs[3].ID+"/feedback", `{"feedback":"positive"}`)
	require.Equal(t, http.StatusOK, code)
	srv.Close()
	require.NoError(t, s.Close(context.Background()))
	s2 := openSQLite(t, path)
	srv2 := httptest.NewServer(New(NewDefaultConfig(), s2, nil))
	defer srv2.Close()
	require.Equal(t, "positive", getSteps(t, srv2.URL+"/v1/steps/?limit=1000&has_feedback=true&agent_id="+recs[3].AgentID+
		"&model="+recs[3].Model+"&trace_ids="+recs[3].TraceID)[0].Feedback)
}

func TestMetricsRunStepsMessagesAndTrace(t *testing.T) {
	eachStore(t, func(t *testing.T, s backend) {
		srv, recs := serve(t, s, NewDefaultConfig())
		r := recs[5]
		code, b, _ := do(t, "GET", srv.URL+"/v1/steps/"+r.ID+"/metrics", "")
		require.Equal(t, http.StatusOK, code)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		require.Equal(t, r.ID, m["id"])
		require.Equal(t, r.AgentID, m["agent_id"])
		require.EqualValues(t, int64(r.EndTime-r.StartTime), m["step_ns"])
		require.EqualValues(t, int64(r.EndTime-r.StartTime), m["llm_request_ns"])
		require.EqualValues(t, float64(r.StartTime), m["step_start_ns"])
		require.Contains(t, m, "tool_execution_ns")
		require.Nil(t, m["tool_execution_ns"])

		want, _ := storetest.Want(recs, store.Query{RunID: "run-1", Limit: 3, Ascending: true})
		require.Equal(t, stepIDs(want), stepIDs(getSteps(t, srv.URL+"/v1/runs/run-1/steps?limit=3&order=asc")))

		code, b, _ = do(t, "GET", srv.URL+"/v1/steps/"+r.ID+"/messages", "")
		require.Equal(t, http.StatusOK, code)
		require.Equal(t, "[]\n", string(b))
		code, b, _ = do(t, "GET", srv.URL+"/v1/steps/"+r.ID+"/trace", "")
		require.Equal(t, http.StatusOK, code)
		require.Equal(t, "null\n", string(b))
		for _, p := range []string{"/v1/steps/step-nope", "/v1/steps/step-nope/metrics", "/v1/steps/step-nope/trace"} {
			code, b, _ = do(t, "GET", srv.URL+p, "")
			require.Equal(t, http.StatusNotFound, code, p)
			require.JSONEq(t, `{"detail":"Step not found"}`, string(b))
		}
	})
}

func TestBadParametersAreClearErrors(t *testing.T) {
	s := openSQLite(t, t.TempDir()+"/steps.db")
	srv, _ := serve(t, s, NewDefaultConfig())
	for q, word := range map[string]string{"limit=0": "limit", "limit=x": "limit", "limit=1001": "limit",
		"order=up": "order", "order_by=model": "order_by", "feedback=meh": "feedback", "has_feedback=maybe": "has_feedback",
		"start_date=yesterday": "start_date", "end_date=2025-13-01": "end_date"} {
		code, b, _ := do(t, "GET", srv.URL+"/v1/steps/?"+q, "")
		require.Equal(t, http.StatusUnprocessableEntity, code, q)
		require.Contains(t, string(b), word, q)
	}
	code, b, _ := do(t, "GET", srv.URL+"/v1/steps/?after=step-nope", "")
	require.Equal(t, http.StatusBadRequest, code)
	require.Contains(t, string(b), "after")
}

func TestReadOnlyExceptFeedback(t *testing.T) {
	s := openSQLite(t, t.TempDir()+"/steps.db")
	srv, recs := serve(t, s, NewDefaultConfig())
	for _, c := range []struct{ method, path string }{{"DELETE", "/v1/steps/" + recs[0].ID}, {"POST", "/v1/steps/"},
		{"PUT", "/v1/steps/" + recs[0].ID}, {"PATCH", "/v1/steps/" + recs[0].ID}, {"POST", "/v1/steps/" + recs[0].ID + "/feedback"}} {
		code, _, _ := do(t, c.method, srv.URL+c.path, `{}`)
		require.Equal(t, http.StatusMethodNotAllowed, code, "%s %s", c.method, c.path)
	}
	got, err := s.Get(context.Background(), []string{recs[0].ID})
	require.NoError(t, err)
	require.Len(t, got, 1)
}

func TestBearerTokenIsRequiredAndNeverLogged(t *testing.T) {
	s := openSQLite(t, t.TempDir()+"/steps.db")
	core, logs := observer.New(zap.DebugLevel)
	cfg := NewDefaultConfig()
	cfg.Token = "s3cret-token"
	_, _ = s.Upsert(context.Background(), storetest.ListRecords(3))
	srv := httptest.NewServer(New(cfg, s, zap.New(core)))
	defer srv.Close()
	for _, h := range [][]string{nil, {"Authorization", "Bearer wrong"}, {"Authorization", "s3cret-token"}} {
		code, b, hdr := do(t, "GET", srv.URL+"/v1/steps/", "", h...)
		require.Equal(t, http.StatusUnauthorized, code)
		require.NotContains(t, string(b), "s3cret")
		require.Contains(t, hdr.Get("WWW-Authenticate"), "Bearer")
	}
	code, _, _ := do(t, "GET", srv.URL+"/v1/steps/", "", "Authorization", "Bearer s3cret-token")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, fmt.Sprintf("%+v", cfg), "[REDACTED]")
	for _, e := range logs.All() {
		require.NotContains(t, fmt.Sprint(e.Message, e.Context), "s3cret")
	}
}

func TestNoCORSUnlessConfigured(t *testing.T) {
	s := openSQLite(t, t.TempDir()+"/steps.db")
	srv, _ := serve(t, s, NewDefaultConfig())
	_, _, h := do(t, "GET", srv.URL+"/v1/steps/", "", "Origin", "https://evil.example")
	require.Empty(t, h.Get("Access-Control-Allow-Origin"))
	code, _, h := do(t, "OPTIONS", srv.URL+"/v1/steps/", "", "Origin", "https://evil.example", "Access-Control-Request-Method", "GET")
	require.Empty(t, h.Get("Access-Control-Allow-Origin"))
	require.NotEqual(t, http.StatusNoContent, code)

	cfg := NewDefaultConfig()
	cfg.CORSOrigins = []string{"http://localhost:3000"}
	srv2 := httptest.NewServer(New(cfg, s, nil))
	defer srv2.Close()
	_, _, h = do(t, "GET", srv2.URL+"/v1/steps/", "", "Origin", "http://localhost:3000")
	require.Equal(t, "http://localhost:3000", h.Get("Access-Control-Allow-Origin"))
	_, _, h = do(t, "GET", srv2.URL+"/v1/steps/", "", "Origin", "https://evil.example")
	require.Empty(t, h.Get("Access-Control-Allow-Origin"))
}

func TestConfigValidateNamesTheKey(t *testing.T) {
	require.NoError(t, NewDefaultConfig().Validate())
	require.ErrorContains(t, Config{Listen: "8283"}.Validate(), "listen")
	require.ErrorContains(t, Config{Listen: DefaultListen, CORSOrigins: []string{"*"}}.Validate(), "cors_origins")
}

func TestThePageIsServedWithItsFilesAndAStrictPolicy(t *testing.T) {
	s := openSQLite(t, t.TempDir()+"/steps.db")
	cfg := NewDefaultConfig()
	cfg.Token = "tok"
	srv := httptest.NewServer(New(cfg, s, nil))
	defer srv.Close()
	code, b, h := do(t, "GET", srv.URL+"/", "")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, string(b), `<script src="ui/app.js">`)
	require.Contains(t, h.Get("Content-Security-Policy"), "script-src 'self'")
	for path, ctype := range map[string]string{"/ui/app.js": "javascript", "/ui/app.css": "text/css",
		"/ui/vendor/uplot/uPlot.iife.min.js": "javascript", "/ui/vendor/uplot/uPlot.min.css": "text/css",
		"/ui/vendor/uplot/LICENSE": "text/plain"} {
		code, b, h := do(t, "GET", srv.URL+path, "")
		require.Equal(t, http.StatusOK, code, path)
		require.Contains(t, h.Get("Content-Type"), ctype, path)
		require.NotEmpty(t, b)
	}
	// The page never writes a value as HTML.
	_, js, _ := do(t, "GET", srv.URL+"/ui/app.js", "")
	require.NotContains(t, string(js), "innerHTML")
	require.NotContains(t, string(js), "insertAdjacentHTML")
	require.NotContains(t, string(js), "document.write")
	// The API still wants its token.
	code, _, _ = do(t, "GET", srv.URL+"/v1/steps/", "")
	require.Equal(t, http.StatusUnauthorized, code)
}
