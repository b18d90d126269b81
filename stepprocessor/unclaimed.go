package stepprocessor

import (
	"fmt"
	"sort"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// An emitter no convention knows must be noticed, not silently lost. A
// span that no recogniser claims but that carries what looks like a model
// call is counted by instrumentation scope and logged once per scope, with
// the keys seen and a `fields:` mapping to start from.
//
// What looks like a model call, by key name under any prefix: a token
// count (a key containing "tokens" with a number, or "usage" with any
// value, as usage objects are often JSON text), or a kind (a key ending in
// "type" or "kind" whose text is model, llm or generation, as Genkit's
// genkit:metadata:subtype=model). Model keys (a segment starting with
// "model" after '.', '_' or ':', with text) are listed with them but are
// not evidence alone: Letta's time_to_first_token span carries
// llm_config.model and is no call. A span that carries a known
// convention's marker (gen_ai.operation.name, openinference.span.kind, ...)
// is that convention's, a step or not (a GenAI embeddings span has usage).
//
// "tokens" and not "token": auth and CSRF tokens are no counts.

// unclaimedScope is what one window saw of one scope's unclaimed spans.
type unclaimedScope struct {
	scope, version string
	spans          int
	keys           map[string]struct{}
}

// maxUnclaimedKeys bounds the keys kept per scope for the log.
const maxUnclaimedKeys = 32

// claimSpan is the one pass over a span's keys on the hot path: the
// conventions that claim the span (claimIndex.span) and, while none does,
// whether some attribute is evidence of a model call by itself (a usage
// or kind, modelCallAttr). A key the window's memo takes gets both from
// one memo lookup; others from the claim gate and keyClassOf. For an
// unclaimed span, looks false means noticeUnclaimed would find nothing;
// looks true sends it there for the full check.
func (ws *windowState) claimSpan(ci *claimIndex, scopeSet claimSet, attrs pcommon.Map) (set claimSet, looks bool) {
	set = scopeSet
	ws.memo.use(ci)
	attrs.Range(func(k string, v pcommon.Value) bool {
		var c keyClass
		if n := len(k); inMemo(n) {
			// ws.memo.entry(k), its first-way hit written out: no call.
			first, tail := load64(k, 0), load64(k, n-8)
			e := &ws.memo.set(n, first, tail)[0]
			if e.first != first || e.tail != tail || int(e.n) != n ||
				n > 16 && e.mid[0] != load64(k, 8) || n > 24 && e.mid[1] != load64(k, 16) ||
				n > 32 && e.mid[2] != load64(k, 24) {
				e = ws.memo.entry(k)
			}
			set |= e.claims
			c = e.class
		} else {
			if ci.gated(k) {
				set |= ci.key(k)
			}
			c = keyClassOf(k)
		}
		if c != keyNone && set == 0 && !looks {
			looks = looksLikeCall(c, v)
		}
		return true
	})
	return set, looks
}

// noticeUnclaimed checks a span that no convention claimed. Ordinary spans
// pay one pass over their keys with byte compares and allocate nothing.
func (ws *windowState) noticeUnclaimed(scope pcommon.InstrumentationScope, sp ptrace.Span) {
	attrs := sp.Attributes()
	if attrs.Len() == 0 {
		return
	}
	usage, marked := false, false
	attrs.Range(func(k string, v pcommon.Value) bool {
		if conventionMarker(k) {
			marked = true
			return false
		}
		if c := modelCallAttr(k, v); c == attrUsage || c == attrKind {
			usage = true
		}
		return true
	})
	if !usage || marked {
		return
	}
	hit := ws.unclaimedFor(scope)
	hit.spans++
	attrs.Range(func(k string, v pcommon.Value) bool {
		if len(hit.keys) < maxUnclaimedKeys && modelCallAttr(k, v) != attrNone {
			hit.keys[k] = struct{}{}
		}
		return true
	})
}

// conventionMarker reports the keys that make a span a known convention's
// (an embedding, a tool, a retrieval): a span that carries one and is not
// claimed is no step on purpose, not an unknown emitter.
func conventionMarker(k string) bool {
	switch k {
	case "gen_ai.operation.name", "openinference.span.kind", "llm.request.type",
		"traceloop.span.kind", "ai.operationId", "langfuse.observation.type",
		"genkit:metadata:subtype":
		return true
	}
	return false
}

func (ws *windowState) unclaimedFor(scope pcommon.InstrumentationScope) *unclaimedScope {
	if ws.unclaimed == nil {
		ws.unclaimed = map[string]*unclaimedScope{}
	}
	name := scope.Name()
	u, ok := ws.unclaimed[name]
	if !ok {
		u = &unclaimedScope{scope: name, version: scope.Version(), keys: map[string]struct{}{}}
		ws.unclaimed[name] = u
	}
	return u
}

// attrClass is what one attribute says of a model call.
type attrClass uint8

const (
	attrNone  attrClass = iota
	attrUsage           // a token count or a usage value
	attrModel           // a model name
	attrKind            // a span kind or type whose value is a model call
)

// modelCallAttr classifies one attribute: its key's class (keyClassOf),
// then, where the class asks for one, its value.
func modelCallAttr(k string, v pcommon.Value) attrClass {
	switch keyClassOf(k) {
	case keyUsage:
		return attrUsage
	case keyTokens:
		if t := v.Type(); t == pcommon.ValueTypeInt || t == pcommon.ValueTypeDouble {
			return attrUsage
		}
	case keyModel:
		if v.Type() == pcommon.ValueTypeStr && v.Str() != "" {
			return attrModel
		}
	case keyKind:
		if modelKindValue(v) {
			return attrKind
		}
	}
	return attrNone
}

// looksLikeCall reports whether an attribute of the key class c is
// evidence of a model call on its own (attrUsage or attrKind).
func looksLikeCall(c keyClass, v pcommon.Value) bool {
	switch c {
	case keyUsage:
		return true
	case keyTokens:
		t := v.Type()
		return t == pcommon.ValueTypeInt || t == pcommon.ValueTypeDouble
	case keyKind:
		return modelKindValue(v)
	}
	return false
}

// modelKindValue: a kind or type value that names a model call.
func modelKindValue(v pcommon.Value) bool {
	if v.Type() != pcommon.ValueTypeStr {
		return false
	}
	// EqualFold, as strings.ToLower would copy a value that has capitals.
	switch s := v.Str(); len(s) {
	case 3:
		return strings.EqualFold(s, "llm")
	case 5:
		return strings.EqualFold(s, "model")
	case 10:
		return strings.EqualFold(s, "generation")
	}
	return false
}

// keyClass is what an attribute key alone says of a model call; the value
// decides the rest (modelCallAttr).
type keyClass uint8

const (
	keyNone   keyClass = iota
	keyUsage           // contains "usage": any value
	keyTokens          // contains "tokens": a number
	keyModel           // a segment starting with "model": a non-empty text
	keyKind            // ends in "type" or "kind": text model, llm or generation
)

// keyClassOf classifies one key by name. strings.Index is vectorised, so an
// ordinary key costs three short scans and two suffix compares; the
// window's keyMemo spares even that for the keys it has seen.
func keyClassOf(k string) keyClass {
	if strings.Contains(k, "usage") {
		return keyUsage
	}
	if strings.Contains(k, "tokens") {
		return keyTokens
	}
	if i := strings.Index(k, "model"); i > 0 {
		if c := k[i-1]; c == '.' || c == '_' || c == ':' {
			return keyModel
		}
		return keyNone
	}
	if strings.HasSuffix(k, "type") || strings.HasSuffix(k, "kind") {
		return keyKind
	}
	return keyNone
}

// unclaimedSeen is one scope's unclaimed model-call spans in one window.
type unclaimedSeen struct {
	Scope, Version string
	Spans          int
	Keys           []string // sorted
}

// takeUnclaimed moves the window's findings into the result.
func (ws *windowState) takeUnclaimed(res *result) {
	for _, u := range ws.unclaimed {
		keys := make([]string, 0, len(u.keys))
		for k := range u.keys {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		res.unclaimed = append(res.unclaimed, unclaimedSeen{Scope: u.scope, Version: u.version, Spans: u.spans, Keys: keys})
	}
	clear(ws.unclaimed)
}

// suggestFields proposes a `fields:` mapping for the keys seen: each key
// goes to the record field its name suggests. Keys with no scalar meaning
// (a usage object in JSON) are left out: `fields:` reads one value per key.
func suggestFields(keys []string) string {
	byField := map[string][]string{}
	for _, k := range keys {
		if f := fieldForKey(k); f != "" {
			byField[f] = append(byField[f], k)
		}
	}
	if len(byField) == 0 {
		return ""
	}
	names := make([]string, 0, len(byField))
	for f := range byField {
		names = append(names, f)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("fields: {")
	for i, f := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: [%s]", f, strings.Join(byField[f], ", "))
	}
	b.WriteString("}")
	return b.String()
}

// fieldForKey guesses the record field of one model-call key.
func fieldForKey(k string) string {
	l := strings.ToLower(k)
	if !strings.Contains(l, "tokens") {
		if strings.Contains(l, "model") && !strings.Contains(l, "usage") &&
			!strings.HasSuffix(l, "type") && !strings.HasSuffix(l, "kind") {
			return "model"
		}
		return "" // a usage object or a kind: no one field
	}
	switch {
	case strings.Contains(l, "cache_read") || strings.Contains(l, "cached") || strings.Contains(l, "cache.read"):
		return "cached_input_tokens"
	case strings.Contains(l, "cache_creation") || strings.Contains(l, "cache_write") || strings.Contains(l, "cache.write"):
		return "cache_write_tokens"
	case strings.Contains(l, "reasoning") || strings.Contains(l, "thought"):
		return "reasoning_tokens"
	case strings.Contains(l, "total"):
		return "total_tokens"
	case strings.Contains(l, "input") || strings.Contains(l, "prompt"):
		return "prompt_tokens"
	case strings.Contains(l, "output") || strings.Contains(l, "completion"):
		return "completion_tokens"
	}
	return ""
}
