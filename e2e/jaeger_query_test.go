//go:build e2e && jaeger && unix

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// jaegerVersion is the Jaeger that scripts/jaeger.sh builds and caches.
const jaegerVersion = "v1.76.0"

// jaegerBinary is the Jaeger that `make jaeger-e2e` passes in
// AGENTSTEPS_JAEGER_BIN, or else the one scripts/jaeger.sh cached.
func jaegerBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("AGENTSTEPS_JAEGER_BIN")
	if bin == "" {
		cache := os.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			home, err := os.UserHomeDir()
			require.NoError(t, err)
			cache = filepath.Join(home, ".cache")
		}
		bin = filepath.Join(cache, "agentsteps", "jaeger-"+jaegerVersion)
	}
	if _, err := os.Stat(bin); err != nil {
		prerequisite(t, fmt.Sprintf("Jaeger is missing at %s (%v); build it with `scripts/jaeger.sh build` or run `make jaeger-e2e`", bin, err))
	}
	return bin
}

// jaeger is a running Jaeger: where it takes OTLP and where its query
// service (UI and HTTP API) answers.
type jaeger struct {
	otlpEndpoint string // host:port of the OTLP gRPC receiver
	ui           string // base URL of the UI and the HTTP API
}

// startJaeger runs bin with scripts/jaeger.yaml, every port moved to a free
// loopback one through the variables that file reads. JAEGER_ENDPOINT stays
// set for the test, so a collector started after it sends there.
func startJaeger(t *testing.T, root, bin string) jaeger {
	t.Helper()
	j := jaeger{otlpEndpoint: loopback(freePort(t))}
	query, health := loopback(freePort(t)), loopback(freePort(t))
	j.ui = "http://" + query
	t.Setenv("JAEGER_ENDPOINT", j.otlpEndpoint)
	t.Setenv("JAEGER_QUERY_ENDPOINT", query)
	t.Setenv("JAEGER_QUERY_GRPC_ENDPOINT", loopback(freePort(t)))
	t.Setenv("JAEGER_HEALTH_ENDPOINT", health)
	p := startProcess(t, "jaeger", bin, "--config", filepath.Join(root, "scripts", "jaeger.yaml"))
	waitHealthy(t, p, "http://"+health+"/", healthyWithin)
	return j
}

// get fetches u and returns the status and the body.
func get(t *testing.T, u string) (int, []byte) {
	t.Helper()
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(u)
	require.NoError(t, err, "GET %s", u)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "GET %s", u)
	return resp.StatusCode, body
}

// trace fetches a trace with the API v3, which answers in OTLP JSON, so the
// step.* attributes keep their types. A trace Jaeger does not hold gives
// found == false.
func (j jaeger) trace(t *testing.T, traceID string) (td ptrace.Traces, found bool) {
	t.Helper()
	u := j.ui + "/api/v3/traces/" + traceID
	status, body := get(t, u)
	if status == http.StatusNotFound {
		return ptrace.NewTraces(), false
	}
	require.Equal(t, http.StatusOK, status, "GET %s: %s", u, body)
	return decodeV3Result(t, u, body), true
}

// tracesBetween lists every trace, of any service, with a span that
// started in [from, to], with the API v3, which needs no service.
func (j jaeger) tracesBetween(t *testing.T, from, to time.Time) ptrace.Traces {
	t.Helper()
	q := url.Values{
		"query.start_time_min": {from.UTC().Format(time.RFC3339Nano)},
		"query.start_time_max": {to.UTC().Format(time.RFC3339Nano)},
		"query.num_traces":     {"10000"},
	}
	u := j.ui + "/api/v3/traces?" + q.Encode()
	status, body := get(t, u)
	if status == http.StatusNotFound {
		return ptrace.NewTraces()
	}
	require.Equal(t, http.StatusOK, status, "GET %s: %s", u, body)
	return decodeV3Result(t, u, body)
}

func decodeV3Result(t *testing.T, u string, body []byte) ptrace.Traces {
	t.Helper()
	var resp struct {
		Result json.RawMessage `json:"result"`
	}
	require.NoError(t, json.Unmarshal(body, &resp), "GET %s", u)
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(resp.Result)
	require.NoError(t, err, "GET %s: the result is not OTLP JSON", u)
	return td
}

// v1Trace is a trace as the UI's API (/api/traces) gives it.
type v1Trace struct {
	TraceID string `json:"traceID"`
	Spans   []struct {
		SpanID string `json:"spanID"`
		Tags   []struct {
			Key   string `json:"key"`
			Value any    `json:"value"`
		} `json:"tags"`
	} `json:"spans"`
}

// spanIDsTagged lists the spans of the trace whose tag key is value.
func (tr v1Trace) spanIDsTagged(key, value string) []string {
	var ids []string
	for _, s := range tr.Spans {
		for _, tag := range s.Tags {
			if tag.Key == key && tag.Value == value {
				ids = append(ids, s.SpanID)
			}
		}
	}
	return ids
}

// v1Traces fetches a path of the UI's API, which answers {"data": [trace...]}.
func (j jaeger) v1Traces(t *testing.T, pathAndQuery string) []v1Trace {
	t.Helper()
	u := j.ui + pathAndQuery
	status, body := get(t, u)
	require.Equal(t, http.StatusOK, status, "GET %s: %s", u, body)
	var resp struct {
		Data []v1Trace `json:"data"`
	}
	require.NoError(t, json.Unmarshal(body, &resp), "GET %s", u)
	return resp.Data
}

// searchByTag is the UI's search form: a service, a tag and a time range.
// Jaeger's search needs a service; a step record carries service_name.
func (j jaeger) searchByTag(t *testing.T, service, key, value string, from, to time.Time) []v1Trace {
	t.Helper()
	tags, err := json.Marshal(map[string]string{key: value})
	require.NoError(t, err)
	q := url.Values{
		"service": {service},
		"tags":    {string(tags)},
		"start":   {strconv.FormatInt(from.UnixMicro(), 10)},
		"end":     {strconv.FormatInt(to.UnixMicro(), 10)},
		"limit":   {"20"},
	}
	return j.v1Traces(t, "/api/traces?"+q.Encode())
}

// anchor is a span that carries a step.id tag.
type anchor struct {
	traceID, spanID string
	attrs           pcommon.Map
}

// anchorsByStepID walks td and indexes every span tagged step.id.
func anchorsByStepID(td ptrace.Traces) map[string][]anchor {
	out := map[string][]anchor{}
	forEachSpan(td, func(s ptrace.Span) {
		if v, ok := s.Attributes().Get("step.id"); ok {
			id := v.AsString()
			out[id] = append(out[id], anchor{traceID: s.TraceID().String(), spanID: s.SpanID().String(), attrs: s.Attributes()})
		}
	})
	return out
}

// patchesFor collects the step.patches entries for step id found on any
// span of td: the parts of a step that reached the processor after its
// anchor had gone on.
func patchesFor(td ptrace.Traces, id string) []map[string]any {
	var out []map[string]any
	forEachSpan(td, func(s ptrace.Span) {
		v, ok := s.Attributes().Get("step.patches")
		if !ok || v.Type() != pcommon.ValueTypeSlice {
			return
		}
		for _, e := range v.Slice().AsRaw() {
			if p, ok := e.(map[string]any); ok && p["id"] == id {
				out = append(out, p)
			}
		}
	})
	return out
}

// spansPerTrace counts the spans of each trace in the fixtures, which is
// what Jaeger must hold once every span has gone on.
func spansPerTrace(t *testing.T, fixtures []string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, f := range fixtures {
		for _, td := range readFixture(t, f) {
			forEachSpan(td, func(s ptrace.Span) { out[s.TraceID().String()]++ })
		}
	}
	return out
}
