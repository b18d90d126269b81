package stepprocessor

import (
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// convention is one instrumentation convention the processor knows.
//
// Its claim says cheaply whether a span may be the convention's, from
// keys and scope names that only this convention (or its family) writes:
// never shared keys such as server.address, server.port or error.type,
// which almost every HTTP and database span carries. Only a claimed span is
// read in full, and only by the recognisers that claimed it, highest
// priority first; the first that recognises it wins. A span no convention
// claims costs one pass over its keys and nothing else.
type convention struct {
	name     string // written to step.source
	priority int    // higher is tried first; see conventionOverrides
	claim    claimRule
	build    func(ix *keyIndex) recogniser
}

// claimRule: a span is claimed when its scope or one of its attribute keys
// matches. Keys are matched exactly or by prefix; no value is read.
type claimRule struct {
	keys          []string // exact attribute keys
	keyPrefixes   []string // attribute key prefixes, such as "gen_ai."
	scopes        []string // instrumentation scope names
	scopePrefixes []string
}

// conventions is the registry. To add one, append an entry (and a
// conventionOverrides row for each convention it overlaps with); the
// overlap test names any pair that lacks one.
var conventions = []convention{
	{
		name: "letta", priority: 60, build: func(ix *keyIndex) recogniser { return newLetta(ix) },
		// Letta's spans outside its scope (replayed from a store that
		// dropped it) still carry their step ids.
		claim: claimRule{scopes: []string{lettaKeys.scope}, keys: []string{lettaKeys.agentStepID, lettaKeys.stepID}},
	},
	{
		name: "openinference", priority: 50, build: func(ix *keyIndex) recogniser { return newOpenInference(ix) },
		claim: claimRule{keys: []string{openinferenceKeys.kind}},
	},
	{
		name: "vercel", priority: 40, build: func(ix *keyIndex) recogniser { return newVercel(ix) },
		claim: claimRule{keys: []string{vercelKeys.operationID}, scopes: []string{vercelLegacyScope, vercelGenAIScope}},
	},
	{
		name: "pydanticai", priority: 35, build: func(ix *keyIndex) recogniser { return newPydanticAI(ix) },
		claim: claimRule{keys: pydanticaiOnlyKeys, scopes: []string{"pydantic-ai", "pydantic_ai", "logfire"},
			scopePrefixes: []string{"logfire."}},
	},
	{
		name: "openllmetry", priority: 30, build: func(ix *keyIndex) recogniser { return newOpenLLMetry(ix) },
		claim: claimRule{keys: openllmetryOnlyKeys, scopes: append([]string{"traceloop.tracer"}, openllmetryPythonScopes()...), scopePrefixes: []string{"@traceloop/"}},
	},
	{
		// LangSmith's OTel mode writes gen_ai.* keys too; its run type
		// tells a model run from the prompt and chain runs also named chat.
		name: "langsmith", priority: 28, build: func(ix *keyIndex) recogniser { return newLangSmith(ix) },
		claim: claimRule{scopes: []string{langsmithScope}, keys: []string{langsmithRunType, "langsmith.span.id", "langsmith.trace.id"}},
	},
	{
		// Strands names itself in gen_ai.system; its TypeScript tracer is
		// named after the service, so its own event-time keys claim too.
		name: "strands", priority: 26, build: func(ix *keyIndex) recogniser { return newStrands(ix) },
		claim: claimRule{scopes: []string{strandsScope}, keys: strandsOnlyKeys},
	},
	{
		name: "adk", priority: 24, build: func(ix *keyIndex) recogniser { return newADK(ix) },
		claim: claimRule{scopes: []string{adkScope}, keys: []string{adkLLMResponse, "gcp.vertex.agent.invocation_id", "gcp.vertex.agent.session_id"}},
	},
	{
		name: "langfuse", priority: 22, build: func(ix *keyIndex) recogniser { return newLangfuse(ix) },
		claim: claimRule{keys: []string{langfuseKeys.obsType}},
	},
	{
		name: "genkit", priority: 20, build: func(ix *keyIndex) recogniser { return newGenkit(ix) },
		claim: claimRule{keys: []string{genkitKeys.subtype}},
	},
	{
		// The fallback: every gen_ai.* emitter that no convention above
		// claims is read by the OpenTelemetry GenAI rules.
		name: "genai", priority: 10, build: func(ix *keyIndex) recogniser { return newGenAI(ix) },
		claim: claimRule{keyPrefixes: []string{"gen_ai."}},
	},
}

// conventionOverride says which of two conventions that claim one span wins.
type conventionOverride struct {
	winner, loser string
	why           string
}

// conventionOverrides lists every pair of conventions that the fixtures
// show claiming one span. The winner must have the higher priority
// (TestConventionOverlaps holds both).
var conventionOverrides = []conventionOverride{
	{"vercel", "genai", "AI SDK legacy spans carry gen_ai.* copies of their ai.* keys; the ai.* ones hold the v6 cache breakdown"},
	{"pydanticai", "genai", "pydantic-ai writes GenAI keys plus its own run id and aggregated usage, which mark the agent run"},
	{"openllmetry", "genai", "OpenLLMetry writes gen_ai.* keys plus its own (traceloop.*, llm.request.type) and fixes JS Anthropic input counts"},
	{"langsmith", "genai", "LangSmith writes gen_ai.* keys, but only its run type tells a model run from a prompt or chain run, and its token details are JSON under its own keys"},
	{"strands", "genai", "Strands writes gen_ai.* keys with its own name in gen_ai.system (never the provider), Bedrock input without the cache, and the finish reason on the gen_ai.choice event"},
	{"adk", "genai", "ADK writes gen_ai.* keys, but its usage details (cache, thoughts) are in gcp.vertex.agent.llm_response and Gemini's candidates leave the thoughts out"},
}

// claimSet has one bit per registered convention, by index in the
// registry sorted by priority; claimFields is the user's `fields:`.
type claimSet uint64

const claimFields claimSet = 1 << 63

// claimEntry is one claim key or prefix and the conventions it marks.
type claimEntry struct {
	s      string
	prefix bool
	set    claimSet
}

// claimIndex is the claim rules of every convention compiled for the hot
// path: keys by their first byte, so that most keys of an HTTP or database
// span are rejected by one array load.
type claimIndex struct {
	// gate has, per first byte, a bit per length of an exact key (lengths
	// of 63 and more share bit 63) and bit 63 when a prefix starts with it:
	// keys such as server.address are rejected without a compare.
	gate          [256]uint64
	byFirst       [256][]claimEntry
	scopes        map[string]claimSet
	scopePrefixes []claimEntry
	// all is set on every span: the user maps a field to a resource key,
	// which any span may have.
	all claimSet
	// facts is the annotator's key index, whose slots the window's key
	// memo also answers (spanFacts.load); nil leaves them to its map.
	facts *keyIndex
}

func (ci *claimIndex) addKey(s string, prefix bool, set claimSet) {
	if s == "" {
		return
	}
	if prefix || len(s) >= 63 {
		ci.gate[s[0]] |= 1 << 63
	} else {
		ci.gate[s[0]] |= 1 << len(s)
	}
	b := &ci.byFirst[s[0]]
	for i := range *b {
		if (*b)[i].s == s && (*b)[i].prefix == prefix {
			(*b)[i].set |= set
			return
		}
	}
	*b = append(*b, claimEntry{s: s, prefix: prefix, set: set})
}

func newClaimIndex(convs []convention, userKeys []string, resourceFields bool) *claimIndex {
	ci := &claimIndex{scopes: map[string]claimSet{}}
	for i := range convs {
		bit := claimSet(1) << i
		c := &convs[i].claim
		for _, k := range c.keys {
			ci.addKey(k, false, bit)
		}
		for _, k := range c.keyPrefixes {
			ci.addKey(k, true, bit)
		}
		for _, s := range c.scopes {
			ci.scopes[s] |= bit
		}
		for _, s := range c.scopePrefixes {
			ci.scopePrefixes = append(ci.scopePrefixes, claimEntry{s: s, prefix: true, set: bit})
		}
	}
	for _, k := range userKeys {
		ci.addKey(k, false, claimFields)
	}
	if resourceFields {
		ci.all = claimFields
	}
	return ci
}

// scope returns the conventions that claim every span of a scope.
func (ci *claimIndex) scope(s pcommon.InstrumentationScope) claimSet {
	name := s.Name()
	set := ci.scopes[name] | ci.all
	for _, e := range ci.scopePrefixes {
		if strings.HasPrefix(name, e.s) {
			set |= e.set
		}
	}
	return set
}

// key returns the conventions that a span's attribute key k marks.
func (ci *claimIndex) key(k string) claimSet {
	if k == "" {
		return 0
	}
	var set claimSet
	for _, e := range ci.byFirst[k[0]] {
		if e.prefix && strings.HasPrefix(k, e.s) || !e.prefix && k == e.s {
			set |= e.set
		}
	}
	return set
}

// span returns the conventions that claim a span, given its scope's set.
func (ci *claimIndex) span(scopeSet claimSet, attrs pcommon.Map) claimSet {
	set := scopeSet
	attrs.Range(func(k string, _ pcommon.Value) bool {
		if ci.gated(k) {
			set |= ci.key(k)
		}
		return true
	})
	return set
}

// gated reports whether key k passes the gate, which rejects most keys
// with one array load; only those that pass are looked up (key).
func (ci *claimIndex) gated(k string) bool {
	return k != "" && ci.gate[k[0]]&(1<<63|1<<min(len(k), 63)) != 0
}

// claims reports whether the rule alone claims a span: the slow, plain
// reading of a rule, which the overlap test holds the index against.
func (c *claimRule) claims(scope string, attrs pcommon.Map) bool {
	if slices.Contains(c.scopes, scope) {
		return true
	}
	for _, p := range c.scopePrefixes {
		if strings.HasPrefix(scope, p) {
			return true
		}
	}
	claimed := false
	attrs.Range(func(k string, _ pcommon.Value) bool {
		claimed = slices.Contains(c.keys, k) || slices.ContainsFunc(c.keyPrefixes, func(p string) bool {
			return strings.HasPrefix(k, p)
		})
		return !claimed
	})
	return claimed
}

// sortedConventions returns the registry in the order claims are tried.
func sortedConventions() []convention {
	convs := slices.Clone(conventions)
	slices.SortStableFunc(convs, func(a, b convention) int { return b.priority - a.priority })
	return convs
}

// registered is a convention built for one annotator.
type registered struct {
	name string
	rec  recogniser
}

// newRegistry builds every convention's recogniser in priority order, and
// the claim index that picks them.
func newRegistry(ix *keyIndex, userKeys []string, resourceFields bool) ([]registered, *claimIndex) {
	convs := sortedConventions()
	out := make([]registered, len(convs))
	for i, c := range convs {
		out[i] = registered{name: c.name, rec: c.build(ix)}
	}
	return out, newClaimIndex(convs, userKeys, resourceFields)
}
