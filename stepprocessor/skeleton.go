package stepprocessor

import (
	"container/list"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// skeletons keeps, for traces already released, just enough to process
// their late spans as if the whole trace had arrived at once: each span's
// parent, the context a span hands down, and which spans anchor steps. It
// is bounded by a number of spans and a time to live; the oldest outline
// goes first.
// Not safe for concurrent use: the processor serialises windows.
type skeletons struct {
	ttl    time.Duration
	max    int // spans, over all outlines
	spans  int
	now    func() time.Time
	byID   map[pcommon.TraceID]*outline
	oldest *list.List // of *outline, least recently released first
	// dirty and gone, when dirty is not nil, collect the traces whose
	// outline changed or was forgotten, for the storage (outlinestore.go).
	dirty map[pcommon.TraceID]struct{}
	gone  []pcommon.TraceID
}

type outline struct {
	trace   pcommon.TraceID
	nodes   map[pcommon.SpanID]node
	anchors []anchorRef
	touched time.Time
	elem    *list.Element
}

type node struct {
	parent pcommon.SpanID
	ctx    *stepContext // nil when the span hands nothing down
	anchor int32        // index in anchors, or -1
}

// anchorRef is a step released before, anchored on the span key.
type anchorRef struct {
	key  spanKey
	id   string
	llm  bool    // a model-call step (as opposed to a Letta step)
	mask ctxMask // the context fields the step already has
}

func newSkeletons(ttl time.Duration, max int) *skeletons {
	return &skeletons{ttl: ttl, max: max, now: time.Now, byID: map[pcommon.TraceID]*outline{}, oldest: list.New()}
}

func (s *skeletons) node(k spanKey) (node, bool) {
	o := s.byID[k.trace]
	if o == nil {
		return node{}, false
	}
	n, ok := o.nodes[k.span]
	return n, ok
}

func (s *skeletons) parent(k spanKey) (pcommon.SpanID, bool) {
	n, ok := s.node(k)
	if !ok || n.parent.IsEmpty() {
		return pcommon.SpanID{}, false
	}
	return n.parent, true
}

func (s *skeletons) contextOf(k spanKey) *stepContext {
	n, _ := s.node(k)
	return n.ctx
}

func (s *skeletons) isLLMAnchor(k spanKey) bool {
	n, ok := s.node(k)
	return ok && n.anchor >= 0 && s.byID[k.trace].anchors[n.anchor].llm
}

// anchorsOf returns the steps released before in trace t. The slice is the
// outline's own: read it, never append to it.
func (s *skeletons) anchorsOf(t pcommon.TraceID) []anchorRef {
	if o := s.byID[t]; o != nil {
		return o.anchors
	}
	return nil
}

func (s *skeletons) outlineOf(t pcommon.TraceID) *outline {
	return s.outlineAt(t, s.now())
}

func (s *skeletons) outlineAt(t pcommon.TraceID, now time.Time) *outline {
	o := s.byID[t]
	if o == nil {
		o = &outline{trace: t, nodes: map[pcommon.SpanID]node{}}
		o.elem = s.oldest.PushBack(o)
		s.byID[t] = o
	} else {
		s.oldest.MoveToBack(o.elem)
	}
	o.touched = now
	if s.dirty != nil {
		s.dirty[t] = struct{}{}
	}
	return o
}

// markAnchor remembers that the span at k anchors step id.
func (s *skeletons) markAnchor(k spanKey, id string, llm bool, m ctxMask) {
	o := s.outlineOf(k.trace)
	n, ok := o.nodes[k.span]
	if !ok {
		n = node{anchor: -1}
		s.spans++
	}
	if n.anchor >= 0 {
		o.anchors[n.anchor].mask |= m
	} else {
		n.anchor = int32(len(o.anchors))
		o.anchors = append(o.anchors, anchorRef{key: k, id: id, llm: llm, mask: m})
	}
	o.nodes[k.span] = n
}

// addMask records context fields that a late ancestor gave a released step.
func (s *skeletons) addMask(k spanKey, m ctxMask) {
	if n, ok := s.node(k); ok && n.anchor >= 0 {
		s.byID[k.trace].anchors[n.anchor].mask |= m
		if s.dirty != nil {
			s.dirty[k.trace] = struct{}{}
		}
	}
}

// record adds the spans of a processed window to their traces' outlines.
// It walks the spans in batch order, where a trace's spans mostly sit
// together, so the outline is looked up once per run of spans rather than
// once per span.
func (s *skeletons) record(ws *windowState) {
	now := s.now()
	var o *outline
	for _, l := range ws.links {
		k, parent := l.key, l.parent
		if o == nil || o.trace != k.trace {
			o = s.outlineAt(k.trace, now)
		}
		n, ok := o.nodes[k.span]
		if !ok {
			n.anchor = -1
			s.spans++
		}
		n.parent = parent
		if i, ok := ws.byKey[k]; ok && !ws.recs[i].f.ctx.empty() {
			c := ws.recs[i].f.ctx
			n.ctx = &c
		}
		o.nodes[k.span] = n
	}
	s.evict()
}

// evict forgets outlines past the bound or the time to live.
func (s *skeletons) evict() {
	deadline := s.now().Add(-s.ttl)
	for e := s.oldest.Front(); e != nil; e = s.oldest.Front() {
		o := e.Value.(*outline)
		if s.spans <= s.max && o.touched.After(deadline) {
			return
		}
		s.oldest.Remove(e)
		delete(s.byID, o.trace)
		s.spans -= len(o.nodes)
		if s.dirty != nil {
			delete(s.dirty, o.trace)
			s.gone = append(s.gone, o.trace)
		}
	}
}

func (s *skeletons) len() int { return len(s.byID) }
