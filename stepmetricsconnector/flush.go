package stepmetricsconnector

import (
	"context"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/zap"

	"github.com/agentsteps/collector/stepmetricsconnector/internal/metadata"
	"github.com/agentsteps/collector/stepmetricsconnector/internal/metrics"
)

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
	c.forgetFamilies() // they point at series that may go now
	if exp := c.cfg.SeriesExpiration; exp > 0 {
		old := now.Add(-exp)
		c.tokenUsage.Expire(old)
		c.duration.Expire(old)
		c.stepCount.Expire(old)
		c.stepTokens.Expire(old)
		c.stepCost.Expire(old)
	}
	for {
		st, ok := c.memory.Oldest()
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
