package stepprocessor

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.uber.org/zap"
)

// With `storage`, the outlines of released traces are kept there too, one
// key per trace ("outline/<trace id>"), rewritten whenever a window changes
// the outline and deleted when the outline is forgotten. A collector killed
// and started again thus still gives a late ancestor's context to the steps
// released beneath it before the kill. Reading them back needs a storage
// that can list its keys (storage.Walker, as file_storage can).

const outlinePrefix = "outline/"

func outlineKey(t pcommon.TraceID) string { return outlinePrefix + hex.EncodeToString(t[:]) }

// keepOutlines writes the outlines the last windows changed and deletes the
// forgotten ones. The caller holds windowMu, so two writes of one outline
// never land out of order.
func (p *stepProcessor) keepOutlines(ctx context.Context) {
	sk := p.sk
	if sk == nil || sk.dirty == nil || len(sk.dirty)+len(sk.gone) == 0 {
		return
	}
	ops := make([]*storage.Operation, 0, len(sk.dirty)+len(sk.gone))
	for t := range sk.dirty {
		if o := sk.byID[t]; o != nil {
			ops = append(ops, storage.SetOperation(outlineKey(t), encodeOutline(o)))
		}
	}
	for _, t := range sk.gone {
		ops = append(ops, storage.DeleteOperation(outlineKey(t)))
	}
	clear(sk.dirty)
	sk.gone = sk.gone[:0]
	if err := p.store.write(ctx, ops...); err != nil {
		// Only a later kill can cost anything: the late ancestors' context.
		p.logger.Warn("outlines of released traces could not be kept in storage", zap.Stringer("storage", p.cfg.Storage), zap.Error(err))
	}
}

// loadOutlines reads the kept outlines back into p.sk, oldest first, and
// from then on keeps them. Outlines past the TTL are deleted.
func (p *stepProcessor) loadOutlines(ctx context.Context) (int, error) {
	w, ok := p.store.client.(storage.Walker)
	if !ok {
		p.logger.Warn("the storage cannot list its keys, so outlines of released traces are not kept: after a kill, "+
			"a late ancestor gives no context to the steps released before it; use file_storage", zap.Stringer("storage", p.cfg.Storage))
		return 0, nil
	}
	sk := p.sk
	deadline := sk.now().Add(-sk.ttl)
	var loaded []*outline
	var bad []error
	err := w.Walk(ctx, func(key string, v []byte) ([]*storage.Operation, error) {
		hexID, ok := strings.CutPrefix(key, outlinePrefix)
		if !ok {
			return nil, nil
		}
		o, err := decodeOutline(hexID, v)
		if err != nil {
			bad = append(bad, err)
		}
		if err != nil || !o.touched.After(deadline) {
			return []*storage.Operation{storage.DeleteOperation(key)}, nil
		}
		loaded = append(loaded, o)
		return nil, nil
	})
	for _, e := range bad {
		p.logger.Error("a kept outline is unreadable and dropped", zap.Error(e))
	}
	if err != nil {
		return 0, err
	}
	slices.SortFunc(loaded, func(a, b *outline) int { return a.touched.Compare(b.touched) })
	for _, o := range loaded {
		if old := sk.byID[o.trace]; old != nil { // not expected: one key per trace
			sk.oldest.Remove(old.elem)
			sk.spans -= len(old.nodes)
		}
		o.elem = sk.oldest.PushBack(o)
		sk.byID[o.trace] = o
		sk.spans += len(o.nodes)
	}
	sk.dirty = map[pcommon.TraceID]struct{}{}
	sk.evict()
	return len(loaded), nil
}

// encodeOutline: touched (unix ns), the nodes (span, parent, anchor index,
// context or none), the anchors (span, step id, llm, mask).
func encodeOutline(o *outline) []byte {
	b := make([]byte, 0, 16+len(o.nodes)*24+len(o.anchors)*48)
	b = binary.AppendVarint(b, o.touched.UnixNano())
	b = binary.AppendUvarint(b, uint64(len(o.nodes)))
	for id, n := range o.nodes {
		b = append(b, id[:]...)
		b = append(b, n.parent[:]...)
		b = binary.AppendVarint(b, int64(n.anchor))
		if n.ctx == nil {
			b = append(b, 0)
			continue
		}
		b = append(b, 1)
		c := n.ctx
		for _, s := range []string{c.AgentID, c.RunID, c.ConversationID, c.UserID, c.ProjectID, c.OrganizationID} {
			b = appendString(b, s)
		}
		b = binary.AppendUvarint(b, uint64(len(c.Tags)))
		for _, s := range c.Tags {
			b = appendString(b, s)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(o.anchors)))
	for _, a := range o.anchors {
		b = append(b, a.key.span[:]...)
		b = appendString(b, a.id)
		llm := byte(0)
		if a.llm {
			llm = 1
		}
		b = append(b, llm, byte(a.mask))
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

var errShortOutline = errors.New("kept outline ends early")

// outlineReader reads what encodeOutline wrote; the first error sticks.
type outlineReader struct {
	b   []byte
	err error
}

func (r *outlineReader) bytes(n int) []byte {
	if r.err != nil || n < 0 || len(r.b) < n {
		r.err = errShortOutline
		return make([]byte, max(n, 0))
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *outlineReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if r.err == nil && n <= 0 {
		r.err = errShortOutline
	}
	r.b = r.b[max(n, 0):]
	return v
}

func (r *outlineReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if r.err == nil && n <= 0 {
		r.err = errShortOutline
	}
	r.b = r.b[max(n, 0):]
	return v
}

func (r *outlineReader) str() string {
	return string(r.bytes(int(min(r.uvarint(), uint64(len(r.b)+1)))))
}

func (r *outlineReader) spanID() (id pcommon.SpanID) {
	copy(id[:], r.bytes(8))
	return id
}

func decodeOutline(hexID string, v []byte) (*outline, error) {
	var t pcommon.TraceID
	raw, err := hex.DecodeString(hexID)
	if err != nil || len(raw) != len(t) {
		return nil, errors.New("kept outline under a key that is no trace id: " + hexID)
	}
	copy(t[:], raw)
	r := &outlineReader{b: v}
	o := &outline{trace: t, nodes: map[pcommon.SpanID]node{}}
	o.touched = time.Unix(0, r.varint())
	for n := r.uvarint(); n > 0 && r.err == nil; n-- {
		id := r.spanID()
		nd := node{parent: r.spanID(), anchor: int32(r.varint())}
		if r.bytes(1)[0] == 1 {
			c := &stepContext{AgentID: r.str(), RunID: r.str(), ConversationID: r.str(), UserID: r.str(),
				ProjectID: r.str(), OrganizationID: r.str()}
			for m := r.uvarint(); m > 0 && r.err == nil; m-- {
				c.Tags = append(c.Tags, r.str())
			}
			nd.ctx = c
		}
		o.nodes[id] = nd
	}
	for n := r.uvarint(); n > 0 && r.err == nil; n-- {
		a := anchorRef{key: spanKey{trace: t, span: r.spanID()}, id: r.str()}
		flags := r.bytes(2)
		a.llm, a.mask = flags[0] == 1, ctxMask(flags[1])
		o.anchors = append(o.anchors, a)
	}
	if r.err == nil && len(r.b) > 0 {
		r.err = errors.New("kept outline has trailing bytes")
	}
	if r.err != nil {
		return nil, errors.Join(errors.New("kept outline of trace "+hexID), r.err)
	}
	for _, nd := range o.nodes {
		if nd.anchor >= int32(len(o.anchors)) {
			return nil, errors.New("kept outline of trace " + hexID + " points at an anchor it lacks")
		}
	}
	return o, nil
}
