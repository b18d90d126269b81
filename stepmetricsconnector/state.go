package stepmetricsconnector

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/step"
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
