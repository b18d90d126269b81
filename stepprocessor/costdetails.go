package stepprocessor

import (
	"strings"

	"github.com/segmentio/encoding/json"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/agentsteps/collector/step"
)

// detailsCost reads Langfuse's cost_details (langfuse.observation.cost_details):
// USD by usage type, as a JSON object in a string (the Python and JS SDKs
// serialise it) or as a map. Langfuse's rules (docs, Token & Cost
// Tracking): every usage type whose name contains "input" is input, every
// one containing "output" is output, and without a "total" the total is
// the sum of all types. Its OpenAI wrapper writes {"total": c} from the
// cost OpenRouter reports, and zeros for a call that failed.
//
// It returns nil for all three when v is no object of amounts in USD (a
// value that is not a number, a negative one, or no entry at all): the
// catalogue then prices the step. input and output are nil when no type
// names them.
func detailsCost(v pcommon.Value) (total, input, output *float64) {
	var m pcommon.Map
	switch v.Type() {
	case pcommon.ValueTypeMap:
		m = v.Map()
	case pcommon.ValueTypeStr:
		// Few spans carry it (a provider's own cost, or a user's), so a
		// map for the decode is no cost on the hot path.
		raw := make(map[string]any, 4)
		if _, err := json.Parse([]byte(v.Str()), &raw, 0); err != nil {
			return nil, nil, nil
		}
		m = pcommon.NewMap()
		if err := m.FromRaw(raw); err != nil {
			return nil, nil, nil
		}
	default:
		return nil, nil, nil
	}
	var sum, in, out float64
	var ok, hasIn, hasOut bool
	m.Range(func(k string, v pcommon.Value) bool {
		d, err := step.USDFromValue(v)
		if ok = err == nil; !ok {
			return false
		}
		switch {
		case k == "total":
			total = step.USD(d)
		case strings.Contains(k, "input"):
			in, hasIn = in+d, true
		case strings.Contains(k, "output"):
			out, hasOut = out+d, true
		}
		if k != "total" {
			sum += d
		}
		return true
	})
	if !ok {
		return nil, nil, nil
	}
	if total == nil {
		total = step.USD(sum)
	}
	if hasIn {
		input = step.USD(in)
	}
	if hasOut {
		output = step.USD(out)
	}
	return total, input, output
}
