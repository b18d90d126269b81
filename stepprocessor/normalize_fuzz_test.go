package stepprocessor

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// normalisedFinishReasons is the design's vocabulary; "" is a reason with
// no normalised meaning, or none recorded.
var normalisedFinishReasons = map[string]bool{
	"": true, "stop": true, "length": true, "tool_call": true, "content_filter": true, "error": true,
}

// finishValue builds a finish reason in each shape the conventions record
// one: a string, a string array, a stringified JSON array, or another type.
func finishValue(kind uint8, s string, n int64) pcommon.Value {
	v := pcommon.NewValueEmpty()
	switch kind % 6 {
	case 0:
		v.SetStr(s)
	case 1:
		sl := v.SetEmptySlice()
		for _, part := range strings.Split(s, ",") {
			sl.AppendEmpty().SetStr(part)
		}
	case 2:
		sl := v.SetEmptySlice()
		sl.AppendEmpty().SetInt(n)
		sl.AppendEmpty().SetStr(s)
	case 3:
		v.SetInt(n)
	case 4:
		v.SetEmptyMap().PutStr("reason", s)
	case 5:
		v.SetEmptyBytes().FromRaw([]byte(s))
	}
	return v
}

// FuzzFinishReasonAndProvider feeds recorded finish reasons and provider
// names of every shape to the normalisers: the normalised reason is in the
// design's vocabulary and never made up when nothing was recorded, and a
// normalised provider normalises to itself.
func FuzzFinishReasonAndProvider(f *testing.F) {
	for reason := range finishReasons {
		f.Add(uint8(0), reason, int64(0))
	}
	for provider := range providers {
		f.Add(uint8(0), provider, int64(0))
	}
	for _, s := range []string{
		`["stop"]`, `["", "length"]`, `[`, `[1, 2]`, "tool-calls", " END_TURN ", "stop,length", "",
		"openai.chat", "google.vertex.chat", "Anthropic", "\xff\xfe", "İ", strings.Repeat("[", 1000),
	} {
		for k := range uint8(6) {
			f.Add(k, s, int64(7))
		}
	}
	f.Fuzz(func(t *testing.T, kind uint8, s string, n int64) {
		v := finishValue(kind, s, n)
		raw, norm := finishFromValue(v)
		require.True(t, normalisedFinishReasons[norm], "finish_reason %q from %q", norm, s)
		if raw == "" || strings.TrimSpace(raw) == "" {
			require.Empty(t, norm, "a finish reason made up from %q", s)
		}
		if v.Type() == pcommon.ValueTypeStr && !strings.HasPrefix(strings.TrimSpace(s), "[") && strings.TrimSpace(s) != "" {
			require.Equal(t, s, raw, "the recorded reason is kept as recorded")
		}

		p := normProvider(s)
		require.Equal(t, p, normProvider(p), "provider %q from %q", p, s)
		require.Equal(t, strings.TrimSpace(p), p)
	})
}
