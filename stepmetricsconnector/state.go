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

// recStr indexes the text fields of stepRec. Field names are step.Step's.
type recStr int

const (
	recProviderName recStr = iota
	recModel
	recAgentID
	recServiceName
	recFinishReason
	recErrorType
	recTraceID
	recSpanID
	nRecStr
)

// recStrFields names the record field of each recStr.
var recStrFields = [nRecStr]string{"provider_name", "model", "agent_id", "service_name", "finish_reason", "error_type", "trace_id", "span_id"}

// stepRec is the part of a step's record that the metrics read, merged
// from every part seen so far: about 190 bytes rather than step.Step's
// 570, since every remembered step costs memory, and counts held as values
// (has says which are set), so that a merge allocates nothing.
type stepRec struct {
	str        [nRecStr]string
	status     step.Status
	start, end step.Time
	tokens     [amountCost]int64
	has        [amountCost]bool
}

// merge folds the anchor's fields p into r with step.Step.Merge's rule for
// an unstaged patch (the walk reads no stages; the record keeps none): a
// text field takes the larger value, a count the larger count, the status
// only moves forward, start_time takes the earlier time and end_time the
// later. TestReadsWhatStepCollectReads holds it to step.Collect's merge.
func (r *stepRec) merge(p *stepRec) {
	for i, v := range p.str {
		// Empty on either side (a field the part lacks, a step's first
		// part) needs no byte compared.
		if v != "" && (r.str[i] == "" || v > r.str[i]) {
			r.str[i] = v
		}
	}
	if p.status != r.status && step.StatusRank(p.status) > step.StatusRank(r.status) {
		r.status = p.status
	}
	if p.start != 0 && (r.start == 0 || p.start < r.start) {
		r.start = p.start
	}
	if p.end > r.end {
		r.end = p.end
	}
	for a, ok := range p.has {
		if ok && (!r.has[a] || p.tokens[a] > r.tokens[a]) {
			r.tokens[a], r.has[a] = p.tokens[a], true
		}
	}
}

// mergeStep folds patch p, which may carry stages, into r through the
// step package's Merge itself (the step.patches path, which is rare).
func (r *stepRec) mergeStep(p *step.Step) {
	s := r.step()
	s.Merge(p)
	r.set(&s)
}

// step is r as a step.Step.
func (r *stepRec) step() step.Step {
	s := step.Step{Status: r.status, StartTime: r.start, EndTime: r.end}
	for i, p := range strsOf(&s) {
		*p = r.str[i]
	}
	for a, p := range countsOf(&s) {
		if r.has[a] {
			*p = step.Int(r.tokens[a])
		}
	}
	return s
}

// set makes r the read part of s.
func (r *stepRec) set(s *step.Step) {
	*r = stepRec{status: s.Status, start: s.StartTime, end: s.EndTime}
	for i, p := range strsOf(s) {
		r.str[i] = *p
	}
	for a, p := range countsOf(s) {
		if *p != nil {
			r.tokens[a], r.has[a] = **p, true
		}
	}
}

// strsOf is s's text fields by recStr.
func strsOf(s *step.Step) [nRecStr]*string {
	return [nRecStr]*string{&s.ProviderName, &s.Model, &s.AgentID, &s.ServiceName, &s.FinishReason, &s.ErrorType, &s.TraceID, &s.SpanID}
}

// countNames names the record field of each token amount.
var countNames = [amountCost]string{"prompt_tokens", "completion_tokens", "cached_input_tokens", "cache_write_tokens", "reasoning_tokens"}

// countsOf is s's token counts by amount.
func countsOf(s *step.Step) [amountCost]**int64 {
	return [amountCost]**int64{&s.PromptTokens, &s.CompletionTokens, &s.CachedInputTokens, &s.CacheWriteTokens, &s.ReasoningTokens}
}

// stepState is what the connector remembers of one step: the record merged
// from every part seen so far, and what of it was already counted.
//
// The flags sit after ex, whose bytes leave room for them: 384 bytes in all.
type stepState struct {
	rec     stepRec
	cost    float64
	extra   []string // values of the configured dimensions; "" unknown
	counted [nAmounts]float64
	ex      metrics.Exemplar
	hasEx   bool
	hasCost bool
	done    bool // counted as finished: step count and histograms
	seen    time.Time
	// id, the next state whose id has the same hash and the recency list
	// links, for stepMemory.
	id           string
	sameHash     *stepState
	newer, older *stepState
}

// state returns the remembered state of step id, a fresh one if the step
// is unknown or was last seen longer than step_memory::ttl ago.
func (c *stepMetrics) state(id string, now time.Time) *stepState {
	return c.stateHashed(id, c.memory.hash(id), now)
}

// stateHashed is state for an id whose hash (stepMemory.hash) is h.
func (c *stepMetrics) stateHashed(id string, h uint64, now time.Time) *stepState {
	m := c.memory
	st, head := m.find(h, id)
	switch {
	case st == nil:
		st = m.alloc()
		m.addNew(h, id, st, head)
	case now.Sub(st.seen) > c.cfg.StepMemory.TTL:
		m.remove(st)
		_, head = m.find(h, id)
		st = m.alloc()
		m.addNew(h, id, st, head)
	default:
		m.touch(st)
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
	if a == amountCost {
		return st.cost, st.hasCost
	}
	return float64(st.rec.tokens[a]), st.rec.has[a]
}
