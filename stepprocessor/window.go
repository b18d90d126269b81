package stepprocessor

import (
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/pricing"
	"github.com/agentsteps/collector/step"
)

// spanKey names a span across traces.
type spanKey struct {
	trace pcommon.TraceID
	span  pcommon.SpanID
}

// maxDepth stops an ancestor walk on a broken parent chain (a cycle or a
// runaway depth) instead of looping.
const maxDepth = 512

// annotator finds the steps in a window of spans and writes them onto the
// spans as step.* attributes. It holds only what the config compiled; the
// state of one window lives in a windowState from a pool.
type annotator struct {
	ix     *keyIndex
	convs  []registered // by priority, highest first
	claims *claimIndex
	user   []userField
	// resourceFields: the user maps some field to a resource key, so even
	// a span with no known attribute key may give a value.
	resourceFields bool
	state          sync.Pool
	kept           atomic.Pointer[windowState]
	pricing        *pricing.Engine // nil: pricing off (cost.go)
	costSlots      [len(spanCostKeys)]costSlots
}

func newAnnotator(cfg *Config) *annotator {
	ix := newKeyIndex()
	a := &annotator{ix: ix}
	// User keys are registered first only for readability of the index;
	// priority comes from applyUserFields running after the recognisers.
	a.user = compileUserFields(ix, cfg.Fields)
	var userKeys []string
	for i := range a.user {
		for _, src := range a.user[i].sources {
			a.resourceFields = a.resourceFields || src.resource != ""
			if src.resource == "" {
				userKeys = append(userKeys, ix.keys[src.slot])
			}
		}
	}
	a.convs, a.claims = newRegistry(ix, userKeys, a.resourceFields)
	a.costSlots = spanCostSlots(ix)
	a.claims.facts = ix
	a.state.New = func() any {
		ws := &windowState{facts: newSpanFacts(ix)}
		ws.facts.memo = &ws.memo
		return ws
	}
	return a
}

// spanRec is a recognised span of the window.
type spanRec struct {
	key      spanKey
	parent   pcommon.SpanID
	span     ptrace.Span
	resource pcommon.Resource
	f        finding
	wrapper  bool // an LLM span with an LLM descendant: context only
	stepKeys bool // the span carried step.* keys when read (spanFacts)
}

type windowState struct {
	facts   *spanFacts
	recs    []spanRec
	byKey   map[spanKey]int
	parents map[spanKey]pcommon.SpanID
	links   []spanLink        // every span of the window, in batch order
	runs    []traceRun        // the window's trace runs (traceruns.go)
	traces  []pcommon.TraceID // the traces of recs, once each
	seen    map[pcommon.TraceID]struct{}
	// unclaimed: spans no convention claimed that look like model calls,
	// by scope (unclaimed.go).
	unclaimed map[string]*unclaimedScope
	memo      keyMemo // key classes for the unclaimed check (keymemo.go)
	// sameCall: the model calls of the window by response id (samecall.go).
	sameCall map[uint64]int32

	// The Letta parts of the window grouped by step id (writeSteps), and
	// the record one group assembles into (writeLetta).
	lettaByID  map[string]int
	lettaIDs   []string
	lettaParts [][]int
	letta      step.Step
	// Stateless windows only: the trace blocks (traceblocks.go) in place
	// of byKey and parents, and per record its nearest recognised
	// ancestor's record or -1, and the record byKey would name for its
	// span (linkRecords).
	blocks traceBlocks
	up     []int32
	canon  []int32
}

// spanLink is one span of the window and its parent.
type spanLink struct {
	key    spanKey
	parent pcommon.SpanID
}

// result is what one window produced.
type result struct {
	steps     int     // anchors written
	patches   int     // step.patches entries written
	nProblems int     // malformed attributes
	problems  []error // the first ones, for the log
	// contradictions are the steps whose counts contradict each other
	// (tokens.go), with the instrumentation scope that emitted them.
	contradictions []contradiction
	unclaimed      []unclaimedSeen
}

const maxProblemsKept = 16

// annotate processes td as one window. sk, when not nil, holds the outlines
// of traces released before; it is read for ancestors outside the window
// and updated with this window.
func (a *annotator) annotate(td ptrace.Traces, sk *skeletons) result {
	ws := a.acquire()
	defer a.release(ws)
	var res result

	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			scopeSet := a.claims.scope(ss.Scope())
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				sp := spans.At(k)
				ws.runs = addRun(ws.runs, i, j, k, sp.TraceID())
				// The claim check reads keys only; a span that no convention
				// (nor the user's fields) claims costs that one pass, which
				// also tells whether it looks like a model call (unclaimed.go).
				set, looks := ws.claimSpan(a.claims, scopeSet, sp.Attributes())
				if set == 0 {
					if looks {
						ws.noticeUnclaimed(ss.Scope(), sp)
					}
					continue
				}
				ws.facts.load(rs.Resource(), ss.Scope(), sp)
				if sp.TraceID().IsEmpty() || sp.SpanID().IsEmpty() {
					// OTLP requires both ids. Steps derived from all-zero ids
					// would merge unrelated calls into one record.
					res.nProblems++
					if len(res.problems) < maxProblemsKept {
						res.problems = append(res.problems, fmt.Errorf("span %q has an empty trace or span id; it is not read as a step", sp.Name()))
					}
					continue
				}
				// Recognise straight into the next slot of the window's list,
				// zeroed only for a claimed span; a span no recogniser wants
				// leaves the slot for the next one.
				ws.recs = append(ws.recs, spanRec{})
				r := &ws.recs[len(ws.recs)-1]
				if !a.recognise(ws.facts, set, &r.f) {
					ws.recs = ws.recs[:len(ws.recs)-1]
					ws.noticeUnclaimed(ss.Scope(), sp)
					continue
				}
				if r.f.role == roleLLM {
					res.checkTokens(ss.Scope(), sp, &r.f.patch)
				}
				res.nProblems += len(r.f.problems)
				for _, p := range r.f.problems {
					if len(res.problems) < maxProblemsKept {
						res.problems = append(res.problems, fmt.Errorf("trace %s span %s: %w", sp.TraceID(), sp.SpanID(), p))
					}
				}
				r.key, r.parent = spanKey{sp.TraceID(), sp.SpanID()}, sp.ParentSpanID()
				r.span, r.resource = sp, rs.Resource()
				r.stepKeys = ws.facts.stepKeys
			}
		}
	}
	if len(ws.unclaimed) > 0 {
		ws.takeUnclaimed(&res)
	}
	if len(ws.recs) == 0 && (sk == nil || sk.len() == 0) {
		// No step here and no outline a span could extend: nothing to
		// index, write or record.
		return res
	}
	ws.index(td, sk)
	w := window{a: a, ws: ws, sk: sk}
	w.markWrappers()
	w.writeSteps(&res)
	w.writeLateContext(&res)
	if sk != nil {
		sk.record(ws)
	}
	return res
}

// recognise runs the recognisers that claimed the span, highest priority
// first, then the user's fields. The first that recognises the span names
// its source.
func (a *annotator) recognise(f *spanFacts, set claimSet, out *finding) bool {
	found := false
	for i := range a.convs {
		if set&(1<<i) == 0 {
			continue
		}
		if a.convs[i].rec.recognise(f, out) {
			out.source = a.convs[i].name
			found = true
			break
		}
		*out = finding{}
	}
	if len(a.user) > 0 && applyUserFields(a.user, f, out) && !found {
		// Unknown to every convention, but the user mapped step fields to
		// its keys (Claude Code's flat input_tokens, say): it is a step.
		out.role, out.source = roleLLM, "fields"
		spanTimes(f.span, &out.patch)
		out.patch.Status, out.patch.Progression = step.StatusSuccess, step.ProgressionFinished
		found = true
	}
	if !found && out.ctx.empty() {
		return false
	}
	if out.role == roleLLM {
		normaliseTokens(&out.patch)
		a.priceCall(f, out)
		if id := out.patch.RequestID; id != "" {
			out.callHash = maphash.String(sameCallSeed, id) | 1
		}
	}
	if out.role == roleNone {
		out.role = roleContext
	}
	return true
}

func (a *annotator) release(ws *windowState) {
	clear(ws.recs) // drop references to the window's spans
	ws.recs = ws.recs[:0]
	clear(ws.byKey)
	clear(ws.parents)
	clear(ws.seen)
	clear(ws.unclaimed)
	clear(ws.sameCall)
	ws.facts.forget()
	clear(ws.lettaByID)
	clear(ws.lettaIDs)
	ws.lettaIDs, ws.lettaParts = ws.lettaIDs[:0], ws.lettaParts[:0]
	ws.letta = step.Step{}
	ws.blocks.reset()
	ws.links, ws.traces, ws.runs = ws.links[:0], ws.traces[:0], ws.runs[:0]
	// Keep one state outside the pool, which a GC empties, so that a busy
	// processor does not grow its slices and maps anew after every GC.
	if !a.kept.CompareAndSwap(nil, ws) {
		a.state.Put(ws)
	}
}

func (a *annotator) acquire() *windowState {
	if ws := a.kept.Swap(nil); ws != nil {
		return ws
	}
	return a.state.Get().(*windowState)
}

// index builds the parent links of the spans of the traces that hold a
// recognised span (or, with outlines, that were recognised before), finds
// each recognised span by key and lists the traces they belong to. Spans
// of other traces are never indexed: no step looks at them.
// The ordered links are kept only for the outlines (sk not nil). A window
// without outlines indexes its traces as blocks instead (traceblocks.go).
func (ws *windowState) index(td ptrace.Traces, sk *skeletons) {
	if sk == nil {
		ws.blocks.build(td, ws.runs, ws.recs)
		return
	}
	if ws.byKey == nil {
		ws.byKey, ws.parents, ws.seen = map[spanKey]int{}, map[spanKey]pcommon.SpanID{}, map[pcommon.TraceID]struct{}{}
	}
	for i := range ws.recs {
		k := ws.recs[i].key
		ws.byKey[k] = i
		// A trace's spans mostly sit together: skip the set for a repeat.
		if n := len(ws.traces); n > 0 && ws.traces[n-1] == k.trace {
			continue
		}
		if _, ok := ws.seen[k.trace]; !ok {
			ws.seen[k.trace] = struct{}{}
			ws.traces = append(ws.traces, k.trace)
		}
	}
	eachRunSpan(td, ws.runs, func(t pcommon.TraceID) bool {
		_, want := ws.seen[t]
		return want || sk.byID[t] != nil
	}, func(sp ptrace.Span) {
		l := spanLink{spanKey{sp.TraceID(), sp.SpanID()}, sp.ParentSpanID()}
		ws.parents[l.key] = l.parent
		ws.links = append(ws.links, l)
	})
}

// window is the processing of one window.
type window struct {
	a  *annotator
	ws *windowState
	sk *skeletons
}

// parentOf finds a span's parent in the window or, for spans released
// before, in the trace's outline.
func (w *window) parentOf(k spanKey) (spanKey, bool) {
	if p, ok := w.ws.parents[k]; ok {
		if p.IsEmpty() {
			return spanKey{}, false
		}
		return spanKey{k.trace, p}, true
	}
	if w.sk != nil {
		if p, ok := w.sk.parent(k); ok {
			return spanKey{k.trace, p}, true
		}
	}
	return spanKey{}, false
}

// ancestors calls fn for each ancestor of k, nearest first, until fn
// returns false.
func (w *window) ancestors(k spanKey, fn func(spanKey) bool) {
	for d := 0; d < maxDepth; d++ {
		p, ok := w.parentOf(k)
		if !ok || !fn(p) {
			return
		}
		k = p
	}
}

// markWrappers turns an LLM span that has an LLM descendant into context:
// a framework's LLM span around an instrumented SDK call is one call, not
// two (phoenix#15793). The deepest span is the step.
func (w *window) markWrappers() {
	recs := w.ws.recs
	defer w.shareWrapperMarks()
	defer w.markSameCalls() // deferred calls run last first: before the shares
	if w.sk == nil {
		w.linkRecords()
		for i := range recs {
			if recs[i].f.role != roleLLM {
				continue
			}
			for j, d := w.ws.up[i], 0; j >= 0 && d < maxDepth; j, d = w.ws.up[j], d+1 {
				if recs[j].f.role == roleLLM {
					recs[j].wrapper = true
				}
			}
		}
		return
	}
	for i := range recs {
		if recs[i].f.role != roleLLM {
			continue
		}
		w.ancestors(recs[i].key, func(p spanKey) bool {
			if j, ok := w.ws.byKey[p]; ok && recs[j].f.role == roleLLM {
				recs[j].wrapper = true
			}
			if w.sk != nil && w.sk.isLLMAnchor(p) {
				// Its LLM ancestor was released before it as a step; keep
				// that one rather than count the call twice.
				recs[i].wrapper = true
			}
			return true
		})
	}
	if w.sk == nil {
		return
	}
	// An LLM step released earlier beneath an LLM span of this window makes
	// that span a wrapper too.
	for _, t := range w.traces() {
		for _, an := range w.sk.anchorsOf(t) {
			if !an.llm {
				continue
			}
			w.ancestors(an.key, func(p spanKey) bool {
				if j, ok := w.ws.byKey[p]; ok && recs[j].f.role == roleLLM {
					recs[j].wrapper = true
				}
				return true
			})
		}
	}
}

// linkRecords sets, for each record, ws.up, the record of its nearest
// recognised ancestor in the window or -1, and ws.canon, the record that
// stands for its span (byKey's). A window without outlines finds every
// ancestor it needs among its records, so markWrappers and context follow
// these links rather than walk the span chain again for every step
// beneath it.
func (w *window) linkRecords() {
	ws := w.ws
	ws.up, ws.canon = ws.up[:0], ws.canon[:0]
	for i := range ws.recs {
		up, canon := ws.blocks.link(i)
		ws.up, ws.canon = append(ws.up, up), append(ws.canon, canon)
	}
}

// shareWrapperMarks gives every copy of a span the wrapper mark of the
// record byKey names for it: a span delivered twice in one window (an exact
// redelivery) has two records, and both are that one span.
func (w *window) shareWrapperMarks() {
	recs := w.ws.recs
	for i := range recs {
		if j := w.canonOf(i); j != i && recs[j].wrapper {
			recs[i].wrapper = true
		}
	}
}

// canonOf is the record that stands for record i's span: i itself, or for
// an exact redelivery the record byKey (or, without outlines, ws.canon)
// names.
func (w *window) canonOf(i int) int {
	if w.sk == nil {
		return int(w.ws.canon[i])
	}
	if j, ok := w.ws.byKey[w.ws.recs[i].key]; ok {
		return j
	}
	return i
}

// traces lists, once each, the traces the window holds recognised spans of.
func (w *window) traces() []pcommon.TraceID { return w.ws.traces }

// context gives the context the step of record i inherits: the nearest
// ancestor that has each field, from the window or from the trace's
// outline.
func (w *window) context(i int, c *stepContext) {
	if w.sk == nil {
		recs := w.ws.recs
		for j, d := w.ws.up[i], 0; j >= 0 && d < maxDepth; j, d = w.ws.up[j], d+1 {
			fillContext(c, &recs[j].f.ctx)
		}
		return
	}
	w.ancestors(w.ws.recs[i].key, func(p spanKey) bool {
		if j, ok := w.ws.byKey[p]; ok {
			fillContext(c, &w.ws.recs[j].f.ctx)
		} else if w.sk != nil {
			if pc := w.sk.contextOf(p); pc != nil {
				fillContext(c, pc)
			}
		}
		return true
	})
}

// writeSteps writes each step of the window onto its anchor, or, when the
// anchor is not in the window (a Letta part that came late or early), as a
// step.patches entry on one of its spans.
func (w *window) writeSteps(res *result) {
	recs := w.ws.recs
	ws := w.ws
	for i := range recs {
		r := &recs[i]
		switch {
		case r.f.role == roleLLM && !r.wrapper:
			// The record is completed where it lies: nothing reads an LLM
			// span's patch after its step is written, and a copy of a
			// whole step.Step per span would escape to the heap.
			p := &r.f.patch
			p.ID = step.DeriveID(r.key.trace, r.key.span)
			setHex(&p.TraceID, r.key.trace[:])
			setHex(&p.SpanID, r.key.span[:])
			w.finish(p, i)
			r.write(p)
			res.steps++
			if w.sk != nil {
				w.sk.markAnchor(r.key, p.ID, true, contextMask(p))
			}
		case r.f.role == roleLettaPart && r.f.patch.ID != "":
			ws.addLettaPart(r.f.patch.ID, i)
		}
	}
	for g, parts := range ws.lettaParts {
		w.writeLetta(ws.lettaIDs[g], parts, res)
	}
}

// write makes r's span the anchor of p. A span read without step.* keys
// takes them appended (step.WriteNew); one window writes one step per span.
func (r *spanRec) write(p *step.Step) {
	if r.stepKeys {
		step.Write(r.span.Attributes(), p)
		return
	}
	step.WriteNew(r.span.Attributes(), p)
}

// addLettaPart files record i under its Letta step id. The groups are the
// window's reused scratch, in order of first appearance.
func (ws *windowState) addLettaPart(id string, i int) {
	if ws.lettaByID == nil {
		ws.lettaByID = map[string]int{}
	}
	g, ok := ws.lettaByID[id]
	if !ok {
		g = len(ws.lettaIDs)
		ws.lettaByID[id] = g
		ws.lettaIDs = append(ws.lettaIDs, id)
		if g < cap(ws.lettaParts) {
			ws.lettaParts = ws.lettaParts[:g+1]
			ws.lettaParts[g] = ws.lettaParts[g][:0]
		} else {
			ws.lettaParts = append(ws.lettaParts, nil)
		}
	}
	ws.lettaParts[g] = append(ws.lettaParts[g], i)
}

// writeLetta assembles the parts of one Letta step found in the window.
func (w *window) writeLetta(id string, parts []int, res *result) {
	recs := w.ws.recs
	carrier := parts[0]
	anchored := false
	// The window's scratch record: step.Write and AppendPatch copy what
	// they write, so nothing keeps it after this step.
	p := &w.ws.letta
	*p = step.Step{}
	for _, i := range parts {
		// p starts empty, so its stages are Merge's own map.
		p.MergeOwned(&recs[i].f.patch)
		if recs[i].f.lettaAnchor && !anchored {
			carrier, anchored = i, true
		}
	}
	c := &recs[carrier]
	if p.TraceID == "" {
		p.TraceID = hexTrace(c.key.trace)
	}
	var own stepContext
	for _, i := range parts {
		fillContext(&own, &recs[i].f.ctx)
	}
	c.f.ctx = own
	w.finish(p, carrier)
	w.a.price(p, p.Source) // a model call's step is priced when recognised
	if anchored {
		c.write(p)
		res.steps++
		if w.sk != nil {
			w.sk.markAnchor(c.key, id, false, contextMask(p))
		}
		return
	}
	step.AppendPatch(c.span.Attributes(), p)
	res.patches++
}

// finish fills what every step takes from its span and its ancestors: the
// source, the service, and the context (own values first, then the span's
// own context, then the nearest ancestor's).
func (w *window) finish(p *step.Step, i int) {
	r := &w.ws.recs[i]
	if p.Source == "" {
		p.Source = r.f.source
	}
	if p.ServiceName == "" {
		if v, ok := r.resource.Attributes().Get("service.name"); ok {
			p.ServiceName = v.AsString()
		}
	}
	c := r.f.ctx
	w.context(i, &c)
	applyContext(p, &c)
}

// writeLateContext hands the context of spans in this window down to steps
// that were released before them: an invoke_agent or workflow span ends
// after all its children, often long after its first model call was
// released. The patch carries only the fields the step did not have yet,
// so the nearest ancestor still wins.
func (w *window) writeLateContext(res *result) {
	if w.sk == nil {
		return
	}
	for _, t := range w.traces() {
		for _, an := range w.sk.anchorsOf(t) {
			if _, inWindow := w.ws.byKey[an.key]; inWindow {
				continue
			}
			var c stepContext
			carrier := -1
			w.ancestors(an.key, func(p spanKey) bool {
				if j, ok := w.ws.byKey[p]; ok {
					before := c
					fillContext(&c, &w.ws.recs[j].f.ctx)
					if carrier < 0 && before.maskOf() != c.maskOf() {
						carrier = j
					}
				} else if pc := w.sk.contextOf(p); pc != nil {
					fillContext(&c, pc)
				}
				return true
			})
			newMask := c.maskOf() &^ an.mask
			if carrier < 0 || newMask == 0 {
				continue
			}
			p := step.Step{ID: an.id}
			applyContextMasked(&p, &c, newMask)
			step.AppendPatch(w.ws.recs[carrier].span.Attributes(), &p)
			res.patches++
			w.sk.addMask(an.key, newMask)
		}
	}
}

func hexTrace(t pcommon.TraceID) string { return hex.EncodeToString(t[:]) }

// setHex sets *dst to the hex form of id, allocating only when *dst does
// not hold it already (the recognisers fill the span's own ids).
func setHex(dst *string, id []byte) {
	var buf [32]byte
	n := hex.Encode(buf[:], id)
	if *dst != string(buf[:n]) {
		*dst = string(buf[:n])
	}
}
