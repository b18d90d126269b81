package pricing

import (
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Call is one model call as a step record describes it.
type Call struct {
	// Provider is the OpenTelemetry gen_ai.provider.name ("aws.bedrock",
	// "gcp.gemini", "x_ai") or a catalogue provider id ("aws", "google").
	Provider string
	Model    string
	// Endpoint is the model endpoint, a URL or host[:port]; a self-hosted
	// one (loopback, private address, Ollama's port) is priced only by rules.
	Endpoint string
	// Start is when the call started; it picks dated and time-of-day prices.
	Start time.Time
	// Token counts; nil is unknown. PromptTokens includes cache reads and
	// writes, CompletionTokens includes reasoning.
	PromptTokens, CompletionTokens, CachedInputTokens, CacheWriteTokens, ReasoningTokens *int64
}

// Cost is a call's price in USD and where it came from: "config" or
// "catalogue@<version>".
type Cost struct {
	Breakdown
	Source string
}

// Engine prices calls by the user's rules, then the catalogue. It is safe
// for concurrent use.
type Engine struct {
	cat    *Catalogue
	rules  []*Rule
	source string // "catalogue@<version>"

	// found memoises what a (provider, model, endpoint) resolves to (a few
	// models and endpoints, many calls), keyed by model and then searched by
	// provider and endpoint, so that a lookup hashes one string. It is an
	// immutable map, replaced whole on a miss, so that reads take no lock,
	// and stops growing at maxFound entries; later keys are resolved on
	// every call.
	found  atomic.Pointer[map[string][]found]
	nFound int        // entries in found, under mu
	mu     sync.Mutex // serialises the replacements
	// recent is a direct-mapped cache in front of found, indexed by a
	// cheap hash of the key (recentIndex): a hit costs a few byte
	// compares, where found hashes the whole model and probes its map.
	// The processor asks for every step, with the map's memory cold.
	recent [recentSize]atomic.Pointer[found]
}

const recentSize = 256 // a power of two

// recentIndex hashes a key by the lengths of its parts and a few of their
// bytes (a hash of every byte is what found's map costs), which tells
// apart the few keys of a batch well enough: a collision only sends the
// lookup on to found.
func recentIndex(provider, model, endpoint string) uint32 {
	h := uint64(len(provider)) | uint64(len(endpoint))<<8 | uint64(len(model))<<16
	h ^= sample(model) << 24
	h = mix(h ^ sample(provider)*0x9e3779b97f4a7c15 ^ sample(endpoint)<<40)
	return uint32(h >> (64 - 8)) // recentSize entries
}

// sample packs a string's first, middle and last two bytes.
func sample(s string) uint64 {
	n := len(s)
	if n == 0 {
		return 0
	}
	return uint64(s[0]) | uint64(s[n/2])<<8 | uint64(s[n-1])<<16 | uint64(s[max(n-2, 0)])<<24 | uint64(s[n/3])<<32
}

// mix is splitmix64's finaliser.
func mix(h uint64) uint64 {
	h = (h ^ h>>30) * 0xbf58476d1ce4e5b9
	h = (h ^ h>>27) * 0x94d049bb133111eb
	return h ^ h>>31
}

// found is one resolved key: the catalogue's model (nil: none), its only
// price set when it has one (the usual case: pricing then reads no more of
// the model), its context window, and whether the endpoint is self-hosted.
type found struct {
	// The key, all three in one allocation: a lookup that compares them
	// reads one or two cache lines.
	provider, endpoint, model string
	m                         *Model
	only                      *PriceSet
	window                    int64
	selfHosted                bool
}

// prices is the model's price set in force at t.
func (f *found) prices(t time.Time) *PriceSet {
	if f.only != nil {
		return f.only
	}
	return f.m.At(t)
}

const maxFound = 4096

// New makes an engine over a catalogue (nil: none) and rules, tried first.
func New(cat *Catalogue, rules []*Rule) *Engine {
	e := &Engine{cat: cat, rules: rules}
	e.found.Store(&map[string][]found{})
	if cat != nil {
		e.source = "catalogue@" + cat.Version
	}
	return e
}

// Price prices a call. ok is false when there is no price: no token
// counts, an unknown or self-hosted model without a rule, or counts that do
// not add up (cache reads above the prompt).
func (e *Engine) Price(c Call) (cost Cost, ok bool) {
	if cost, ok := e.PriceByRule(c); ok {
		return cost, true
	}
	return e.PriceByCatalogue(c)
}

// PriceByRule prices a call by the best matching user rule only.
func (e *Engine) PriceByRule(c Call) (Cost, bool) {
	if len(e.rules) == 0 || (c.PromptTokens == nil && c.CompletionTokens == nil) {
		return Cost{}, false
	}
	r := e.rule(c)
	if r == nil {
		return Cost{}, false
	}
	cc := c.counts()
	b, err := r.prices.priceCall(&cc)
	return Cost{b, "config"}, err == nil
}

// PriceByCatalogue prices a call by the catalogue only.
func (e *Engine) PriceByCatalogue(c Call) (Cost, bool) {
	q := e.quote(&c, false)
	return q.Catalogue, q.HasCatalogue
}

// Quote is everything a step needs from the engine, found with one lookup:
// the price by the best rule, the price by the catalogue, and the model's
// context window in tokens (0 when unknown).
type Quote struct {
	Rule, Catalogue       Cost
	HasRule, HasCatalogue bool
	ContextWindow         int64
}

// Quote prices a call both ways and gives its context window. With the
// key resolved before, it neither allocates nor searches the catalogue. c
// is read only, and by pointer: a Call is 112 bytes, priced for every step.
func (e *Engine) Quote(c *Call) Quote { return e.quote(c, true) }

func (e *Engine) quote(c *Call, rules bool) Quote {
	var q Quote
	if rules && len(e.rules) > 0 {
		q.Rule, q.HasRule = e.PriceByRule(*c)
	}
	if e.cat == nil || c.Model == "" {
		return q
	}
	f := e.resolve(c.Provider, c.Model, c.Endpoint)
	if f.m == nil {
		return q
	}
	q.ContextWindow = f.window
	if f.selfHosted || (c.PromptTokens == nil && c.CompletionTokens == nil) {
		return q
	}
	cc := c.counts()
	if b, err := f.prices(c.Start).priceCall(&cc); err == nil {
		q.Catalogue, q.HasCatalogue = Cost{b, e.source}, true
	}
	return q
}

// ContextWindow is the catalogue's context window of the model in tokens,
// 0 when unknown, found by the provider name alone (no endpoint: Quote
// gives a call's window with its endpoint's provider).
func (e *Engine) ContextWindow(provider, model string) int64 {
	if e.cat == nil || model == "" {
		return 0
	}
	if f := e.resolve(provider, model, ""); f.m != nil {
		return f.window
	}
	return 0
}

// resolve finds the catalogue model of a provider and model, and whether
// the endpoint is self-hosted, once per key.
func (e *Engine) resolve(provider, model, endpoint string) *found {
	// Two ways: a key looks in its slot and the one next to it (the same
	// cache line), so that two keys of one hash both stay.
	i := recentIndex(provider, model, endpoint)
	for _, j := range [2]uint32{i, i ^ 1} {
		if f := e.recent[j].Load(); f != nil && f.model == model && f.provider == provider && f.endpoint == endpoint {
			return f
		}
	}
	f := e.resolveFound(provider, model, endpoint)
	if e.recent[i].Load() != nil && e.recent[i^1].Load() == nil {
		i ^= 1
	}
	e.recent[i].Store(f)
	return f
}

// resolveFound is resolve by the found map, filling it on a miss.
func (e *Engine) resolveFound(provider, model, endpoint string) *found {
	fs := (*e.found.Load())[model]
	for i := range fs {
		if fs[i].provider == provider && fs[i].endpoint == endpoint {
			return &fs[i]
		}
	}
	// Own copies, in one allocation: a key must not pin the buffer of the
	// span it came from.
	key := provider + "\x00" + endpoint + "\x00" + model
	pl, el := len(provider), len(endpoint)
	f := found{provider: key[:pl], endpoint: key[pl+1 : pl+1+el], model: key[pl+el+2:], selfHosted: SelfHosted(endpoint)}
	_, f.m = e.cat.Find(e.cat.CallProvider(provider, endpoint), "", model)
	if f.m != nil && strings.TrimSpace(provider) == "" && localTag(model) {
		f.m = nil // calcPrice would guess by the name alone
	}
	if f.m != nil {
		f.window = f.m.ContextWindow
		if len(f.m.Prices) == 1 {
			f.only = f.m.Prices[0].Prices
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.nFound >= maxFound {
		return &f
	}
	old := *e.found.Load()
	for i := range old[model] { // resolved meanwhile by another goroutine
		if old[model][i].provider == provider && old[model][i].endpoint == endpoint {
			return &old[model][i]
		}
	}
	next := make(map[string][]found, len(old)+1)
	maps.Copy(next, old)
	next[f.model] = append(slices.Clip(old[model]), f)
	e.found.Store(&next)
	e.nFound++
	return &f
}

// otelProviders maps OpenTelemetry gen_ai.provider.name values to catalogue
// provider ids where the catalogue's own provider_match would miss or
// mislead ("azure.ai.openai" contains "openai"). Other names are passed on.
var otelProviders = map[string]string{
	"x_ai": "x-ai", "gcp.gemini": "google", "gcp.vertex_ai": "google", "gcp.gen_ai": "google",
	"aws.bedrock": "aws", "azure.ai.openai": "azure", "azure.ai.inference": "azure",
	"mistral_ai": "mistral", "moonshot_ai": "moonshotai", "together_ai": "together",
}

// CatalogueProvider maps an OpenTelemetry provider name to the catalogue's.
func CatalogueProvider(otel string) string {
	p := strings.ToLower(strings.TrimSpace(otel))
	if id, ok := otelProviders[p]; ok {
		return id
	}
	return p
}

// localTag reports whether a model name ends in an Ollama-style tag
// ("deepseek-r1:8b", "qwen2.5:7b-instruct-q4_K_M"): a model pulled and run
// locally. With no provider, calcPrice's match by name alone would price
// it at the API price of its namesake (deepseek-r1:8b as deepseek-reasoner).
// A Bedrock version (":0"), an ARN or an OpenRouter variant
// ("deepseek-chat:free", "gpt-4o:extended"; openRouterVariants) is no such
// tag: calcPrice's match by name is the catalogue's own answer for those.
func localTag(model string) bool {
	m := strings.TrimSpace(model)
	if strings.HasPrefix(strings.ToLower(m), "arn:") {
		return false
	}
	i := strings.LastIndexByte(m, ':')
	if i < 0 || i == len(m)-1 {
		return false
	}
	if _, ok := openRouterVariants[strings.ToLower(m[i+1:])]; ok {
		return false
	}
	for _, c := range m[i+1:] {
		if c < '0' || c > '9' {
			return true
		}
	}
	return false
}

// openRouterVariants are the suffixes OpenRouter puts after a model id
// and a colon (openrouter.ai/docs/guides/routing/model-variants): catalog
// variants, priced as entries of their own (free, extended, thinking,
// batch), and routing variants (nitro, floor, exacto, online). No Ollama
// tag is one of these words; its tags are sizes, quantisations, latest.
var openRouterVariants = map[string]struct{}{
	"free": {}, "extended": {}, "thinking": {}, "batch": {},
	"nitro": {}, "floor": {}, "exacto": {}, "online": {},
}

// SelfHosted reports whether an endpoint (URL or host[:port]) is a model
// served on the user's own machines: a loopback, private or link-local
// address, a .local/.internal/.localhost/.lan/.svc name, a name of one
// label, or Ollama's port 11434.
func SelfHosted(endpoint string) bool {
	host, port, _ := splitEndpoint(endpoint)
	if host == "" {
		return false
	}
	host = strings.ToLower(host)
	if port == "11434" || host == "localhost" || host == "host.docker.internal" {
		return true
	}
	for _, s := range []string{".localhost", ".local", ".internal", ".lan", ".svc"} {
		if strings.HasSuffix(host, s) {
			return true
		}
	}
	// A name of one label ("vllm", "tgi") resolves only inside the user's
	// network, a Compose or Kubernetes service: never a public API.
	if !strings.ContainsAny(host, ".:") {
		return true
	}
	// Only what may be an address is parsed: ParseAddr's error allocates.
	if c := host[0]; (c < '0' || c > '9') && !strings.Contains(host, ":") {
		return false
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified()
	}
	return false
}

// splitEndpoint takes the host, the port and the path (from the first
// '/', '?' or '#' on) out of a URL or host[:port][/path], without
// allocating (the processor asks for every step).
func splitEndpoint(endpoint string) (host, port, path string) {
	h := endpoint
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+3:]
	}
	if i := strings.IndexAny(h, "/?#"); i >= 0 {
		h, path = h[:i], h[i:]
	}
	if i := strings.LastIndexByte(h, '@'); i >= 0 {
		h = h[i+1:]
	}
	if strings.HasPrefix(h, "[") { // [v6]:port
		j := strings.IndexByte(h, ']')
		if j < 0 {
			return "", "", ""
		}
		host, rest := h[1:j], h[j+1:]
		if strings.HasPrefix(rest, ":") {
			port = rest[1:]
		}
		return host, port, path
	}
	if i := strings.IndexByte(h, ':'); i >= 0 && strings.Count(h, ":") == 1 {
		return h[:i], h[i+1:], path
	}
	return h, "", path
}

// Rule is a user's price for models the catalogue lacks or prices
// otherwise. Exactly one of Model (exact), Prefix or Regex is set; Provider
// and StartDate narrow it. Rates are USD per million tokens; cache reads
// and writes without a rate of their own are billed at the input rate.
type Rule struct {
	Model, Prefix string
	Regex         *regexp.Regexp
	Provider      string
	StartDate     time.Time
	Input, Output float64
	CacheRead     *float64
	CacheWrite    *float64

	prices *PriceSet
}

// Compile prepares the rule's prices; call it once before use.
func (r *Rule) Compile() {
	rates := map[string]Price{"input_mtok": {Base: r.Input}, "output_mtok": {Base: r.Output}}
	if r.CacheRead != nil {
		rates["cache_read_mtok"] = Price{Base: *r.CacheRead}
	}
	if r.CacheWrite != nil {
		rates["cache_write_mtok"] = Price{Base: *r.CacheWrite}
	}
	r.prices = newPriceSet(rates)
}

// rank is how specific the rule is for the call, 0 for no match: exact
// over prefix over regex, a provider over none.
func (r *Rule) rank(c Call) int {
	if r.Provider != "" && !strings.EqualFold(r.Provider, c.Provider) &&
		CatalogueProvider(r.Provider) != CatalogueProvider(c.Provider) {
		return 0
	}
	if !r.StartDate.IsZero() && c.Start.Before(r.StartDate) {
		return 0
	}
	n := 0
	switch {
	case r.Model != "":
		if strings.EqualFold(r.Model, strings.TrimSpace(c.Model)) {
			n = 6
		}
	case r.Prefix != "":
		if len(c.Model) >= len(r.Prefix) && strings.EqualFold(c.Model[:len(r.Prefix)], r.Prefix) {
			n = 4
		}
	case r.Regex != nil:
		if r.Regex.MatchString(c.Model) {
			n = 2
		}
	}
	if n > 0 && r.Provider != "" {
		n++
	}
	return n
}

// rule is the best rule for the call: the most specific, then the newest
// start date, then the first written.
func (e *Engine) rule(c Call) *Rule {
	var best *Rule
	bestRank := 0
	for _, r := range e.rules {
		n := r.rank(c)
		if n == 0 {
			continue
		}
		if n > bestRank || (n == bestRank && r.StartDate.After(best.StartDate)) {
			best, bestRank = r, n
		}
	}
	return best
}
