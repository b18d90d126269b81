package stepprocessor

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/agentsteps/collector/step"
)

// TestServedByTheEndpointsProvider: a model call through the OpenAI or
// Anthropic client pointed at another provider's API (DeepSeek, Groq,
// OpenRouter, Azure, Bedrock, Vertex ...) is a GenAI span whose
// gen_ai.provider.name is the client's and whose server.address is the
// API's. Every "served" case of the oracle (pricing/oracle/cases.mjs,
// calcPrice given the API's base URL) is written as such a span, run
// through the processor, and must carry calcPrice's cost; its
// provider_name stays what the span says. The "served-unknown-host" cases
// (a gateway the catalogue does not know) are priced by the provider name.
func TestServedByTheEndpointsProvider(t *testing.T) {
	keys := map[string]string{
		"input_tokens": "gen_ai.usage.input_tokens", "output_tokens": "gen_ai.usage.output_tokens",
		"cache_read_tokens": "gen_ai.usage.cache_read.input_tokens", "cache_write_tokens": "gen_ai.usage.cache_creation.input_tokens",
		"output_reasoning_tokens": "gen_ai.usage.reasoning.output_tokens",
	}
	n := 0
	for _, c := range oracleCases(t) {
		if !strings.HasPrefix(c.Name, "served") {
			continue
		}
		n++
		t.Run(c.Name, func(t *testing.T) {
			require.NotNil(t, c.Result, "calcPrice priced every served case")
			host, port := splitEndpoint(c.Endpoint)
			attrs := map[string]any{
				"gen_ai.operation.name": "chat", "gen_ai.provider.name": c.OTelProvider,
				"gen_ai.request.model": c.Model, "server.address": host,
			}
			if port != 0 {
				attrs["server.port"] = port
			}
			for k, v := range c.Usage {
				require.Contains(t, keys, k)
				attrs[keys[k]] = v
			}
			at, err := time.Parse(time.RFC3339, c.Timestamp)
			require.NoError(t, err)
			ts := newTestSpan("chat " + c.Model)
			sp := ts.span
			sp.SetStartTimestamp(pcommon.NewTimestampFromTime(at)) // dated prices
			sp.SetEndTimestamp(pcommon.NewTimestampFromTime(at.Add(time.Second)))
			require.NoError(t, sp.Attributes().FromRaw(attrs))
			require.Empty(t, Annotate(nil, ts.td))
			ps, errs := step.Read(sp.Attributes())
			require.Empty(t, errs)
			require.Len(t, ps, 1)
			p := ps[0]
			require.Equal(t, normProvider(c.OTelProvider), p.ProviderName, "the record keeps the span's provider name")
			require.NotNil(t, p.CostUSD, "no cost; calcPrice gave %+v", c.Result)
			require.InDelta(t, c.Result.Total, *p.CostUSD, 1e-6, "cost_usd")
			require.InDelta(t, c.Result.Input, *p.InputCostUSD, 1e-6, "input_cost_usd")
			require.InDelta(t, c.Result.Output, *p.OutputCostUSD, 1e-6, "output_cost_usd")
		})
	}
	require.GreaterOrEqual(t, n, 20, "too few served cases in the oracle; run make prices")
}

// splitEndpoint takes the host and port out of an endpoint as the oracle
// writes it (host, host:port or a URL), as a span's server.address and
// server.port.
func splitEndpoint(e string) (string, int) {
	if i := strings.Index(e, "://"); i >= 0 {
		e = e[i+3:]
	}
	if i := strings.IndexByte(e, '/'); i >= 0 {
		e = e[:i]
	}
	if i := strings.LastIndexByte(e, ':'); i >= 0 {
		port, err := strconv.Atoi(e[i+1:])
		if err == nil {
			return e[:i], port
		}
	}
	return e, 0
}
