package metrics

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

func attrs(k, v string) Attrs { return func(m pcommon.Map) { m.PutStr(k, v) } }

// TestHistogramBoundaryValueFallsInTheBucketItCloses: OTLP buckets are
// (bounds[i-1], bounds[i]], so 4 lands in the bucket that 4 closes.
func TestHistogramBoundaryValueFallsInTheBucketItCloses(t *testing.T) {
	h := NewHistograms([]float64{1, 4, 16}, Limits{})
	now := time.Unix(100, 0)
	for _, v := range []float64{0, 1, 2, 4, 16, 17} {
		h.Observe([]byte("k"), attrs("a", "b"), v, nil, now)
	}
	m := pmetric.NewMetric()
	h.Build(m, pcommon.NewTimestampFromTime(now), pmetric.AggregationTemporalityCumulative)
	dp := m.Histogram().DataPoints().At(0)
	require.Equal(t, []uint64{2, 2, 1, 1}, dp.BucketCounts().AsRaw())
	require.Equal(t, uint64(6), dp.Count())
	require.Equal(t, 40.0, dp.Sum())
	require.Equal(t, map[string]any{"a": "b"}, dp.Attributes().AsRaw())
}

func TestOverflowSeriesPastTheLimit(t *testing.T) {
	s := NewSums(Limits{Cardinality: 2}, true)
	now := time.Unix(100, 0)
	for i := range 5 {
		s.Add([]byte(fmt.Sprint(i)), attrs("i", fmt.Sprint(i)), 1, nil, now)
	}
	require.Equal(t, 3, s.Len())
	require.Equal(t, 3, s.Overflowed())
	m := pmetric.NewMetric()
	s.Build(m, pcommon.NewTimestampFromTime(now), pmetric.AggregationTemporalityCumulative)
	found := false
	for i := 0; i < m.Sum().DataPoints().Len(); i++ {
		dp := m.Sum().DataPoints().At(i)
		if v, ok := dp.Attributes().Get(OverflowKey); ok && v.Bool() {
			found = true
			require.Equal(t, int64(3), dp.IntValue())
			require.Equal(t, 1, dp.Attributes().Len(), "the overflow series has no other attribute")
		}
	}
	require.True(t, found)
}

func TestExpireDropsSeriesNotSeen(t *testing.T) {
	s := NewSums(Limits{}, false)
	t0 := time.Unix(100, 0)
	s.Add([]byte("old"), attrs("a", "old"), 1, nil, t0)
	s.Add([]byte("new"), attrs("a", "new"), 1, nil, t0.Add(time.Minute))
	s.Expire(t0.Add(30 * time.Second))
	require.Equal(t, 1, s.Len())
}

// BenchmarkSumsAdd is the aggregation's per-value cost on an existing
// series, the common case once a collector has warmed up.
// Run: go test ./stepmetricsconnector/internal/metrics -run '^$' -bench .
func BenchmarkSumsAdd(b *testing.B) {
	s := NewSums(Limits{Cardinality: 2000, Exemplars: 5}, true)
	keys := make([][]byte, 64)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("gen_ai.provider.name\x01openai\x00gen_ai.response.model\x01model-%d\x00", i))
	}
	now := time.Unix(100, 0)
	ex := &Exemplar{}
	a := attrs("a", "b")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Add(keys[i%len(keys)], a, 1, ex, now)
	}
}

func BenchmarkHistogramsObserve(b *testing.B) {
	h := NewHistograms([]float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}, Limits{Cardinality: 2000})
	now := time.Unix(100, 0)
	a := attrs("a", "b")
	keys := make([][]byte, 16)
	for i := range keys {
		keys[i] = []byte(fmt.Sprint("series-", i))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Observe(keys[i%len(keys)], a, float64(i%100000), nil, now)
	}
}

// TestExemplarsUpToTheLimitPerFlush: a series keeps at most
// Limits.Exemplars exemplars, each with its ids, value and time (an
// integer value in an integer sum), and a build hands them out once.
func TestExemplarsUpToTheLimitPerFlush(t *testing.T) {
	s := NewSums(Limits{Exemplars: 2}, true)
	t0 := time.Unix(100, 0)
	for i := range 3 {
		ex := &Exemplar{TraceID: pcommon.TraceID{byte(i + 1)}, SpanID: pcommon.SpanID{byte(i + 1)}}
		s.Add([]byte("k"), attrs("a", "b"), float64(10+i), ex, t0.Add(time.Duration(i)*time.Second))
	}
	m := pmetric.NewMetric()
	s.Build(m, pcommon.NewTimestampFromTime(t0), pmetric.AggregationTemporalityCumulative)
	es := m.Sum().DataPoints().At(0).Exemplars()
	require.Equal(t, 2, es.Len())
	for i := range 2 {
		e := es.At(i)
		require.Equal(t, pcommon.TraceID{byte(i + 1)}, e.TraceID())
		require.Equal(t, pcommon.SpanID{byte(i + 1)}, e.SpanID())
		require.Equal(t, pmetric.ExemplarValueTypeInt, e.ValueType())
		require.Equal(t, int64(10+i), e.IntValue())
		require.Equal(t, pcommon.NewTimestampFromTime(t0.Add(time.Duration(i)*time.Second)), e.Timestamp())
	}
	m = pmetric.NewMetric()
	s.Build(m, pcommon.NewTimestampFromTime(t0), pmetric.AggregationTemporalityCumulative)
	require.Zero(t, m.Sum().DataPoints().At(0).Exemplars().Len(), "handed out once")
}
