package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
)

// testTraces is one trace: a parent span and a child linked to it.
func testTraces(traceByte byte, name string) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "replay-test")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	tid := pcommon.TraceID{traceByte, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	parent := spans.AppendEmpty()
	parent.SetName("invoke_agent " + name)
	parent.SetTraceID(tid)
	parent.SetSpanID(pcommon.SpanID{traceByte, 1, 1, 1, 1, 1, 1, 1})
	child := spans.AppendEmpty()
	child.SetName("chat " + name)
	child.SetTraceID(tid)
	child.SetSpanID(pcommon.SpanID{traceByte, 2, 2, 2, 2, 2, 2, 2})
	child.SetParentSpanID(parent.SpanID())
	link := child.Links().AppendEmpty()
	link.SetTraceID(tid)
	link.SetSpanID(parent.SpanID())
	return td
}

func jsonLine(t *testing.T, td ptrace.Traces) string {
	t.Helper()
	b, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	require.NoError(t, err)
	return string(b)
}

// requireSameTraces compares through OTLP/JSON, which holds everything a
// replay must keep.
func requireSameTraces(t *testing.T, want, got ptrace.Traces, msgAndArgs ...any) {
	t.Helper()
	require.JSONEq(t, jsonLine(t, want), jsonLine(t, got), msgAndArgs...)
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// otlpGRPCServer is an OTLP/gRPC trace service on loopback that keeps what
// it receives.
type otlpGRPCServer struct {
	ptraceotlp.UnimplementedGRPCServer
	mu       sync.Mutex
	received []ptrace.Traces
}

func (s *otlpGRPCServer) Export(_ context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	td := ptrace.NewTraces()
	req.Traces().CopyTo(td)
	s.received = append(s.received, td)
	return ptraceotlp.NewExportResponse(), nil
}

func (s *otlpGRPCServer) traces() []ptrace.Traces {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ptrace.Traces(nil), s.received...)
}

func startGRPCServer(t *testing.T) (*otlpGRPCServer, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer()
	recv := &otlpGRPCServer{}
	ptraceotlp.RegisterGRPCServer(srv, recv)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return recv, l.Addr().String()
}

func runReplayArgs(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = runReplay(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func spanNames(td ptrace.Traces) []string {
	var names []string
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			for k := 0; k < sss.At(j).Spans().Len(); k++ {
				names = append(names, sss.At(j).Spans().At(k).Name())
			}
		}
	}
	return names
}

func TestReplayOverGRPCSendsEveryLineInOrderWithItsIDs(t *testing.T) {
	recv, addr := startGRPCServer(t)
	first, second := testTraces(1, "a"), testTraces(2, "b")
	path := writeFile(t, "two.otlp.json", jsonLine(t, first)+"\n"+jsonLine(t, second)+"\n")

	code, stdout, stderr := runReplayArgs("--endpoint", addr, path)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "sent 2 requests (4 spans)")
	got := recv.traces()
	require.Len(t, got, 2)
	requireSameTraces(t, first, got[0])
	requireSameTraces(t, second, got[1])
}

func TestReplayOverHTTPPostsProtobufToV1Traces(t *testing.T) {
	var mu sync.Mutex
	var got []ptrace.Traces
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			http.Error(w, "want a protobuf POST to /v1/traces", http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(r.Body)
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, req.Traces())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		b, _ := ptraceotlp.NewExportResponse().MarshalProto()
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	want := testTraces(3, "c")
	path := writeFile(t, "one.otlp.json", jsonLine(t, want))

	code, _, stderr := runReplayArgs("--protocol", "http", "--endpoint", strings.TrimPrefix(srv.URL, "http://"), path)
	require.Equal(t, 0, code, stderr)
	require.Len(t, got, 1)
	requireSameTraces(t, want, got[0])
}

func TestReplayAcceptsOnePrettyPrintedRequest(t *testing.T) {
	recv, addr := startGRPCServer(t)
	want := testTraces(4, "d")
	var pretty bytes.Buffer
	require.NoError(t, json.Indent(&pretty, []byte(jsonLine(t, want)), "", "  "))
	path := writeFile(t, "pretty.otlp.json", pretty.String())

	code, _, stderr := runReplayArgs("--endpoint", addr, path)
	require.Equal(t, 0, code, stderr)
	require.Len(t, recv.traces(), 1)
	requireSameTraces(t, want, recv.traces()[0])
}

func TestReplayRepeatGivesEachCopyFreshConsistentIDs(t *testing.T) {
	recv, addr := startGRPCServer(t)
	orig := testTraces(5, "e")
	path := writeFile(t, "one.otlp.json", jsonLine(t, orig))

	code, _, stderr := runReplayArgs("--endpoint", addr, "--repeat", "3", path)
	require.Equal(t, 0, code, stderr)
	got := recv.traces()
	require.Len(t, got, 3)
	requireSameTraces(t, orig, got[0], "the first copy keeps its ids")
	seen := map[pcommon.TraceID]bool{}
	for _, td := range got {
		spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
		parent, child := spans.At(0), spans.At(1)
		require.False(t, seen[parent.TraceID()], "copies must be distinct traces")
		seen[parent.TraceID()] = true
		require.Equal(t, parent.TraceID(), child.TraceID())
		require.Equal(t, parent.SpanID(), child.ParentSpanID(), "the parent link follows the new ids")
		require.Equal(t, parent.TraceID(), child.Links().At(0).TraceID())
		require.Equal(t, parent.SpanID(), child.Links().At(0).SpanID())
		require.True(t, parent.ParentSpanID().IsEmpty(), "a root stays a root")
		require.Equal(t, []string{"invoke_agent e", "chat e"}, spanNames(td))
	}
}

func TestReplayNamesTheBadFileAndLineAndSendsTheRest(t *testing.T) {
	recv, addr := startGRPCServer(t)
	good := testTraces(6, "f")
	mixed := writeFile(t, "mixed.otlp.json", jsonLine(t, good)+"\n{not json\n"+`{"resourceSpans": 5}`+"\n"+jsonLine(t, good)+"\n")
	missing := filepath.Join(t.TempDir(), "missing.otlp.json")
	other := writeFile(t, "other.otlp.json", jsonLine(t, testTraces(7, "g")))

	code, _, stderr := runReplayArgs("--endpoint", addr, mixed, missing, other)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, mixed+":2: not JSON")
	require.Contains(t, stderr, mixed+":3: not an OTLP/JSON ExportTraceServiceRequest")
	require.Contains(t, stderr, missing)
	require.Len(t, recv.traces(), 3, "the good lines of every file are still sent")
}

func TestReplayRejectsAFileWithoutSpans(t *testing.T) {
	empty := writeFile(t, "empty.otlp.json", "\n\n")
	shapeless := writeFile(t, "shape.otlp.json", `{"foo": 1}`)
	code, _, stderr := runReplayArgs("--endpoint", "127.0.0.1:1", empty, shapeless)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, empty+": empty file")
	require.Contains(t, stderr, shapeless+":1: no spans")
	require.Contains(t, stderr, "nothing to send")
}

func TestReplayGivesUpWhenNoCollectorListens(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	path := writeFile(t, "one.otlp.json", jsonLine(t, testTraces(8, "h")))

	start := time.Now()
	code, _, stderr := runReplayArgs("--protocol", "http", "--endpoint", addr, "--repeat", "50", path)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "giving up after 10 failed requests in a row")
	require.Contains(t, stderr, path+":1 (copy 1)")
	require.Less(t, time.Since(start), 10*time.Second)
}

func TestReplayRateSpacesRequests(t *testing.T) {
	recv, addr := startGRPCServer(t)
	path := writeFile(t, "one.otlp.json", jsonLine(t, testTraces(9, "i")))

	start := time.Now()
	code, _, stderr := runReplayArgs("--endpoint", addr, "--repeat", "5", "--rate", "20", path)
	require.Equal(t, 0, code, stderr)
	require.Len(t, recv.traces(), 5)
	// Five requests at 20/s: four intervals of 50ms.
	require.GreaterOrEqual(t, time.Since(start), 190*time.Millisecond)
}

func TestReplayRejectsBadFlagsWithTheFix(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{}, "no FILE given"},
		{[]string{"--protocol", "udp", "f"}, `--protocol "udp": use grpc or http`},
		{[]string{"--repeat", "0", "f"}, "--repeat must be >= 1"},
		{[]string{"--rate", "-1", "f"}, "--rate must be >= 0"},
	} {
		code, _, stderr := runReplayArgs(tc.args...)
		require.Equal(t, 2, code, "%v", tc.args)
		require.Contains(t, stderr, tc.want, "%v", tc.args)
	}
}
