//go:build e2e && unix

package e2e

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	_ "google.golang.org/grpc/encoding/gzip" // the otlp_grpc exporter compresses with gzip by default
)

// traceSink is an OTLP/gRPC trace endpoint standing where Jaeger's OTLP
// receiver would be; the real Jaeger is the subject of its own test.
type traceSink struct {
	ptraceotlp.UnimplementedGRPCServer
	mu    sync.Mutex
	spans map[string]map[string]any // span id -> attributes
}

func (s *traceSink) Export(_ context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rss := req.Traces().ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				sp := spans.At(k)
				s.spans[sp.SpanID().String()] = sp.Attributes().AsRaw()
			}
		}
	}
	return ptraceotlp.NewExportResponse(), nil
}

func (s *traceSink) snapshot() map[string]map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]map[string]any, len(s.spans))
	for k, v := range s.spans {
		out[k] = v
	}
	return out
}

// TestJaegerOverlaySendsEverySpanWithItsStepTags runs the collector as
// `JAEGER_ENDPOINT=... make run` does, with config.yaml and
// config.jaeger.yaml, moved to free ports, and checks that every replayed
// span reaches the Jaeger endpoint and that the anchor spans carry step.id.
func TestJaegerOverlaySendsEverySpanWithItsStepTags(t *testing.T) {
	root := repoRoot(t)
	collector := builtCollector(t)
	fixture := filepath.Join(root, "testdata", "genai", "agent_with_cache_and_reasoning.otlp.json")
	require.FileExists(t, fixture)
	wantSpans := 0
	for _, td := range readFixture(t, fixture) {
		wantSpans += td.SpanCount()
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer()
	sink := &traceSink{spans: map[string]map[string]any{}}
	ptraceotlp.RegisterGRPCServer(srv, sink)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)

	dir := t.TempDir()
	grpcAddr, httpAddr, healthAddr := loopback(freePort(t)), loopback(freePort(t)), loopback(freePort(t))
	t.Setenv("JAEGER_ENDPOINT", l.Addr().String())
	otelcol := startProcessIn(t, root, "otelcol-steps", collector,
		"--config", "config.yaml", "--config", "config.jaeger.yaml",
		"--set", "receivers::otlp::protocols::grpc::endpoint="+grpcAddr,
		"--set", "receivers::otlp::protocols::http::endpoint="+httpAddr,
		"--set", "extensions::health_check::endpoint="+healthAddr,
		"--set", "exporters::prometheus::endpoint="+loopback(freePort(t)),
		"--set", "exporters::step::sqlite::path="+filepath.Join(dir, "steps.db"),
		"--set", "processors::step::wait=500ms",
		"--set", "service::telemetry::metrics::level=none")
	waitHealthy(t, otelcol, "http://"+healthAddr+"/", healthyWithin)

	runCommand(t, root, time.Minute, buildSteps(t, root, dir), "replay", "--endpoint", grpcAddr, fixture)

	var got map[string]map[string]any
	require.Eventually(t, func() bool {
		got = sink.snapshot()
		return len(got) >= wantSpans
	}, 30*time.Second, 200*time.Millisecond, "spans reaching the Jaeger endpoint")
	require.Len(t, got, wantSpans, "every span goes on to Jaeger, none twice")
	anchors := 0
	for _, attrs := range got {
		if id, ok := attrs["step.id"].(string); ok {
			require.Regexp(t, `^step-[0-9a-f-]{36}$`, id)
			anchors++
		}
	}
	require.Positive(t, anchors, "the anchor spans carry step.id")
	_, err = os.Stat(filepath.Join(dir, "steps.db"))
	require.NoError(t, err, "the steps still go to SQLite")
}
