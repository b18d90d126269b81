package stepserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/store"
)

// Letta's list defaults (letta/server/rest_api/routers/v1/steps.py).
const (
	defaultLimit = 50
	// MaxLimit bounds one page, so one request cannot read the whole store.
	MaxLimit = 1000
)

type api struct {
	r      store.StepReader
	logger *zap.Logger
}

// errBadQuery answers 422, as Letta's FastAPI server answers a parameter it
// cannot validate.
type errBadQuery struct{ msg string }

func (e errBadQuery) Error() string { return e.msg }

func badQuery(format string, a ...any) error { return errBadQuery{fmt.Sprintf(format, a...)} }

// parsePaging reads before, after, limit, order and order_by.
func parsePaging(v url.Values, q *store.Query) error {
	q.Before, q.After, q.Limit = v.Get("before"), v.Get("after"), defaultLimit
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return badQuery("limit %q: give a whole number from 1 to %d", s, MaxLimit)
		}
		q.Limit = n
	}
	switch v.Get("order") {
	case "", "desc":
	case "asc":
		q.Ascending = true
	default:
		return badQuery("order %q: give asc or desc", v.Get("order"))
	}
	if ob := v.Get("order_by"); ob != "" && ob != "created_at" {
		return badQuery("order_by %q: only created_at is supported", ob)
	}
	return nil
}

// parseListQuery reads Letta's filters of GET /v1/steps/.
func parseListQuery(v url.Values) (store.Query, error) {
	var q store.Query
	if err := parsePaging(v, &q); err != nil {
		return q, err
	}
	q.AgentID, q.Model, q.ProjectID = v.Get("agent_id"), v.Get("model"), v.Get("project_id")
	// Our extensions, which the page filters by; Letta's clients never send them.
	q.RunID, q.ConversationID, q.ProviderName = v.Get("run_id"), v.Get("conversation_id"), v.Get("provider_name")
	q.Status, q.FinishReason = v.Get("status"), v.Get("finish_reason")
	q.TraceIDs, q.Tags = queryList(v, "trace_ids"), queryList(v, "tags")
	switch f := v.Get("feedback"); f {
	case "", "positive", "negative":
		q.Feedback = f
	default:
		return q, badQuery("feedback %q: give positive or negative", f)
	}
	if s := v.Get("has_feedback"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return q, badQuery("has_feedback %q: give true or false", s)
		}
		q.HasFeedback = &b
	}
	for _, d := range []struct {
		name string
		dst  *time.Time
	}{{"start_date", &q.Start}, {"end_date", &q.End}} {
		if s := v.Get(d.name); s != "" {
			t, err := parseDate(s)
			if err != nil {
				return q, badQuery("%s %q: give an ISO 8601 date-time, for example 2025-01-29T15:01:19-08:00", d.name, s)
			}
			*d.dst = t
		}
	}
	return q, nil
}

// parseDate takes what Pydantic's datetime takes from a query: RFC 3339,
// a date-time without zone (UTC, as Letta's server compared it), or a date.
func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("not a date-time")
}

func (a *api) listSteps(w http.ResponseWriter, r *http.Request) {
	q, err := parseListQuery(r.URL.Query())
	a.answerList(w, r, q, err)
}

func (a *api) runSteps(w http.ResponseWriter, r *http.Request) {
	var q store.Query
	err := parsePaging(r.URL.Query(), &q)
	q.RunID = r.PathValue("run_id")
	a.answerList(w, r, q, err)
}

func (a *api) answerList(w http.ResponseWriter, r *http.Request, q store.Query, err error) {
	if err == nil {
		var recs []step.Step
		if recs, err = a.r.List(r.Context(), q); err == nil {
			if recs == nil {
				recs = []step.Step{}
			}
			writeJSON(w, http.StatusOK, recs)
			return
		}
	}
	a.fail(w, err)
}

// fail answers an error: 422 for a bad parameter or body, 400 for an
// unknown cursor, else 500 with the cause logged, not sent.
func (a *api) fail(w http.ResponseWriter, err error) {
	var bq errBadQuery
	switch {
	case errors.As(err, &bq):
		writeError(w, http.StatusUnprocessableEntity, bq.msg)
	case errors.Is(err, store.ErrUnknownCursor):
		writeError(w, http.StatusBadRequest, "before/after: "+err.Error()+"; give the id of a step from a previous page")
	default:
		a.logger.Error("steps serve: store request failed", zap.Error(err))
		writeError(w, http.StatusInternalServerError, "the store could not answer; see the server's log")
	}
}

// one reads a step by id; false means the answer (404 or 500) is sent.
func (a *api) one(w http.ResponseWriter, r *http.Request) (step.Step, bool) {
	recs, err := a.r.Get(r.Context(), []string{r.PathValue("step_id")})
	if err != nil {
		a.fail(w, err)
		return step.Step{}, false
	}
	if len(recs) == 0 {
		writeError(w, http.StatusNotFound, "Step not found")
		return step.Step{}, false
	}
	return recs[0], true
}

func (a *api) getStep(w http.ResponseWriter, r *http.Request) {
	if s, ok := a.one(w, r); ok {
		writeJSON(w, http.StatusOK, s)
	}
}

// feedbackBody is Letta's PATCH body: feedback "positive", "negative" or
// null (clears), and tags that, when not empty, replace the step's tags.
type feedbackBody struct {
	Feedback *string  `json:"feedback"`
	Tags     []string `json:"tags"`
}

// maxBody bounds a PATCH body; a feedback body is a few hundred bytes.
const maxBody = 64 << 10

func (a *api) setFeedback(w http.ResponseWriter, r *http.Request) {
	var body feedbackBody
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	if err := dec.Decode(&body); err != nil && !errors.Is(err, io.EOF) {
		a.fail(w, badQuery("body: %v; send {\"feedback\": \"positive\"|\"negative\"|null, \"tags\": [...]}", err))
		return
	}
	fb := ""
	if body.Feedback != nil {
		fb = *body.Feedback
		if fb != "positive" && fb != "negative" {
			a.fail(w, badQuery("feedback %q: give positive, negative or null", fb))
			return
		}
	}
	var tags []string
	if len(body.Tags) > 0 {
		tags = body.Tags
	}
	ok, err := a.r.SetFeedback(r.Context(), r.PathValue("step_id"), fb, tags)
	if err != nil {
		a.fail(w, err)
		return
	}
	if !ok {
		writeError(w, http.StatusNotFound, "Step not found")
		return
	}
	a.getStep(w, r)
}

// Metrics is Letta's StepMetrics, derived from the step's times. The step
// is its model call, so the request and the step span the same interval;
// tool time and templates are unknown (null).
type Metrics struct {
	ID                string  `json:"id"`
	AgentID           *string `json:"agent_id"`
	RunID             *string `json:"run_id"`
	ProviderID        *string `json:"provider_id"`
	ProjectID         *string `json:"project_id"`
	TemplateID        *string `json:"template_id"`
	BaseTemplateID    *string `json:"base_template_id"`
	LLMRequestNs      *int64  `json:"llm_request_ns"`
	LLMRequestStartNs *int64  `json:"llm_request_start_ns"`
	StepNs            *int64  `json:"step_ns"`
	StepStartNs       *int64  `json:"step_start_ns"`
	ToolExecutionNs   *int64  `json:"tool_execution_ns"`
}

// MetricsOf derives a step's metrics: start is Unix nanoseconds, duration
// nanoseconds, each null when the step lacks the time it needs.
func MetricsOf(s step.Step) Metrics {
	opt := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}
	m := Metrics{ID: s.ID, AgentID: opt(s.AgentID), RunID: opt(s.RunID), ProviderID: opt(s.ProviderID), ProjectID: opt(s.ProjectID)}
	if s.StartTime != 0 {
		m.StepStartNs, m.LLMRequestStartNs = step.Int(int64(s.StartTime)), step.Int(int64(s.StartTime))
		if s.EndTime >= s.StartTime {
			m.StepNs, m.LLMRequestNs = step.Int(int64(s.EndTime-s.StartTime)), step.Int(int64(s.EndTime-s.StartTime))
		}
	}
	return m
}

func (a *api) metrics(w http.ResponseWriter, r *http.Request) {
	if s, ok := a.one(w, r); ok {
		writeJSON(w, http.StatusOK, MetricsOf(s))
	}
}

// messages: the store keeps no messages; Letta answers a list.
func (a *api) messages(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.one(w, r); ok {
		writeJSON(w, http.StatusOK, []any{})
	}
}

// trace: the store keeps no request or response bodies; Letta answers null
// when it has no provider trace.
func (a *api) trace(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.one(w, r); ok {
		writeJSON(w, http.StatusOK, nil)
	}
}
