//go:build e2e && jaeger && unix

package e2e

import (
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/stepexporter/store"
)

// The checks of TestRealJaegerLinksStepsAndTracesBothWays, one per way a
// person goes between a step record and its trace in Jaeger.

// requireAnchorShowsRecord: the record's trace is in Jaeger, exactly one
// span of it is tagged with the record's step.id, and the record's model,
// token counts and status are on that span as step.* tags (or, for a part
// that arrived after the anchor went on, in a step.patches entry for the
// step in the same trace).
func requireAnchorShowsRecord(t *testing.T, j jaeger, r record) {
	id, traceID := r["id"].(string), r["trace_id"].(string)
	require.Regexp(t, `^[0-9a-f]{32}$`, traceID, "the record's trace_id")
	td, found := j.trace(t, traceID)
	require.True(t, found, "Jaeger has no trace %s for step %s", traceID, id)
	anchors := anchorsByStepID(td)[id]
	require.Len(t, anchors, 1, "spans of trace %s tagged step.id=%s", traceID, id)
	a := anchors[0]
	patches := patchesFor(td, id)
	for _, f := range stepTagFields {
		shown := shownValues(a, patches, f)
		recorded, inRecord := r[f]
		inRecord = inRecord && recorded != nil // the record writes unset Letta fields as null
		switch {
		case !inRecord:
			require.Empty(t, shown, "span %s shows step.%s, the record has none", a.spanID, f)
		case f == "total_tokens" && len(shown) == 0:
			// The processor writes only what the source recorded; the
			// exporter fills an unrecorded total with prompt + completion
			// (step.Finalize), both of which the span shows.
			require.Equal(t, r["prompt_tokens"].(float64)+r["completion_tokens"].(float64), recorded,
				"total_tokens of a step whose span records none")
		default:
			require.Contains(t, shown, recorded,
				"step.%s on span %s of trace %s or in a step.patches entry for the step", f, a.spanID, traceID)
		}
	}
}

// shownValues lists what Jaeger shows for field f of the anchor's step: the
// anchor's step.<f> tag, then each step.patches entry's f. Integers become
// float64, as in a JSON record, and nothing else is converted, so a count
// that reached Jaeger as a string does not match.
func shownValues(a anchor, patches []map[string]any, f string) []any {
	var out []any
	if v, ok := a.attrs.Get("step." + f); ok {
		out = append(out, asJSON(v.AsRaw()))
	}
	for _, p := range patches {
		if v, ok := p[f]; ok {
			out = append(out, asJSON(v))
		}
	}
	return out
}

func asJSON(v any) any {
	if n, ok := v.(int64); ok {
		return float64(n)
	}
	return v
}

// requireTraceURLOpensTrace: trace_url is the exporter's template filled
// with the trace id, the Jaeger UI serves that page, and the API call the
// UI makes for it (/api/traces/<id from the URL>) returns the trace with
// the step's anchor.
func requireTraceURLOpensTrace(t *testing.T, j jaeger, r record) {
	id, traceID := r["id"].(string), r["trace_id"].(string)
	traceURL, _ := r["trace_url"].(string)
	require.Equal(t, j.ui+"/trace/"+traceID, traceURL, "trace_url")
	status, body := get(t, traceURL)
	require.Equal(t, http.StatusOK, status, "GET %s", traceURL)
	require.Contains(t, strings.ToLower(string(body)), "<html", "GET %s is not the Jaeger UI", traceURL)

	u, err := url.Parse(traceURL)
	require.NoError(t, err)
	traces := j.v1Traces(t, "/api/traces/"+path.Base(u.Path))
	require.Len(t, traces, 1, "the trace behind %s", traceURL)
	require.Equal(t, traceID, traces[0].TraceID, "the trace behind %s", traceURL)
	require.Len(t, traces[0].spanIDsTagged("step.id", id), 1, "spans tagged step.id=%s in the trace behind %s", id, traceURL)
}

// requireTagSearchFindsTrace: searching Jaeger for step.id=<id> in the
// record's service and time finds its trace and no other.
func requireTagSearchFindsTrace(t *testing.T, j jaeger, r record) {
	id, traceID, service := r["id"].(string), r["trace_id"].(string), r["service_name"].(string)
	require.NotEmpty(t, service, "the record has no service_name to search Jaeger with")
	start, err := time.Parse(time.RFC3339Nano, r["start_time"].(string))
	require.NoError(t, err, "start_time")
	found := j.searchByTag(t, service, "step.id", id, start.Add(-time.Hour), start.Add(time.Hour))
	var ids []string
	for _, tr := range found {
		ids = append(ids, tr.TraceID)
	}
	require.Equal(t, []string{traceID}, ids, "traces found by service=%s step.id=%s", service, id)
}

// requireEveryAnchorHasItsRow goes the other way: every span tagged step.id
// in Jaeger, in any trace of any service, names a row of the table, and
// the row's trace_id is that span's trace.
func requireEveryAnchorHasItsRow(t *testing.T, j jaeger, pg store.Reader, records map[string]record) {
	// Fixtures are dated; search from long before them to now.
	all := j.tracesBetween(t, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Now().Add(time.Hour))
	require.Positive(t, all.SpanCount(), "Jaeger holds no span")
	anchors := anchorsByStepID(all)
	require.Len(t, anchors, len(records), "step ids tagged in Jaeger against rows in PostgreSQL")
	for id, as := range anchors {
		require.Len(t, as, 1, "spans tagged step.id=%s in Jaeger", id)
		rows := readRecords(t, pg, []string{id})
		require.Contains(t, rows, id, "span %s of trace %s is tagged step.id=%s, PostgreSQL has no such row", as[0].spanID, as[0].traceID, id)
		require.Equal(t, as[0].traceID, rows[id]["trace_id"], "trace_id of row %s", id)
	}
	t.Logf("%d step.id tags in Jaeger, each with its row in PostgreSQL", len(anchors))
}
