//go:build e2e && reliability && scale && unix

package e2e

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// The scale run: scaleRunLines requests of fresh copies of every fixture,
// plus scaleRunGap*(parts-1) requests at the end that carry the last late
// parts. Replayed at scaleRunRate requests per second, a part sent
// scaleRunGap requests later arrives about 2s later, past the step
// collectors' wait of 1s (deploy/scale/step.yaml), so the trace it belongs
// to has been released by then. 21,200 traces, 72,352 spans (29,705
// records) with the fixtures of today.
const (
	scaleRunLines  = 100
	scaleRunCopies = 10 // whole copies of each fixture outside Letta per request
	scaleRunGap    = 8  // requests between the parts of a split trace
	scaleRunRate   = 4  // requests per second
)

// scaleRun is an OTLP/JSON file of one request per line, replayed with
// `steps replay` and converted with `steps convert`, so that the records
// expected are known id for id.
type scaleRun struct {
	path     string // what is replayed
	once     string // the same without the redelivered copies: what is converted
	requests int
	spans    int
	traces   int
}

// writeScaleRun writes the scale run. Every request holds:
//   - scaleRunCopies whole copies of every fixture outside Letta, each with
//     trace ids of its own, and the fixtures without steps;
//   - one more copy of each of those fixtures whose root spans (an agent,
//     workflow or chain span; a lone model call when it is the root) come
//     scaleRunGap requests later: long runs whose ancestors end after their
//     steps were released;
//   - one copy of every Letta fixture, request i of the fixture going
//     scaleRunGap*i requests later: Letta steps split across requests sent
//     apart in time. Letta steps keep their step_id, so the copies of every
//     request are redeliveries of the same records, each under other trace
//     ids, so from other step collectors;
//   - the first whole copies of the request scaleRunGap before it, spans
//     and ids unchanged: a redelivery after the trace was released.
//
// The records expected are those steps convert gives for the run without
// the redelivered copies (run.once): a redelivery must change nothing.
// Converting them in the same file would put both deliveries of a span in
// one window, which steps convert does not take as one delivery: for
// openinference/langchain_llm_wraps_openai_llm it gives the inner call a
// step of its own then.
func writeScaleRun(t *testing.T, root, dir string) scaleRun {
	t.Helper()
	fixtures, err := filepath.Glob(filepath.Join(root, "testdata", "*", "*.otlp.json"))
	require.NoError(t, err)
	require.NotEmpty(t, fixtures)
	var whole, rootLate []ptrace.Traces
	var letta [][]ptrace.Traces
	for _, f := range fixtures {
		switch {
		case strings.Contains(f, string(filepath.Separator)+"letta"+string(filepath.Separator)):
			letta = append(letta, readFixture(t, f))
		case strings.HasPrefix(filepath.Base(f), "no_steps"):
			whole = append(whole, mergeBatches(readFixture(t, f)))
		default:
			td := mergeBatches(readFixture(t, f))
			whole = append(whole, td)
			rootLate = append(rootLate, td)
		}
	}
	require.NotEmpty(t, letta)
	require.NotEmpty(t, rootLate)

	maxParts := 2
	for _, batches := range letta {
		maxParts = max(maxParts, len(batches))
	}
	lines := make([]ptrace.Traces, scaleRunLines+scaleRunGap*(maxParts-1))
	for i := range lines {
		lines[i] = ptrace.NewTraces()
	}
	redelivered := make([]ptrace.Traces, len(lines))
	for i := range redelivered {
		redelivered[i] = ptrace.NewTraces()
	}
	firstCopy := make([]ptrace.Traces, scaleRunLines)
	for n := range scaleRunLines {
		firstCopy[n] = ptrace.NewTraces()
		for c := range scaleRunCopies {
			for _, td := range whole {
				cp := renamedCopy(td)
				if c == 0 {
					appendCopy(firstCopy[n], cp)
				}
				cp.ResourceSpans().MoveAndAppendTo(lines[n].ResourceSpans())
			}
		}
		if n >= scaleRunGap {
			appendCopy(redelivered[n], firstCopy[n-scaleRunGap])
		}
		for _, td := range rootLate {
			children, roots := splitRoots(renamedCopy(td))
			children.ResourceSpans().MoveAndAppendTo(lines[n].ResourceSpans())
			roots.ResourceSpans().MoveAndAppendTo(lines[n+scaleRunGap].ResourceSpans())
		}
		for _, batches := range letta {
			fresh := map[pcommon.TraceID]pcommon.TraceID{}
			for i, b := range batches {
				cp := ptrace.NewTraces()
				b.CopyTo(cp)
				renameTraces(cp, fresh)
				cp.ResourceSpans().MoveAndAppendTo(lines[n+i*scaleRunGap].ResourceSpans())
			}
		}
	}

	run := scaleRun{path: filepath.Join(dir, "scale-run.otlp.json"), once: filepath.Join(dir, "scale-run-once.otlp.json"),
		requests: len(lines)}
	writeRequests(t, run.once, lines)
	traces := map[pcommon.TraceID]struct{}{}
	for n, line := range lines {
		forEachSpan(line, func(s ptrace.Span) { traces[s.TraceID()] = struct{}{} })
		appendCopy(line, redelivered[n])
		run.spans += line.SpanCount()
	}
	writeRequests(t, run.path, lines)
	run.traces = len(traces)
	return run
}

// writeRequests writes one OTLP/JSON request per line.
func writeRequests(t *testing.T, path string, lines []ptrace.Traces) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	require.NoError(t, err)
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	for _, line := range lines {
		b, err := (&ptrace.JSONMarshaler{}).MarshalTraces(line)
		require.NoError(t, err)
		_, err = w.Write(append(b, '\n'))
		require.NoError(t, err)
	}
	require.NoError(t, w.Flush())
}

// renamedCopy is a copy of td with trace ids of its own.
func renamedCopy(td ptrace.Traces) ptrace.Traces {
	c := ptrace.NewTraces()
	appendRenamed(c, td)
	return c
}

// appendCopy appends a copy of td to dst, ids unchanged.
func appendCopy(dst, td ptrace.Traces) {
	c := ptrace.NewTraces()
	td.CopyTo(c)
	c.ResourceSpans().MoveAndAppendTo(dst.ResourceSpans())
}

// splitRoots moves the spans without a parent in td (the roots) into a
// request of their own, resource and scope kept, and returns the rest.
func splitRoots(td ptrace.Traces) (children, roots ptrace.Traces) {
	roots = ptrace.NewTraces()
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		var outRS ptrace.ResourceSpans
		hasRS := false
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			var outSS ptrace.ScopeSpans
			hasSS := false
			ss.Spans().RemoveIf(func(s ptrace.Span) bool {
				if !s.ParentSpanID().IsEmpty() {
					return false
				}
				if !hasSS {
					if !hasRS {
						hasRS = true
						outRS = roots.ResourceSpans().AppendEmpty()
						rs.Resource().CopyTo(outRS.Resource())
						outRS.SetSchemaUrl(rs.SchemaUrl())
					}
					hasSS = true
					outSS = outRS.ScopeSpans().AppendEmpty()
					ss.Scope().CopyTo(outSS.Scope())
					outSS.SetSchemaUrl(ss.SchemaUrl())
				}
				s.CopyTo(outSS.Spans().AppendEmpty())
				return true
			})
		}
	}
	return td, roots
}
