package stepmetricsconnector

import (
	"context"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepmetricsconnector/internal/metadata"
	"github.com/agentsteps/collector/stepmetricsconnector/internal/metrics"
)

// amount indexes what is counted per step by increase: the token counts
// and the cost.
type amount int

const (
	amountInput amount = iota
	amountOutput
	amountCacheRead
	amountCacheWrite
	amountReasoning
	amountCost
	nAmounts
)

// tokenTypes names the token amounts as gen_ai.token.type values.
var tokenTypes = [amountCost]string{tokenInput, tokenOutput, tokenCacheRead, tokenCacheWrite, tokenReasoning}

// stepRec is the part of a step's record that the metrics read, merged
// from every part seen so far. Field names are step.Step's.
type stepRec struct {
	ProviderName, Model, AgentID, ServiceName string
	FinishReason, ErrorType, TraceID, SpanID  string
	Status                                    step.Status
	StartTime, EndTime                        step.Time
	PromptTokens, CompletionTokens            *int64
	CachedInputTokens, CacheWriteTokens       *int64
	ReasoningTokens                           *int64
}

// merge folds patch p into r with the step package's merge rule, through
// a scratch record: r holds only what the metrics read (about 200 bytes
// rather than step.Step's 570), since every remembered step costs memory.
func (r *stepRec) merge(p, scratch *step.Step) {
	*scratch = step.Step{
		ProviderName: r.ProviderName, Model: r.Model, AgentID: r.AgentID, ServiceName: r.ServiceName,
		FinishReason: r.FinishReason, ErrorType: r.ErrorType, TraceID: r.TraceID, SpanID: r.SpanID,
		Status: r.Status, StartTime: r.StartTime, EndTime: r.EndTime,
		PromptTokens: r.PromptTokens, CompletionTokens: r.CompletionTokens,
		CachedInputTokens: r.CachedInputTokens, CacheWriteTokens: r.CacheWriteTokens, ReasoningTokens: r.ReasoningTokens,
	}
	scratch.Merge(p)
	*r = stepRec{
		ProviderName: scratch.ProviderName, Model: scratch.Model, AgentID: scratch.AgentID, ServiceName: scratch.ServiceName,
		FinishReason: scratch.FinishReason, ErrorType: scratch.ErrorType, TraceID: scratch.TraceID, SpanID: scratch.SpanID,
		Status: scratch.Status, StartTime: scratch.StartTime, EndTime: scratch.EndTime,
		PromptTokens: scratch.PromptTokens, CompletionTokens: scratch.CompletionTokens,
		CachedInputTokens: scratch.CachedInputTokens, CacheWriteTokens: scratch.CacheWriteTokens, ReasoningTokens: scratch.ReasoningTokens,
	}
}

// stepState is what the connector remembers of one step: the record merged
// from every part seen so far, and what of it was already counted.
type stepState struct {
	rec     stepRec
	cost    float64
	hasCost bool
	extra   []string // values of the configured dimensions; "" unknown
	counted [nAmounts]float64
	done    bool // counted as finished: step count and histograms
	ex      metrics.Exemplar
	hasEx   bool
	seen    time.Time
}

type kv struct{ k, v string }

type stepMetrics struct {
	cfg    *Config
	logger *zap.Logger
	next   consumer.Metrics
	now    func() time.Time

	mu         sync.Mutex
	memory     *simplelru.LRU[string, *stepState]
	tokenUsage *metrics.Histograms
	duration   *metrics.Histograms
	stepCount  *metrics.Sums
	stepTokens *metrics.Sums
	stepCost   *metrics.Sums
	// rejected counts bad patches since start (logged at debug level).
	rejected int

	// Built once from the config, so the per-span path is a plain walk.
	idKey    string
	extra    []Dimension
	extraKey []string
	exclude  map[string]bool

	sc      scan
	scratch step.Step // stepRec.merge's, reused
	scanFn  func(string, pcommon.Value) bool
	kvs     []kv   // the current step's attributes, reused
	key     []byte // the current series key, reused
	// baseN and baseKeyLen are the base attributes' count in kvs and
	// length in key: the prefix every series of the step shares.
	baseN, baseKeyLen int
	attrsFn           metrics.Attrs // c.putAttrs, made once rather than per call

	stop chan struct{}
	wg   sync.WaitGroup
}

func newConnector(logger *zap.Logger, cfg *Config, next consumer.Metrics, now func() time.Time) *stepMetrics {
	limits := metrics.Limits{Cardinality: cfg.AggregationCardinalityLimit}
	if cfg.Exemplars.Enabled {
		limits.Exemplars = cfg.Exemplars.MaxPerDataPoint
	}
	mem, _ := simplelru.NewLRU[string, *stepState](cfg.StepMemory.MaxSteps, nil) // size >= 1 by Validate
	idField, _ := step.FieldByName("id")
	c := &stepMetrics{
		cfg: cfg, logger: logger, next: next, now: now,
		memory:     mem,
		tokenUsage: metrics.NewHistograms(tokenUsageBuckets, limits),
		duration:   metrics.NewHistograms(durationBuckets, limits),
		stepCount:  metrics.NewSums(limits, true),
		stepTokens: metrics.NewSums(limits, true),
		stepCost:   metrics.NewSums(limits, false),
		idKey:      idField.Key,
		extra:      cfg.Dimensions,
		exclude:    map[string]bool{},
		stop:       make(chan struct{}),
	}
	c.attrsFn, c.scanFn = c.putAttrs, c.scanAttr
	c.sc.extra = make([]string, len(cfg.Dimensions))
	for _, d := range cfg.Dimensions {
		f, _ := step.FieldByName(d.Name)
		c.extraKey = append(c.extraKey, f.Key)
	}
	for _, k := range cfg.ExcludeDimensions {
		c.exclude[k] = true
	}
	return c
}

func (c *stepMetrics) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

// Start flushes the metrics every metrics_flush_interval.
func (c *stepMetrics) Start(context.Context, component.Host) error {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		t := time.NewTicker(c.cfg.MetricsFlushInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				c.flush(context.Background())
			case <-c.stop:
				return
			}
		}
	}()
	return nil
}

// Shutdown stops the flushes and sends what was counted since the last.
func (c *stepMetrics) Shutdown(ctx context.Context) error {
	select {
	case <-c.stop:
		return nil
	default:
	}
	close(c.stop)
	c.wg.Wait()
	c.flush(ctx)
	return nil
}

// ConsumeTraces counts the steps the spans carry. A bad patch is logged and
// skipped; it never fails the batch, and the batch is never refused.
func (c *stepMetrics) ConsumeTraces(_ context.Context, td ptrace.Traces) error {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				c.consumeSpan(spans.At(k), now)
			}
		}
	}
	return nil
}

// scan is what one walk over a span's attributes found.
type scan struct {
	found   bool // a step.* field of an anchor
	patches bool // step.patches
	err     error
	rec     step.Step // the anchor's fields
	cost    pcommon.Value
	hasCost bool
	extra   []string
}

// consumeSpan skips a span with neither step.id nor step.patches, and
// walks the attributes of any other once. An anchor's step.* fields are
// set through the step package's fields (step.FieldByKey, Field.Set),
// with step.Read's rules: a bad value or a missing id rejects the anchor.
// A span with step.patches goes through step.Read itself (the rare path).
func (c *stepMetrics) consumeSpan(sp ptrace.Span, now time.Time) {
	attrs := sp.Attributes()
	// Most spans carry no step: two lookups skip them. step.* fields
	// without step.id count nowhere either way (step.Read rejects them).
	if _, ok := attrs.Get(c.idKey); !ok {
		if _, ok := attrs.Get(step.PatchesKey); !ok {
			return
		}
	}
	c.sc.found, c.sc.patches, c.sc.err, c.sc.hasCost = false, false, nil, false
	c.sc.rec = step.Step{}
	clear(c.sc.extra)
	attrs.Range(c.scanFn)
	if c.sc.patches {
		c.consumeRead(sp, attrs, now)
		return
	}
	if !c.sc.found {
		return
	}
	if c.sc.err == nil && c.sc.rec.ID == "" {
		c.sc.err = step.ErrNoID
	}
	if c.sc.err != nil {
		c.reject(sp, c.sc.err)
		return
	}
	st := c.state(c.sc.rec.ID, now)
	c.merge(st, &c.sc.rec)
	c.anchor(st, sp, c.sc.extra)
	if c.sc.hasCost {
		c.mergeCost(st, c.sc.cost)
	}
	c.count(st, now)
}

// scanAttr is the body of the walk, made once (see newConnector).
func (c *stepMetrics) scanAttr(k string, v pcommon.Value) bool {
	if len(k) <= len(step.Prefix) || k[:len(step.Prefix)] != step.Prefix {
		return true
	}
	for i, ek := range c.extraKey {
		if k == ek {
			c.sc.extra[i] = v.AsString()
		}
	}
	switch k {
	case step.PatchesKey:
		c.sc.patches = true
		return true
	case costUSDKey:
		c.sc.cost, c.sc.hasCost = v, true
		return true
	}
	if f, ok := step.FieldByKey(k); ok {
		c.sc.found = true
		if err := f.Set(&c.sc.rec, v); err != nil && c.sc.err == nil {
			c.sc.err = fmt.Errorf("%s: %w", k, err)
		}
	}
	return true
}

// consumeRead counts the patches of a span that carries step.patches.
func (c *stepMetrics) consumeRead(sp ptrace.Span, attrs pcommon.Map, now time.Time) {
	patches, errs := step.Read(attrs)
	for _, err := range errs {
		c.reject(sp, err)
	}
	anchorID := ""
	if v, ok := attrs.Get(c.idKey); ok && v.Type() == pcommon.ValueTypeStr {
		anchorID = v.Str()
	}
	for i := range patches {
		p := &patches[i]
		st := c.state(p.ID, now)
		c.merge(st, p)
		if i == 0 && p.ID == anchorID {
			c.anchor(st, sp, c.sc.extra)
			if c.sc.hasCost {
				c.mergeCost(st, c.sc.cost)
			}
		} else {
			c.readPatchCost(st, attrs, p.ID)
		}
		c.count(st, now)
	}
}

func (c *stepMetrics) reject(sp ptrace.Span, err error) {
	c.rejected++
	c.logger.Debug("step metrics: bad step patch skipped",
		zap.Stringer("trace_id", sp.TraceID()), zap.Stringer("span_id", sp.SpanID()), zap.Error(err))
}

// merge folds patch p into the step's record.
func (c *stepMetrics) merge(st *stepState, p *step.Step) {
	st.rec.merge(p, &c.scratch)
}

// state returns the remembered state of step id, a fresh one if the step
// is unknown or was last seen longer than step_memory::ttl ago.
func (c *stepMetrics) state(id string, now time.Time) *stepState {
	st, ok := c.memory.Get(id)
	if !ok || now.Sub(st.seen) > c.cfg.StepMemory.TTL {
		st = &stepState{}
		c.memory.Add(id, st)
	}
	st.seen = now
	return st
}

// anchor takes from the anchor span what the record does not hold: the
// exemplar's ids and the configured dimensions (first value seen wins).
func (c *stepMetrics) anchor(st *stepState, sp ptrace.Span, extra []string) {
	st.ex, st.hasEx = metrics.Exemplar{TraceID: sp.TraceID(), SpanID: sp.SpanID()}, true
	if len(extra) == 0 {
		return
	}
	if st.extra == nil {
		st.extra = make([]string, len(extra))
	}
	for i, v := range extra {
		if st.extra[i] == "" {
			st.extra[i] = v
		}
	}
}

// readPatchCost reads cost_usd from the step.patches entry of step id.
func (c *stepMetrics) readPatchCost(st *stepState, attrs pcommon.Map, id string) {
	v, ok := attrs.Get(step.PatchesKey)
	if !ok || v.Type() != pcommon.ValueTypeSlice {
		return
	}
	sl := v.Slice()
	for i := 0; i < sl.Len(); i++ {
		e := sl.At(i)
		if e.Type() != pcommon.ValueTypeMap {
			continue
		}
		if pid, ok := e.Map().Get("id"); !ok || pid.AsString() != id {
			continue
		}
		if cv, ok := e.Map().Get(costUSDName); ok {
			c.mergeCost(st, cv)
		}
	}
}

// mergeCost keeps the largest cost seen, as the record's merge keeps the
// largest count: a later patch only ever adds tokens, so adds cost.
func (c *stepMetrics) mergeCost(st *stepState, v pcommon.Value) {
	var f float64
	switch v.Type() {
	case pcommon.ValueTypeDouble:
		f = v.Double()
	case pcommon.ValueTypeInt:
		f = float64(v.Int())
	default:
		c.rejected++
		return
	}
	if f < 0 || f != f { // negative or NaN: not a price
		c.rejected++
		return
	}
	if !st.hasCost || f > st.cost {
		st.cost, st.hasCost = f, true
	}
}

func (st *stepState) amount(a amount) (float64, bool) {
	r := &st.rec
	var p *int64
	switch a {
	case amountInput:
		p = r.PromptTokens
	case amountOutput:
		p = r.CompletionTokens
	case amountCacheRead:
		p = r.CachedInputTokens
	case amountCacheWrite:
		p = r.CacheWriteTokens
	case amountReasoning:
		p = r.ReasoningTokens
	case amountCost:
		return st.cost, st.hasCost
	}
	if p == nil {
		return 0, false
	}
	return float64(*p), true
}

func terminal(s step.Status) bool {
	return s == step.StatusSuccess || s == step.StatusFailed || s == step.StatusCancelled
}

// count adds what the step's merged record has beyond what was counted:
// token and cost sums by increase, so that a part arriving later adds only
// what it adds; the step count and the histograms once, when the step
// first has a final status.
func (c *stepMetrics) count(st *stepState, now time.Time) {
	ex := c.exemplar(st)
	c.baseAttrs(st)
	base := len(c.kvs)
	for a := amount(0); a < nAmounts; a++ {
		v, ok := st.amount(a)
		if !ok || v <= st.counted[a] {
			continue
		}
		d := v - st.counted[a]
		st.counted[a] = v
		if a == amountCost {
			c.add(c.stepCost, d, ex, now)
			continue
		}
		c.kvs = append(c.kvs[:base], kv{attrTokenType, tokenTypes[a]})
		c.add(c.stepTokens, d, ex, now)
	}
	c.kvs = c.kvs[:base]
	if st.done || !terminal(st.rec.Status) {
		return
	}
	st.done = true

	c.kvs = append(c.kvs, kv{attrStatus, string(st.rec.Status)})
	if fr := st.rec.FinishReason; fr != "" && !c.exclude[attrFinishReason] {
		c.kvs = append(c.kvs, kv{attrFinishReason, fr})
	}
	c.add(c.stepCount, 1, ex, now)
	c.kvs = c.kvs[:base]

	for _, a := range [...]amount{amountInput, amountOutput} {
		if v, ok := st.amount(a); ok {
			c.kvs = append(c.kvs[:base], kv{attrTokenType, tokenTypes[a]})
			c.observe(c.tokenUsage, v, ex, now)
		}
	}
	c.kvs = c.kvs[:base]
	if r := &st.rec; r.StartTime > 0 && r.EndTime >= r.StartTime {
		if r.Status == step.StatusFailed {
			et := r.ErrorType
			if et == "" {
				et = errorTypeOther
			}
			c.kvs = append(c.kvs, kv{attrErrorType, et})
		}
		c.observe(c.duration, float64(r.EndTime-r.StartTime)/1e9, ex, now)
	}
	c.kvs = c.kvs[:base]
}

// baseAttrs fills c.kvs with the attributes every metric of the step
// carries, in a fixed order; unknown values are left off. The record holds
// one model, the served one where the source recorded it, so it is both
// the request and the response model.
func (c *stepMetrics) baseAttrs(st *stepState) {
	r := &st.rec
	c.kvs = append(c.kvs[:0], kv{attrOperationName, operationChat})
	c.put(attrProviderName, r.ProviderName)
	c.put(attrRequestModel, r.Model)
	c.put(attrResponseModel, r.Model)
	c.put(attrAgentID, r.AgentID)
	c.put(attrServiceName, r.ServiceName)
	for i, d := range c.extra {
		v := ""
		if st.extra != nil {
			v = st.extra[i]
		}
		if v == "" && d.Default != nil {
			v = *d.Default
		}
		c.put(c.extraKey[i], v)
	}
	c.baseN = len(c.kvs)
	c.key = c.key[:0]
	for _, p := range c.kvs {
		c.key = appendKV(c.key, p)
	}
	c.baseKeyLen = len(c.key)
}

func (c *stepMetrics) put(k, v string) {
	if v != "" && !c.exclude[k] {
		c.kvs = append(c.kvs, kv{k, v})
	}
}

// seriesKey joins c.kvs into one key, in c.key. 0x00 and 0x01 never
// occur in the keys and are rare enough in values for a key clash to need
// both.
// The base attributes' part is built once per step (see baseAttrs) and
// only the metric's own attributes are appended per series.
func (c *stepMetrics) seriesKey() []byte {
	c.key = c.key[:c.baseKeyLen]
	for _, p := range c.kvs[c.baseN:] {
		c.key = appendKV(c.key, p)
	}
	return c.key
}

func appendKV(b []byte, p kv) []byte {
	b = append(b, p.k...)
	b = append(b, 1)
	b = append(b, p.v...)
	return append(b, 0)
}

func (c *stepMetrics) putAttrs(m pcommon.Map) {
	m.EnsureCapacity(len(c.kvs))
	for _, p := range c.kvs {
		m.PutStr(p.k, p.v)
	}
}

func (c *stepMetrics) add(s *metrics.Sums, v float64, ex *metrics.Exemplar, now time.Time) {
	s.Add(c.seriesKey(), c.attrsFn, v, ex, now)
}

func (c *stepMetrics) observe(h *metrics.Histograms, v float64, ex *metrics.Exemplar, now time.Time) {
	h.Observe(c.seriesKey(), c.attrsFn, v, ex, now)
}

// exemplar is the step's anchor span, or the ids the record names when
// only patches of the step were seen.
func (c *stepMetrics) exemplar(st *stepState) *metrics.Exemplar {
	if !c.cfg.Exemplars.Enabled {
		return nil
	}
	if !st.hasEx {
		var t pcommon.TraceID
		var s pcommon.SpanID
		if hex.DecodedLen(len(st.rec.TraceID)) != len(t) || hex.DecodedLen(len(st.rec.SpanID)) != len(s) {
			return nil
		}
		if _, err := hex.Decode(t[:], []byte(st.rec.TraceID)); err != nil {
			return nil
		}
		if _, err := hex.Decode(s[:], []byte(st.rec.SpanID)); err != nil {
			return nil
		}
		st.ex, st.hasEx = metrics.Exemplar{TraceID: t, SpanID: s}, true
	}
	return &st.ex
}

// flush sends every series on, then expires what was not seen for
// series_expiration and forgets steps past step_memory::ttl; with delta
// temporality every series starts again from zero.
func (c *stepMetrics) flush(ctx context.Context) {
	md, n := c.build()
	if n == 0 {
		return
	}
	if err := c.next.ConsumeMetrics(ctx, md); err != nil {
		c.logger.Warn("step metrics: the next consumer refused the metrics", zap.Error(err))
	}
}

func (c *stepMetrics) build() (pmetric.Metrics, int) {
	now := c.now()
	ts := pcommon.NewTimestampFromTime(now)
	c.mu.Lock()
	defer c.mu.Unlock()
	if exp := c.cfg.SeriesExpiration; exp > 0 {
		old := now.Add(-exp)
		c.tokenUsage.Expire(old)
		c.duration.Expire(old)
		c.stepCount.Expire(old)
		c.stepTokens.Expire(old)
		c.stepCost.Expire(old)
	}
	for {
		_, st, ok := c.memory.GetOldest()
		if !ok || now.Sub(st.seen) <= c.cfg.StepMemory.TTL {
			break
		}
		c.memory.RemoveOldest()
	}

	md := pmetric.NewMetrics()
	sm := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(metadata.ScopeName)
	ms := sm.Metrics()
	temp := c.cfg.temporality()
	type histMetric struct {
		name, unit, desc string
		h                *metrics.Histograms
	}
	for _, m := range []histMetric{
		{metricTokenUsage, unitToken, "Number of input and output tokens used, one point per step and token type.", c.tokenUsage},
		{metricOperationDuration, unitSeconds, "GenAI operation duration: the step's anchor span, start to end.", c.duration},
	} {
		if m.h.Len() == 0 {
			continue
		}
		out := ms.AppendEmpty()
		out.SetName(m.name)
		out.SetUnit(m.unit)
		out.SetDescription(m.desc)
		m.h.Build(out, ts, temp)
	}
	type sumMetric struct {
		name, unit, desc string
		s                *metrics.Sums
	}
	for _, m := range []sumMetric{
		{metricStepCount, unitStep, "Steps that reached a final status, by status and finish reason.", c.stepCount},
		{metricStepTokens, unitToken, "Tokens of steps by type: input, output, and their cache_read, cache_write and reasoning subsets.", c.stepTokens},
		{metricStepCost, unitUSD, "Cost of steps in US dollars, from step.cost_usd.", c.stepCost},
	} {
		if m.s.Len() == 0 {
			continue
		}
		out := ms.AppendEmpty()
		out.SetName(m.name)
		out.SetUnit(m.unit)
		out.SetDescription(m.desc)
		m.s.Build(out, ts, temp)
	}
	if temp == pmetric.AggregationTemporalityDelta {
		c.tokenUsage.Reset(ts)
		c.duration.Reset(ts)
		c.stepCount.Reset(ts)
		c.stepTokens.Reset(ts)
		c.stepCost.Reset(ts)
	}
	return md, ms.Len()
}
