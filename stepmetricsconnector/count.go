package stepmetricsconnector

import (
	"encoding/hex"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepmetricsconnector/internal/metrics"
)

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
