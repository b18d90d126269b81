//go:build e2e && unix

package e2e

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// isolateFixtures copies every fixture into dir with trace ids of its own.
// Fixtures are written independently and some reuse a well-known trace id
// (the W3C example id, for one); replayed into one collector, their spans
// would meet in one trace and lend each other context, which no single
// fixture means. Span ids and attributes are kept, so every id a step gets
// from them is kept too. The copies are one request per line, like the
// originals.
func isolateFixtures(t *testing.T, fixtures []string, dir string) []string {
	t.Helper()
	var out []string
	for _, f := range fixtures {
		batches := readFixture(t, f)
		fresh := map[pcommon.TraceID]pcommon.TraceID{}
		var buf bytes.Buffer
		for _, td := range batches {
			renameTraces(td, fresh)
			b, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
			require.NoError(t, err)
			buf.Write(b)
			buf.WriteByte('\n')
		}
		name := filepath.Base(filepath.Dir(f)) + "__" + filepath.Base(f)
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
		out = append(out, path)
	}
	return out
}

// readFixture reads one request per line, or one pretty-printed request.
func readFixture(t *testing.T, path string) []ptrace.Traces {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var docs [][]byte
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if json.Valid([]byte(lines[0])) {
		for _, l := range lines {
			if strings.TrimSpace(l) != "" {
				docs = append(docs, []byte(l))
			}
		}
	} else {
		docs = [][]byte{data}
	}
	var batches []ptrace.Traces
	for i, d := range docs {
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(d)
		require.NoError(t, err, "%s: request %d", path, i+1)
		batches = append(batches, td)
	}
	return batches
}

func renameTraces(td ptrace.Traces, fresh map[pcommon.TraceID]pcommon.TraceID) {
	rename := func(old pcommon.TraceID) pcommon.TraceID {
		if old.IsEmpty() {
			return old
		}
		if id, ok := fresh[old]; ok {
			return id
		}
		var id pcommon.TraceID
		binary.BigEndian.PutUint64(id[:8], rand.Uint64()|1)
		binary.BigEndian.PutUint64(id[8:], rand.Uint64())
		fresh[old] = id
		return id
	}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				s := spans.At(k)
				s.SetTraceID(rename(s.TraceID()))
				for l := 0; l < s.Links().Len(); l++ {
					link := s.Links().At(l)
					link.SetTraceID(rename(link.TraceID()))
				}
			}
		}
	}
}

// forEachSpan calls fn for every span of td, in order.
func forEachSpan(td ptrace.Traces, fn func(ptrace.Span)) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				fn(spans.At(k))
			}
		}
	}
}
