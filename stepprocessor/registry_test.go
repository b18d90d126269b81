package stepprocessor

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// eachFixtureSpan calls fn with every span of every fixture.
func eachFixtureSpan(t *testing.T, fn func(path string, res pcommon.Resource, scope pcommon.InstrumentationScope, sp ptrace.Span)) {
	for _, path := range fixturePaths(t) {
		for _, td := range readFixture(t, path) {
			rss := td.ResourceSpans()
			for i := 0; i < rss.Len(); i++ {
				sss := rss.At(i).ScopeSpans()
				for j := 0; j < sss.Len(); j++ {
					spans := sss.At(j).Spans()
					for k := 0; k < spans.Len(); k++ {
						fn(path, rss.At(i).Resource(), sss.At(j).Scope(), spans.At(k))
					}
				}
			}
		}
	}
}

// TestConventionOverlaps runs every fixture span through every
// convention's claim. Two conventions may claim one span only when
// conventionOverrides says which wins and why, and the winner has the
// higher priority, so the processor tries it first. Every override row
// must be needed by some fixture span.
func TestConventionOverlaps(t *testing.T) {
	byName := map[string]convention{}
	prios := map[int]string{}
	for _, c := range conventions {
		require.NotContains(t, byName, c.name, "convention %q registered twice", c.name)
		require.NotContains(t, prios, c.priority, "conventions %q and %q share priority %d", c.name, prios[c.priority], c.priority)
		byName[c.name], prios[c.priority] = c, c.name
	}
	overrides := map[[2]string]conventionOverride{}
	for _, o := range conventionOverrides {
		require.Contains(t, byName, o.winner)
		require.Contains(t, byName, o.loser)
		require.NotEmpty(t, o.why, "override %s over %s needs its reason", o.winner, o.loser)
		require.Greater(t, byName[o.winner].priority, byName[o.loser].priority,
			"override says %s wins over %s, but its priority is not higher", o.winner, o.loser)
		overrides[[2]string{o.winner, o.loser}] = o
		overrides[[2]string{o.loser, o.winner}] = o
	}
	used := map[conventionOverride]bool{}
	eachFixtureSpan(t, func(path string, _ pcommon.Resource, scope pcommon.InstrumentationScope, sp ptrace.Span) {
		var claimed []string
		for _, c := range conventions {
			if c.claim.claims(scope.Name(), sp.Attributes()) {
				claimed = append(claimed, c.name)
			}
		}
		for i := range claimed {
			for _, other := range claimed[i+1:] {
				o, ok := overrides[[2]string{claimed[i], other}]
				if !ok {
					t.Errorf("%s: span %q is claimed by both %s and %s, and conventionOverrides does not say which wins",
						path, sp.Name(), claimed[i], other)
					continue
				}
				used[o] = true
			}
		}
	})
	for _, o := range conventionOverrides {
		require.True(t, used[o], "override %s over %s is needed by no fixture span; drop it or add the fixture", o.winner, o.loser)
	}
}

// TestClaimIndexMatchesRules holds the compiled claim index, which the
// processor uses, against the plain reading of every convention's rule.
func TestClaimIndexMatchesRules(t *testing.T) {
	convs := sortedConventions()
	ci := newClaimIndex(convs, nil, false)
	eachFixtureSpan(t, func(path string, _ pcommon.Resource, scope pcommon.InstrumentationScope, sp ptrace.Span) {
		var want claimSet
		for i, c := range convs {
			if c.claim.claims(scope.Name(), sp.Attributes()) {
				want |= 1 << i
			}
		}
		require.Equal(t, want, ci.span(ci.scope(scope), sp.Attributes()), "%s: span %q", path, sp.Name())
	})
}

// TestClaimsChangeNoFinding: on every fixture span, trying only the
// conventions that claim it gives the same finding as trying every
// convention in priority order, so the cheap check loses no step and no
// context span.
func TestClaimsChangeNoFinding(t *testing.T) {
	ix := newKeyIndex()
	convs, ci := newRegistry(ix, nil, false)
	f := newSpanFacts(ix)
	first := func(set claimSet) (finding, string) {
		for i, c := range convs {
			var out finding
			if set&(1<<i) != 0 && c.rec.recognise(f, &out) {
				return out, c.name
			}
		}
		return finding{}, ""
	}
	eachFixtureSpan(t, func(path string, res pcommon.Resource, scope pcommon.InstrumentationScope, sp ptrace.Span) {
		f.load(res, scope, sp)
		claimed, by := first(ci.span(ci.scope(scope), sp.Attributes()))
		all, allBy := first(^claimSet(0))
		require.Equal(t, allBy, by, "%s: span %q", path, sp.Name())
		require.Equal(t, all, claimed, "%s: span %q", path, sp.Name())
	})
}

// TestUnclaimedSpanIsNotRead: an HTTP span with every shared key a
// recogniser reads (server.address, server.port, error.type, user.id) is
// claimed by no convention.
func TestUnclaimedSpanIsNotRead(t *testing.T) {
	ts := newTestSpan("GET /api/orders/{id}")
	ts.scope.SetName("io.opentelemetry.tomcat-10.0")
	attrs := ts.span.Attributes()
	attrs.PutStr("http.request.method", "GET")
	attrs.PutStr("server.address", "api.example.com")
	attrs.PutInt("server.port", 443)
	attrs.PutStr("error.type", "500")
	attrs.PutStr("user.id", "u-1")
	ci := newClaimIndex(sortedConventions(), nil, false)
	require.Zero(t, ci.span(ci.scope(ts.scope), attrs))
	_, ok := recogniseOne(t, ts)
	require.False(t, ok)
}
