package stepprocessor

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

func TestOutlinesAreBoundedBySpansOldestFirst(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Wait = time.Hour; c.Skeletons.MaxSpans = 5 })
	ctx := context.Background()
	for tr := byte(1); tr <= 3; tr++ {
		h.consume(t, tracesOf(
			spanSpec{trace: tr, span: 1},
			spanSpec{trace: tr, span: 2, parent: 1, attrs: map[string]any{"model": "m"}},
		))
		h.p.release(ctx, h.p.buf.takeAll(), false)
	}
	require.Equal(t, 2, h.p.sk.len(), "3 outlines of 2 spans do not fit in 5 spans")
	require.Equal(t, 4, h.p.sk.spans)
	_, kept := h.p.sk.parent(spanKey{pcommon.TraceID{1, 1}, pcommon.SpanID{2, 2}})
	require.False(t, kept, "the oldest outline went first")
	require.NoError(t, h.p.Shutdown(ctx))
}

func TestOutlinesExpireAfterTTL(t *testing.T) {
	sk := newSkeletons(time.Minute, 1000)
	now := time.Unix(1767225600, 0)
	sk.now = func() time.Time { return now }
	sk.markAnchor(spanKey{pcommon.TraceID{1}, pcommon.SpanID{1}}, "step-x", true, 0)
	require.Equal(t, 1, sk.len())
	now = now.Add(2 * time.Minute)
	sk.markAnchor(spanKey{pcommon.TraceID{2}, pcommon.SpanID{1}}, "step-y", true, 0)
	sk.evict()
	require.Equal(t, 1, sk.len(), "the outline not touched for a TTL is gone")
	require.Equal(t, 1, sk.spans)
}
