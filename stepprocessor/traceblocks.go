package stepprocessor

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// A window without outlines (the stateless mode, `steps convert`) needs a
// span's parent only to find each record's nearest recognised ancestor,
// and that ancestor is always in the same trace. So instead of maps keyed
// by trace and span id over every span, it copies the spans of the traces
// that hold records into one block per trace, in batch order, and walks a
// record's chain inside its block: traces hold a few dozen spans, which a
// scan reads from one stretch of memory faster than a map hashes a key.
// A block of more than blockScanMax spans gets a map of its own.

// blockScanMax is the largest block searched by a plain scan.
const blockScanMax = 64

// blockSpan is one span of a trace block.
type blockSpan struct {
	span, parent pcommon.SpanID
	// rec is the last record of this span, as byKey keeps it, or -1. It is
	// set on the span's last copy in the block, the one find returns.
	rec int32
}

// traceBlocks is the trace-block index of one window; its slices and maps
// are reused from window to window.
type traceBlocks struct {
	byTrace map[pcommon.TraceID]int32 // block number of each trace with records
	start   []int32                   // block b is spans[start[b]:start[b+1]]
	fill    []int32
	spans   []blockSpan
	picked  []blockSpan // build's scratch: the block's spans, rec holding the block
	recPos  []int32     // per record: its block and its index in that block
	recBlk  []int32
	big     map[int32]map[pcommon.SpanID]int32 // blocks over blockScanMax
}

func (tb *traceBlocks) reset() {
	clear(tb.byTrace)
	clear(tb.big)
	tb.start, tb.fill, tb.spans = tb.start[:0], tb.fill[:0], tb.spans[:0]
	tb.picked, tb.recPos, tb.recBlk = tb.picked[:0], tb.recPos[:0], tb.recBlk[:0]
}

// build indexes the window's records and the spans of their traces,
// reading those spans through the batch's runs (traceruns.go).
func (tb *traceBlocks) build(td ptrace.Traces, runs []traceRun, recs []spanRec) {
	if tb.byTrace == nil {
		tb.byTrace, tb.big = map[pcommon.TraceID]int32{}, map[int32]map[pcommon.SpanID]int32{}
	}
	var last pcommon.TraceID
	b := int32(-1)
	for i := range recs {
		if t := recs[i].key.trace; b < 0 || t != last {
			n, ok := tb.byTrace[t]
			if !ok {
				n = int32(len(tb.byTrace))
				tb.byTrace[t] = n
			}
			last, b = t, n
		}
		tb.recBlk = append(tb.recBlk, b)
	}
	nb := len(tb.byTrace)
	tb.start = append(tb.start, make([]int32, nb+1)...)
	// The runs of the blocks' traces give their spans, in batch order;
	// each block's are counted, then moved into place.
	eachRunSpan(td, runs, func(t pcommon.TraceID) bool {
		n, ok := tb.byTrace[t]
		b = n
		return ok
	}, func(sp ptrace.Span) {
		tb.picked = append(tb.picked, blockSpan{span: sp.SpanID(), parent: sp.ParentSpanID(), rec: b})
		tb.start[b+1]++
	})
	for i := 1; i <= nb; i++ {
		tb.start[i] += tb.start[i-1]
	}
	tb.fill = append(tb.fill, tb.start[:nb]...)
	tb.spans = append(tb.spans, make([]blockSpan, tb.start[nb])...)
	for _, p := range tb.picked {
		blk := p.rec
		p.rec = -1
		tb.spans[tb.fill[blk]] = p
		tb.fill[blk]++
	}
	for i := range recs {
		// A record's span is in the batch, so in its block; -1 would only
		// mean a batch changed under the window, and then the record has
		// no ancestors rather than a panic.
		pos := tb.find(tb.recBlk[i], recs[i].key.span)
		tb.recPos = append(tb.recPos, pos)
		if pos >= 0 {
			tb.block(tb.recBlk[i])[pos].rec = int32(i)
		}
	}
}

func (tb *traceBlocks) block(b int32) []blockSpan { return tb.spans[tb.start[b]:tb.start[b+1]] }

// find returns the index in block b of the last copy of span s, or -1.
func (tb *traceBlocks) find(b int32, s pcommon.SpanID) int32 {
	blk := tb.block(b)
	if len(blk) <= blockScanMax {
		for i := len(blk) - 1; i >= 0; i-- {
			if blk[i].span == s {
				return int32(i)
			}
		}
		return -1
	}
	m := tb.big[b]
	if m == nil {
		m = make(map[pcommon.SpanID]int32, len(blk))
		for i := range blk {
			m[blk[i].span] = int32(i) // the last copy wins
		}
		tb.big[b] = m
	}
	if i, ok := m[s]; ok {
		return i
	}
	return -1
}

// link returns record i's nearest recognised ancestor (-1 for none) and
// the record that stands for its span (byKey's, the last of its copies).
// The chain is followed for at most maxDepth spans, as ancestors does.
func (tb *traceBlocks) link(i int) (up, canon int32) {
	b := tb.recBlk[i]
	blk := tb.block(b)
	pos := tb.recPos[i]
	if pos < 0 {
		return -1, int32(i)
	}
	canon = blk[pos].rec
	for d := 0; d < maxDepth; d++ {
		p := blk[pos].parent
		if p.IsEmpty() {
			break
		}
		if pos = tb.find(b, p); pos < 0 {
			break
		}
		if r := blk[pos].rec; r >= 0 {
			return r, canon
		}
	}
	return -1, canon
}

// eachBatchSpan calls fn for every span of td in batch order.
func eachBatchSpan(td ptrace.Traces, fn func(ptrace.Span)) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				fn(spans.At(k))
			}
		}
	}
}
