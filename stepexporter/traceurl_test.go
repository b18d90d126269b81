package stepexporter

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/step"
)

func TestTraceURLFillsEveryPlaceholder(t *testing.T) {
	tu, err := parseTraceURL("https://ui.example/t/{trace_id}?span={span_id}&step={id}")
	require.NoError(t, err)
	got := tu.fill(&step.Step{ID: "step-1", TraceID: "abc", SpanID: "def"})
	require.Equal(t, "https://ui.example/t/abc?span=def&step=step-1", got)
}

func TestTraceURLIsEmptyWhenTheRecordLacksAValue(t *testing.T) {
	tu, err := parseTraceURL("http://127.0.0.1:16686/trace/{trace_id}")
	require.NoError(t, err)
	require.Empty(t, tu.fill(&step.Step{ID: "step-1"}))
}

func TestTraceURLEscapesValues(t *testing.T) {
	tu, err := parseTraceURL("http://h/{id}")
	require.NoError(t, err)
	require.Equal(t, "http://h/a%2Fb%20c", tu.fill(&step.Step{ID: "a/b c"}))
}

func TestTraceURLRejectsBadTemplates(t *testing.T) {
	for tmpl, want := range map[string]string{
		"http://h/{trace}":   "unknown placeholder {trace}",
		"http://h/{trace_id": "unclosed {",
		"http://h/trace_id}": "unmatched }",
		"trace/{trace_id}":   "is not an absolute URL",
		"http://h/{}":        "unknown placeholder {}",
	} {
		_, err := parseTraceURL(tmpl)
		require.ErrorContains(t, err, want, tmpl)
	}
}
