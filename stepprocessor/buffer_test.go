package stepprocessor

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// bufferBatch makes one request: under resource svc, one scope, one span
// per trace id byte given, named by its trace and position.
func bufferBatch(svc string, traces ...byte) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", svc)
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("scope-" + svc)
	for i, t := range traces {
		sp := ss.Spans().AppendEmpty()
		sp.SetTraceID(pcommon.TraceID{t})
		sp.SetSpanID(pcommon.SpanID{t, byte(i + 1)})
		sp.SetName(svc + "/" + string('a'+rune(t)))
	}
	return td
}

// spansByTrace lists, per trace, "service/scope/name" of each span released.
func spansByTrace(t *testing.T, td ptrace.Traces) map[byte][]string {
	out := map[byte][]string{}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		svc, _ := rs.Resource().Attributes().Get("service.name")
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			require.NotZero(t, ss.Spans().Len(), "an empty scope was released")
			for k := 0; k < ss.Spans().Len(); k++ {
				sp := ss.Spans().At(k)
				out[sp.TraceID()[0]] = append(out[sp.TraceID()[0]], svc.Str()+"/"+ss.Scope().Name()+"/"+sp.Name())
			}
		}
	}
	return out
}

// TestBufferReleasesPartOfABatch: traces of one request that fall due at
// different times go out separately, each span under its own resource and
// scope, and a trace spread over two requests goes out whole.
func TestBufferReleasesPartOfABatch(t *testing.T) {
	b := newTraceBuffer(100)
	t0 := time.Unix(1000, 0)
	require.Zero(t, b.add(bufferBatch("api", 1, 2, 1, 3), t0).n)
	// Trace 2 gets another span later, from another service.
	require.Zero(t, b.add(bufferBatch("db", 2), t0.Add(time.Second)).n)

	first := b.takeDue(t0)
	require.Equal(t, 2, first.n)
	require.Equal(t, map[byte][]string{
		1: {"api/scope-api/api/b", "api/scope-api/api/b"},
		3: {"api/scope-api/api/d"},
	}, spansByTrace(t, first.td))
	require.Equal(t, 1, b.len())

	rest := b.takeAll()
	require.Equal(t, 1, rest.n)
	require.Equal(t, map[byte][]string{2: {"api/scope-api/api/c", "db/scope-db/db/c"}}, spansByTrace(t, rest.td))
	require.Zero(t, b.len())
	require.Zero(t, b.takeAll().n)
}

// TestBufferReleasesWholeBatchWithoutCopy: when every trace of a request
// goes out at once, the request's own resource goes out, not a copy.
func TestBufferReleasesWholeBatchWithoutCopy(t *testing.T) {
	b := newTraceBuffer(100)
	in := bufferBatch("api", 1, 2, 3)
	b.add(in, time.Unix(1000, 0))
	out := b.takeAll()
	require.Equal(t, 3, out.n)
	require.Equal(t, 1, out.td.ResourceSpans().Len())
	require.Equal(t, 3, out.td.SpanCount())
	require.Zero(t, in.SpanCount(), "the request's spans were moved, not copied")
}

// TestBufferEvictsOldestBeyondMax: past max_traces the oldest traces go out
// early, and exactly max_traces stay held.
func TestBufferEvictsOldestBeyondMax(t *testing.T) {
	b := newTraceBuffer(2)
	t0 := time.Unix(1000, 0)
	require.Zero(t, b.add(bufferBatch("api", 1, 2), t0).n)
	early := b.add(bufferBatch("api", 3, 4, 2), t0)
	require.Equal(t, 2, early.n)
	require.Equal(t, map[byte][]string{1: {"api/scope-api/api/b"}, 2: {"api/scope-api/api/c", "api/scope-api/api/c"}},
		spansByTrace(t, early.td))
	require.Equal(t, 2, b.len())
	rest := b.takeAll()
	require.Equal(t, map[byte][]string{3: {"api/scope-api/api/d"}, 4: {"api/scope-api/api/e"}}, spansByTrace(t, rest.td))
}
