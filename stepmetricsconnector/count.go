package stepmetricsconnector

import (
	"encoding/binary"
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
	if !c.owed(st) {
		return // a redelivered or repeated part: nothing new
	}
	ex := c.exemplar(st)
	c.baseAttrs(st)
	fam := c.family()
	for a := amount(0); a < nAmounts; a++ {
		v, ok := st.amount(a)
		if !ok || v <= st.counted[a] {
			continue
		}
		d := v - st.counted[a]
		st.counted[a] = v
		if a == amountCost {
			if fam.cost == nil {
				c.series()
				fam.cost = c.stepCost.Series(c.key, c.attrsFn, now)
			}
			c.stepCost.AddTo(fam.cost, d, ex, now)
			continue
		}
		if fam.tokens[a] == nil {
			c.series()
			c.with(attrTokenType, tokenTypes[a])
			fam.tokens[a] = c.stepTokens.Series(c.key, c.attrsFn, now)
		}
		c.stepTokens.AddTo(fam.tokens[a], d, ex, now)
	}
	r := &st.rec
	if st.done || !terminal(r.status) {
		return
	}
	st.done = true

	c.stepCount.AddTo(c.stepSeries(fam, r, now), 1, ex, now)

	for i, a := range [...]amount{amountInput, amountOutput} {
		if v, ok := st.amount(a); ok {
			if fam.usage[i] == nil {
				c.series()
				c.with(attrTokenType, tokenTypes[a])
				fam.usage[i] = c.tokenUsage.Series(c.key, c.attrsFn, now)
			}
			c.tokenUsage.ObserveIn(fam.usage[i], v, ex, now)
		}
	}
	if r.start > 0 && r.end >= r.start {
		d := float64(r.end-r.start) / 1e9
		if r.status != step.StatusFailed {
			if fam.duration == nil {
				c.series()
				c.with(attrErrorType, "")
				fam.duration = c.duration.Series(c.key, c.attrsFn, now)
			}
			c.duration.ObserveIn(fam.duration, d, ex, now)
			return
		}
		et := r.str[recErrorType]
		if et == "" {
			et = errorTypeOther
		}
		c.series()
		c.with(attrErrorType, et)
		c.duration.Observe(c.key, c.attrsFn, d, ex, now)
	}
}

// family is the series of one set of base attributes in each metric, for
// the attributes a step does not add to them: looked up once per step
// rather than once per value. It points into the metrics, so build forgets
// every family before it expires or resets series.
type family struct {
	key      string // the base attributes' part of the series key
	tokens   [amountCost]*metrics.Sum
	cost     *metrics.Sum
	usage    [2]*metrics.Histogram // input, output
	duration *metrics.Histogram    // of steps that did not fail
	steps    []statusSeries        // step counts, up to maxStatusSeries
}

// statusSeries is the step count series of one status and finish reason.
type statusSeries struct {
	status step.Status
	finish string
	sum    *metrics.Sum
}

// maxStatusSeries bounds a family's step count series: finish reasons
// are free text, and past a few a lookup is as fast as a search.
const maxStatusSeries = 8

// maxFamilies bounds the families remembered between flushes; past it
// they are forgotten and looked up again.
const maxFamilies = 4096

// stepSeries returns the step count series of r's status and finish
// reason in family fam.
func (c *stepMetrics) stepSeries(fam *family, r *stepRec, now time.Time) *metrics.Sum {
	fr := r.str[recFinishReason]
	if len(c.exclude) != 0 && c.exclude[attrFinishReason] {
		fr = ""
	}
	for _, s := range fam.steps {
		if s.status == r.status && s.finish == fr {
			return s.sum
		}
	}
	c.series()
	c.with(attrStatus, string(r.status))
	c.withUnlessExcluded(attrFinishReason, fr)
	sum := c.stepCount.Series(c.key, c.attrsFn, now)
	if len(fam.steps) < maxStatusSeries {
		fam.steps = append(fam.steps, statusSeries{r.status, fr, sum})
	}
	return sum
}

// family returns the family of the base attributes in c.key: the last
// step's family when the attributes are the same (steps of one agent
// follow each other), else the one in c.families.
func (c *stepMetrics) family() *family {
	base := c.key[:c.baseKeyLen]
	if f := c.lastFamily; f != nil && f.key == string(base) {
		return f
	}
	f, ok := c.families[string(base)]
	if !ok {
		if len(c.families) >= maxFamilies {
			c.forgetFamilies()
		}
		f = &family{key: string(base)}
		c.families[f.key] = f
	}
	c.lastFamily = f
	return f
}

// forgetFamilies forgets every family, before their series may go.
func (c *stepMetrics) forgetFamilies() {
	clear(c.families)
	c.lastFamily = nil
}

// owed reports whether count has anything to add for the step.
func (c *stepMetrics) owed(st *stepState) bool {
	if !st.done && terminal(st.rec.status) {
		return true
	}
	for a := amount(0); a < nAmounts; a++ {
		if v, ok := st.amount(a); ok && v > st.counted[a] {
			return true
		}
	}
	return false
}

// baseAttrs fills c.kvs and c.key with the attributes every metric of the
// step carries, in a fixed order; unknown values are left off. The record
// holds one model, the served one where the source recorded it, so it is
// both the request and the response model.
func (c *stepMetrics) baseAttrs(st *stepState) {
	r := &st.rec
	c.kvs = append(c.kvs[:0], kv{attrOperationName, operationChat})
	c.key = c.key[:0]
	c.withUnlessExcluded(attrProviderName, r.str[recProviderName])
	c.withUnlessExcluded(attrRequestModel, r.str[recModel])
	c.withUnlessExcluded(attrResponseModel, r.str[recModel])
	c.withUnlessExcluded(attrAgentID, r.str[recAgentID])
	c.withUnlessExcluded(attrServiceName, r.str[recServiceName])
	for i, d := range c.extra {
		v := ""
		if st.extra != nil {
			v = st.extra[i]
		}
		if v == "" && d.Default != nil {
			v = *d.Default
		}
		c.with(c.extraKey[i], v)
	}
	c.baseN, c.baseKeyLen = len(c.kvs), len(c.key)
}

// series starts the attributes of one series: the step's base attributes,
// to which the metric's own are added with with.
func (c *stepMetrics) series() {
	c.kvs, c.key = c.kvs[:c.baseN], c.key[:c.baseKeyLen]
}

// with adds attribute k=v to the series; "" leaves it off.
//
// The series key holds the values only, each behind its length, "" too:
// within one metric every series has the same keys in the same order
// (the config fixes which are excluded), so the values alone name the
// series, and the lengths keep any two value lists apart.
func (c *stepMetrics) with(k, v string) {
	if v != "" {
		c.kvs = append(c.kvs, kv{k, v})
	}
	c.key = binary.AppendUvarint(c.key, uint64(len(v)))
	c.key = append(c.key, v...)
}

// withUnlessExcluded is with for an attribute exclude_dimensions may drop.
func (c *stepMetrics) withUnlessExcluded(k, v string) {
	if len(c.exclude) == 0 || !c.exclude[k] {
		c.with(k, v)
	}
}

func (c *stepMetrics) putAttrs(m pcommon.Map) {
	m.EnsureCapacity(len(c.kvs))
	for _, p := range c.kvs {
		m.PutStr(p.k, p.v)
	}
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
		if hex.DecodedLen(len(st.rec.str[recTraceID])) != len(t) || hex.DecodedLen(len(st.rec.str[recSpanID])) != len(s) {
			return nil
		}
		if _, err := hex.Decode(t[:], []byte(st.rec.str[recTraceID])); err != nil {
			return nil
		}
		if _, err := hex.Decode(s[:], []byte(st.rec.str[recSpanID])); err != nil {
			return nil
		}
		st.ex, st.hasEx = metrics.Exemplar{TraceID: t, SpanID: s}, true
	}
	return &st.ex
}
