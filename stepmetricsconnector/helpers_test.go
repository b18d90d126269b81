package stepmetricsconnector

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.uber.org/zap"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepprocessor"
)

// fakeClock is the connector's clock in tests: it moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Unix(1_780_000_000, 0)} }

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// newTestConnector returns a connector on a fake clock whose flushes go to
// the returned sink (call flush; no ticker runs).
func newTestConnector(t testing.TB, mutate func(*Config)) (*stepMetrics, *consumertest.MetricsSink, *fakeClock) {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	if mutate != nil {
		mutate(cfg)
	}
	require.NoError(t, cfg.Validate())
	sink := &consumertest.MetricsSink{}
	clock := newFakeClock()
	return newConnector(zap.NewNop(), cfg, sink, clock.now), sink, clock
}

// readFixture reads one OTLP/JSON request per line, or one pretty-printed
// request.
func readFixture(t testing.TB, path string) []ptrace.Traces {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var docs [][]byte
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	if json.Valid(lines[0]) {
		for _, l := range lines {
			if len(bytes.TrimSpace(l)) > 0 {
				docs = append(docs, l)
			}
		}
	} else {
		docs = [][]byte{data}
	}
	var out []ptrace.Traces
	for i, d := range docs {
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(d)
		require.NoError(t, err, "%s: request %d", path, i+1)
		out = append(out, td)
	}
	return out
}

// fixtures lists every hand-written fixture of the repository.
func fixtures(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "testdata", "*", "*.otlp.json"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	return paths
}

// expectedRecords reads the records a fixture must give, as written from
// the conventions (testdata/*/*.steps.jsonl), not from our output.
func expectedRecords(t testing.TB, fixture string) []step.Step {
	t.Helper()
	f, err := os.Open(strings.TrimSuffix(fixture, ".otlp.json") + ".steps.jsonl")
	require.NoError(t, err)
	defer f.Close()
	var out []step.Step
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var s step.Step
		require.NoError(t, json.Unmarshal(sc.Bytes(), &s))
		out = append(out, s)
	}
	require.NoError(t, sc.Err())
	return out
}

// annotateSplit runs a fixture's batches through a real step processor,
// each batch released before the next arrives: a step whose parts come in
// several batches reaches the connector as an anchor in one batch and
// patches (step.patches) in later ones, as late spans do in a collector.
// It returns the processor's output batches in order.
func annotateSplit(t testing.TB, fixture string) []ptrace.Traces {
	t.Helper()
	f := stepprocessor.NewFactory()
	cfg := f.CreateDefaultConfig().(*stepprocessor.Config)
	cfg.Wait = 10 * time.Millisecond
	sink := &consumertest.TracesSink{}
	ctx := context.Background()
	p, err := f.CreateTraces(ctx, processortest.NewNopSettings(f.Type()), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(ctx, nil))
	sent := 0
	for _, b := range readFixture(t, fixture) {
		sent += b.SpanCount()
		require.NoError(t, p.ConsumeTraces(ctx, b))
		// Wait on the release of every span sent so far, so the next batch
		// arrives after this one's trace was released.
		require.Eventually(t, func() bool { return sink.SpanCount() >= sent }, 30*time.Second, 5*time.Millisecond,
			"%s: the processor did not release %d spans", fixture, sent)
	}
	require.NoError(t, p.Shutdown(ctx))
	return sink.AllTraces()
}

// point is one data point, flattened for assertions.
type point struct {
	metric string
	attrs  map[string]any
	value  float64 // sum value, or histogram sum
	count  uint64  // histogram count
	exs    pmetric.ExemplarSlice
}

// points flattens the last flush in sink (cumulative) or all flushes
// (delta, when all is true).
func points(sink *consumertest.MetricsSink, all bool) []point {
	mds := sink.AllMetrics()
	if !all && len(mds) > 0 {
		mds = mds[len(mds)-1:]
	}
	var out []point
	for _, md := range mds {
		rms := md.ResourceMetrics()
		for i := 0; i < rms.Len(); i++ {
			sms := rms.At(i).ScopeMetrics()
			for j := 0; j < sms.Len(); j++ {
				ms := sms.At(j).Metrics()
				for k := 0; k < ms.Len(); k++ {
					m := ms.At(k)
					switch m.Type() {
					case pmetric.MetricTypeSum:
						dps := m.Sum().DataPoints()
						for d := 0; d < dps.Len(); d++ {
							dp := dps.At(d)
							v := dp.DoubleValue()
							if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
								v = float64(dp.IntValue())
							}
							out = append(out, point{m.Name(), dp.Attributes().AsRaw(), v, 0, dp.Exemplars()})
						}
					case pmetric.MetricTypeHistogram:
						dps := m.Histogram().DataPoints()
						for d := 0; d < dps.Len(); d++ {
							dp := dps.At(d)
							out = append(out, point{m.Name(), dp.Attributes().AsRaw(), dp.Sum(), dp.Count(), dp.Exemplars()})
						}
					}
				}
			}
		}
	}
	return out
}

// total sums the values of metric's points whose attributes include match.
func total(pts []point, metric string, match map[string]any) float64 {
	var s float64
	for _, p := range pts {
		if p.metric != metric {
			continue
		}
		ok := true
		for k, v := range match {
			if p.attrs[k] != v {
				ok = false
			}
		}
		if ok {
			s += p.value
		}
	}
	return s
}

// anchorSpan returns a span with a whole step on it as step.* attributes.
func anchorSpan(td ptrace.Traces, s *step.Step, traceByte, spanByte byte) ptrace.Span {
	sp := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	sp.SetTraceID(pcommon.TraceID{traceByte, 1})
	sp.SetSpanID(pcommon.SpanID{spanByte, 1})
	step.Write(sp.Attributes(), s)
	return sp
}
