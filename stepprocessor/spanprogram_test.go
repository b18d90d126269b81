package stepprocessor

import (
	"encoding/binary"
	"math"
	"slices"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/step"
)

// A span program is the fuzzers' compact encoding of a trace: a list of ops
// that start spans and put attributes on them. It lets the fuzzer reach
// every key the recognisers know (through a dictionary) and every value
// shape (through typed values), and lets the seeds be real fixtures.
//
//	op 0: new span: name, parent index (resolved at the end), status, kind
//	op 1: attribute: target (span, resource, scope, exception event), key, value
//	op 2: scope name
//	op 3: status message
//	op 4: start and end time, 8 bytes each
//
// A key is a dictionary reference (first byte has the high bit set, then
// one more byte) or a literal of up to 127 bytes. A value is a type byte
// then its payload; arrays and maps nest.
const (
	opSpan byte = iota
	opAttr
	opScopeName
	opStatusMessage
	opTimes
	opCount
)

const (
	valStr byte = iota
	valInt
	valDouble
	valBool
	valBytes
	valSlice
	valMap
	valEmpty
	valCount
)

const (
	targetSpan byte = iota
	targetResource
	targetScope
	targetException
	targetCount
)

// maxValueDepth bounds nesting: deep enough to be absurd, shallow enough
// that a fuzz input cannot blow the test's own stack.
const maxValueDepth = 256

// programKeys is the dictionary: every key the recognisers read (from the
// index of an annotator whose fields config adds a few user keys), and
// every step.* key.
func programKeys(ix *keyIndex) []string {
	keys := append(slices.Clone(ix.keys), step.PatchesKey)
	for _, f := range step.Fields {
		keys = append(keys, f.Key)
	}
	return keys
}

type programReader struct {
	data []byte
	keys []string
}

func (r *programReader) done() bool { return len(r.data) == 0 }

func (r *programReader) byte() byte {
	if len(r.data) == 0 {
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

func (r *programReader) bytes(n int) []byte {
	n = min(n, len(r.data))
	b := r.data[:n]
	r.data = r.data[n:]
	return b
}

func (r *programReader) u64() uint64 {
	var b [8]byte
	copy(b[:], r.bytes(8))
	return binary.LittleEndian.Uint64(b[:])
}

func (r *programReader) str() string {
	n, w := binary.Uvarint(r.data)
	if w <= 0 {
		r.data = nil
		return ""
	}
	r.data = r.data[w:]
	return string(r.bytes(int(min(n, uint64(len(r.data))))))
}

func (r *programReader) key() string {
	b := r.byte()
	if b&0x80 != 0 && len(r.keys) > 0 {
		return r.keys[(int(b&0x7f)<<8|int(r.byte()))%len(r.keys)]
	}
	return string(r.bytes(int(b & 0x7f)))
}

func (r *programReader) value(v pcommon.Value, depth int) {
	switch r.byte() % valCount {
	case valStr:
		v.SetStr(r.str())
	case valInt:
		v.SetInt(int64(r.u64()))
	case valDouble:
		v.SetDouble(math.Float64frombits(r.u64()))
	case valBool:
		v.SetBool(r.byte()%2 == 1)
	case valBytes:
		v.SetEmptyBytes().FromRaw([]byte(r.str()))
	case valSlice:
		sl := v.SetEmptySlice()
		for n := r.byte() % 8; n > 0 && !r.done() && depth < maxValueDepth; n-- {
			r.value(sl.AppendEmpty(), depth+1)
		}
	case valMap:
		m := v.SetEmptyMap()
		for n := r.byte() % 8; n > 0 && !r.done() && depth < maxValueDepth; n-- {
			r.value(m.PutEmpty(r.key()), depth+1)
		}
	}
}

// programTraceID is the one trace every program builds.
var programTraceID = pcommon.TraceID{0x0a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}

// buildProgram runs a program into a trace. The first span is named name
// with scope scopeName; later ones come from op 0.
func buildProgram(name, scopeName string, ops []byte, keys []string) ptrace.Traces {
	td := ptrace.NewTraces()
	r := &programReader{data: ops, keys: keys}
	var (
		spans   []ptrace.Span
		parents []int
		res     pcommon.Resource
		scope   pcommon.InstrumentationScope
	)
	newSpan := func(name string, parent int) ptrace.Span {
		rs := td.ResourceSpans().AppendEmpty()
		ss := rs.ScopeSpans().AppendEmpty()
		sp := ss.Spans().AppendEmpty()
		sp.SetName(name)
		sp.SetTraceID(programTraceID)
		sp.SetSpanID(spanIDOf(len(spans)))
		sp.SetStartTimestamp(1767225600000000000)
		sp.SetEndTimestamp(1767225601000000000)
		res, scope = rs.Resource(), ss.Scope()
		spans, parents = append(spans, sp), append(parents, parent)
		return sp
	}
	sp := newSpan(name, -1)
	scope.SetName(scopeName)
	for !r.done() {
		switch r.byte() % opCount {
		case opSpan:
			sp = newSpan(r.str(), int(r.byte())-1)
			sp.Status().SetCode(ptrace.StatusCode(r.byte() % 3))
			sp.SetKind(ptrace.SpanKind(r.byte() % 6))
		case opAttr:
			target := r.byte() % targetCount
			key := r.key()
			var attrs pcommon.Map
			switch target {
			case targetSpan:
				attrs = sp.Attributes()
			case targetResource:
				attrs = res.Attributes()
			case targetScope:
				attrs = scope.Attributes()
			case targetException:
				attrs = exceptionEvent(sp).Attributes()
			}
			r.value(attrs.PutEmpty(key), 0)
		case opScopeName:
			scope.SetName(r.str())
		case opStatusMessage:
			sp.Status().SetMessage(r.str())
		case opTimes:
			sp.SetStartTimestamp(pcommon.Timestamp(r.u64()))
			sp.SetEndTimestamp(pcommon.Timestamp(r.u64()))
		}
	}
	for i, p := range parents {
		if p >= 0 {
			spans[i].SetParentSpanID(spanIDOf(p % len(spans)))
		}
	}
	return td
}

func spanIDOf(i int) pcommon.SpanID {
	var id pcommon.SpanID
	binary.BigEndian.PutUint64(id[:], uint64(i)+1)
	return id
}

func exceptionEvent(sp ptrace.Span) ptrace.SpanEvent {
	evs := sp.Events()
	for i := 0; i < evs.Len(); i++ {
		if evs.At(i).Name() == "exception" {
			return evs.At(i)
		}
	}
	ev := evs.AppendEmpty()
	ev.SetName("exception")
	return ev
}

// programWriter encodes a real trace as a program, for the seed corpus.
type programWriter struct{ buf []byte }

func (w *programWriter) str(s string) {
	w.buf = binary.AppendUvarint(w.buf, uint64(len(s)))
	w.buf = append(w.buf, s...)
}

// key writes a literal key; longer keys than a literal holds are cut.
func (w *programWriter) key(k string) {
	k = k[:min(len(k), 127)]
	w.buf = append(w.buf, byte(len(k)))
	w.buf = append(w.buf, k...)
}

func (w *programWriter) u64(u uint64) { w.buf = binary.LittleEndian.AppendUint64(w.buf, u) }

func (w *programWriter) value(v pcommon.Value) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		w.buf = append(w.buf, valStr)
		w.str(v.Str())
	case pcommon.ValueTypeInt:
		w.buf = append(w.buf, valInt)
		w.u64(uint64(v.Int()))
	case pcommon.ValueTypeDouble:
		w.buf = append(w.buf, valDouble)
		w.u64(math.Float64bits(v.Double()))
	case pcommon.ValueTypeBool:
		w.buf = append(w.buf, valBool, 0)
		if v.Bool() {
			w.buf[len(w.buf)-1] = 1
		}
	case pcommon.ValueTypeBytes:
		w.buf = append(w.buf, valBytes)
		w.str(string(v.Bytes().AsRaw()))
	case pcommon.ValueTypeSlice:
		sl := v.Slice()
		n := min(sl.Len(), 7)
		w.buf = append(w.buf, valSlice, byte(n))
		for i := 0; i < n; i++ {
			w.value(sl.At(i))
		}
	case pcommon.ValueTypeMap:
		n := min(v.Map().Len(), 7)
		w.buf = append(w.buf, valMap, byte(n))
		i := 0
		v.Map().Range(func(k string, e pcommon.Value) bool {
			w.key(k)
			w.value(e)
			i++
			return i < n
		})
	default:
		w.buf = append(w.buf, valEmpty)
	}
}

func (w *programWriter) attrs(target byte, m pcommon.Map) {
	m.Range(func(k string, v pcommon.Value) bool {
		w.buf = append(w.buf, opAttr, target)
		w.key(k)
		w.value(v)
		return true
	})
}

// encodeProgram writes every span of td as a program whose first span is
// returned as name and scope name. Parents are kept by index.
func encodeProgram(td ptrace.Traces) (name, scopeName string, ops []byte) {
	index := map[pcommon.SpanID]int{}
	eachProgramSpan(td, func(_ pcommon.Resource, _ pcommon.InstrumentationScope, sp ptrace.Span) {
		index[sp.SpanID()] = len(index)
	})
	w := &programWriter{}
	first := true
	eachProgramSpan(td, func(res pcommon.Resource, scope pcommon.InstrumentationScope, sp ptrace.Span) {
		if first {
			name, scopeName, first = sp.Name(), scope.Name(), false
		} else {
			parent, ok := index[sp.ParentSpanID()]
			if !ok {
				parent = -1
			}
			w.buf = append(w.buf, opSpan)
			w.str(sp.Name())
			w.buf = append(w.buf, byte(parent+1), byte(sp.Status().Code()), byte(sp.Kind()))
			w.buf = append(w.buf, opScopeName)
			w.str(scope.Name())
		}
		if msg := sp.Status().Message(); msg != "" {
			w.buf = append(w.buf, opStatusMessage)
			w.str(msg)
		}
		w.buf = append(w.buf, opTimes)
		w.u64(uint64(sp.StartTimestamp()))
		w.u64(uint64(sp.EndTimestamp()))
		w.attrs(targetResource, res.Attributes())
		w.attrs(targetScope, scope.Attributes())
		w.attrs(targetSpan, sp.Attributes())
		for i := 0; i < sp.Events().Len(); i++ {
			if ev := sp.Events().At(i); ev.Name() == "exception" {
				w.attrs(targetException, ev.Attributes())
			}
		}
	})
	return name, scopeName, w.buf
}

func eachProgramSpan(td ptrace.Traces, fn func(pcommon.Resource, pcommon.InstrumentationScope, ptrace.Span)) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				fn(rss.At(i).Resource(), sss.At(j).Scope(), spans.At(k))
			}
		}
	}
}
