// Package metrics holds the step metrics connector's aggregation: sums and
// explicit-bucket histograms keyed by their attribute values, with a
// cardinality limit that folds new series into one overflow series,
// exemplars, and expiry of series not seen for a while. It knows nothing of
// steps; the connector decides what is added where.
package metrics

import (
	"sort"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// OverflowKey marks the one series that takes every new attribute set once
// the cardinality limit is reached, as the OpenTelemetry SDKs and
// spanmetrics do: otel.metric.overflow="true".
const OverflowKey = "otel.metric.overflow"

// Key identifies a series by its attributes (the connector joins keys and
// values with separators).
type Key string

// Attrs builds a new series' attributes; it is called once per series.
type Attrs func(pcommon.Map)

// Exemplar links a recorded value to the anchor span of its step.
type Exemplar struct {
	TraceID pcommon.TraceID
	SpanID  pcommon.SpanID
}

// series is what every kind of point shares.
type series struct {
	attrs    pcommon.Map
	start    pcommon.Timestamp
	lastSeen time.Time
	// exemplars since the last flush, as plain values: the slice is kept
	// across flushes, so recording one allocates nothing once a series
	// has held max; flush makes the pdata exemplars.
	exemplars []exemplar
	overflow  bool // the overflow series
}

// exemplar is one recorded exemplar until the flush.
type exemplar struct {
	Exemplar
	value float64
	time  pcommon.Timestamp
}

func (s *series) addExemplar(max int, ex *Exemplar, v float64, now time.Time) {
	if ex == nil || max <= 0 || len(s.exemplars) >= max {
		return
	}
	if s.exemplars == nil {
		s.exemplars = make([]exemplar, 0, max)
	}
	s.exemplars = append(s.exemplars, exemplar{*ex, v, pcommon.NewTimestampFromTime(now)})
}

// moveExemplars appends the series' exemplars to es, with integer values
// when asInt, and forgets them.
func (s *series) moveExemplars(es pmetric.ExemplarSlice, asInt bool) {
	es.EnsureCapacity(len(s.exemplars))
	for _, x := range s.exemplars {
		e := es.AppendEmpty()
		e.SetTraceID(x.TraceID)
		e.SetSpanID(x.SpanID)
		if asInt {
			e.SetIntValue(int64(x.value))
		} else {
			e.SetDoubleValue(x.value)
		}
		e.SetTimestamp(x.time)
	}
	s.exemplars = s.exemplars[:0]
}

// Limits are the bounds every set of series shares.
type Limits struct {
	// Cardinality bounds the series of one metric; 0 means no bound.
	Cardinality int
	// Exemplars bounds the exemplars kept per series and flush; 0 keeps none.
	Exemplars int
}

// set is the map of series of one metric with its cardinality limit.
type set[T any] struct {
	m      map[Key]*T
	limits Limits
	// startAt, when set, is every new series' start: the last flush, for
	// delta temporality.
	startAt pcommon.Timestamp
	// overflows counts values that went to the overflow series.
	overflows int
}

// get returns the series for key, creating it (or the overflow series past
// the limit) with the attributes from attrs. The key is copied only when a
// series is made.
func (s *set[T]) get(key []byte, attrs Attrs, now time.Time, mk func(series) *T, base func(*T) *series) *T {
	if p, ok := s.m[Key(key)]; ok {
		base(p).lastSeen = now
		return p
	}
	start := s.startAt
	if start == 0 {
		start = pcommon.NewTimestampFromTime(now)
	}
	sr := series{start: start, lastSeen: now, attrs: pcommon.NewMap()}
	if s.limits.Cardinality > 0 && len(s.m) >= s.limits.Cardinality {
		if p, ok := s.m[OverflowKey]; ok {
			base(p).lastSeen = now
			return p
		}
		sr.overflow = true
		sr.attrs.PutBool(OverflowKey, true)
		p := mk(sr)
		s.m[OverflowKey] = p
		return p
	}
	attrs(sr.attrs)
	p := mk(sr)
	s.m[Key(key)] = p
	return p
}

func (s *set[T]) expire(olderThan time.Time, base func(*T) *series) {
	for k, p := range s.m {
		if base(p).lastSeen.Before(olderThan) {
			delete(s.m, k)
		}
	}
}

// Len is the number of series, the overflow series included.
func (s *set[T]) Len() int { return len(s.m) }

// Overflowed is how many values went to the overflow series.
func (s *set[T]) Overflowed() int { return s.overflows }

// Sum is one series of a monotonic sum.
type Sum struct {
	series
	value float64
}

// Sums is a monotonic sum metric, int or double valued.
type Sums struct {
	set[Sum]
	isInt bool
}

// NewSums returns an empty sum metric; isInt makes its points integers.
func NewSums(limits Limits, isInt bool) *Sums {
	return &Sums{set: set[Sum]{m: map[Key]*Sum{}, limits: limits}, isInt: isInt}
}

func sumBase(p *Sum) *series { return &p.series }

// Add adds v (>= 0) to the series of key, with an exemplar when ex is set.
func (s *Sums) Add(key []byte, attrs Attrs, v float64, ex *Exemplar, now time.Time) {
	s.AddTo(s.Series(key, attrs, now), v, ex, now)
}

// Series returns the series of key, made (or the overflow series) as Add
// makes it. The pointer stays valid until the next Expire or Reset.
func (s *Sums) Series(key []byte, attrs Attrs, now time.Time) *Sum {
	return s.get(key, attrs, now, func(sr series) *Sum { return &Sum{series: sr} }, sumBase)
}

// AddTo adds v (>= 0) to series p, from Series since the last Expire or
// Reset, with an exemplar when ex is set.
func (s *Sums) AddTo(p *Sum, v float64, ex *Exemplar, now time.Time) {
	p.lastSeen = now
	if p.overflow {
		s.overflows++
	}
	p.value += v
	p.addExemplar(s.limits.Exemplars, ex, v, now)
}

// Expire drops the series not seen since olderThan.
func (s *Sums) Expire(olderThan time.Time) { s.expire(olderThan, sumBase) }

// Reset forgets every series (delta temporality, after the flush at ts);
// series made later start at ts.
func (s *Sums) Reset(ts pcommon.Timestamp) { clear(s.m); s.startAt = ts }

// Build writes the series into metric as a monotonic sum at ts.
func (s *Sums) Build(metric pmetric.Metric, ts pcommon.Timestamp, temporality pmetric.AggregationTemporality) {
	sum := metric.SetEmptySum()
	sum.SetIsMonotonic(true)
	sum.SetAggregationTemporality(temporality)
	dps := sum.DataPoints()
	dps.EnsureCapacity(len(s.m))
	for _, p := range s.m {
		dp := dps.AppendEmpty()
		p.attrs.CopyTo(dp.Attributes())
		dp.SetStartTimestamp(p.start)
		dp.SetTimestamp(ts)
		if s.isInt {
			dp.SetIntValue(int64(p.value))
		} else {
			dp.SetDoubleValue(p.value)
		}
		p.moveExemplars(dp.Exemplars(), s.isInt)
	}
}

// Histogram is one series of an explicit-bucket histogram.
type Histogram struct {
	series
	counts []uint64
	count  uint64
	sum    float64
}

// Histograms is a histogram metric with fixed bucket boundaries.
type Histograms struct {
	set[Histogram]
	bounds []float64
}

// NewHistograms returns an empty histogram metric over bounds (ascending).
func NewHistograms(bounds []float64, limits Limits) *Histograms {
	return &Histograms{set: set[Histogram]{m: map[Key]*Histogram{}, limits: limits}, bounds: bounds}
}

func histBase(p *Histogram) *series { return &p.series }

// Observe records v in the series of key. A value equal to a boundary
// falls in the bucket that boundary closes, as OTLP defines (upper bound
// inclusive).
func (h *Histograms) Observe(key []byte, attrs Attrs, v float64, ex *Exemplar, now time.Time) {
	h.ObserveIn(h.Series(key, attrs, now), v, ex, now)
}

// Series returns the series of key, made (or the overflow series) as
// Observe makes it. The pointer stays valid until the next Expire or Reset.
func (h *Histograms) Series(key []byte, attrs Attrs, now time.Time) *Histogram {
	return h.get(key, attrs, now, func(sr series) *Histogram {
		return &Histogram{series: sr, counts: make([]uint64, len(h.bounds)+1)}
	}, histBase)
}

// ObserveIn records v in series p, from Series since the last Expire or
// Reset, as Observe does.
func (h *Histograms) ObserveIn(p *Histogram, v float64, ex *Exemplar, now time.Time) {
	p.lastSeen = now
	if p.overflow {
		h.overflows++
	}
	p.counts[sort.SearchFloat64s(h.bounds, v)]++
	p.count++
	p.sum += v
	p.addExemplar(h.limits.Exemplars, ex, v, now)
}

// Expire drops the series not seen since olderThan.
func (h *Histograms) Expire(olderThan time.Time) { h.expire(olderThan, histBase) }

// Reset forgets every series (delta temporality, after the flush at ts);
// series made later start at ts.
func (h *Histograms) Reset(ts pcommon.Timestamp) { clear(h.m); h.startAt = ts }

// Build writes the series into metric as a histogram at ts.
func (h *Histograms) Build(metric pmetric.Metric, ts pcommon.Timestamp, temporality pmetric.AggregationTemporality) {
	hist := metric.SetEmptyHistogram()
	hist.SetAggregationTemporality(temporality)
	dps := hist.DataPoints()
	dps.EnsureCapacity(len(h.m))
	for _, p := range h.m {
		dp := dps.AppendEmpty()
		p.attrs.CopyTo(dp.Attributes())
		dp.SetStartTimestamp(p.start)
		dp.SetTimestamp(ts)
		dp.ExplicitBounds().FromRaw(h.bounds)
		dp.BucketCounts().FromRaw(p.counts)
		dp.SetCount(p.count)
		dp.SetSum(p.sum)
		p.moveExemplars(dp.Exemplars(), false)
	}
}
