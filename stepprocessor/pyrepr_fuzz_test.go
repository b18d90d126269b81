package stepprocessor

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// addReprSeeds adds every parameter.* value of the Letta fixtures: the
// reprs exactly as Letta's @trace_method writes them.
func addReprSeeds(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("..", "testdata", "letta", "*.otlp.json"))
	require.NoError(f, err)
	require.NotEmpty(f, paths)
	for _, path := range paths {
		for _, td := range readFixture(f, path) {
			eachProgramSpan(td, func(_ pcommon.Resource, _ pcommon.InstrumentationScope, sp ptrace.Span) {
				sp.Attributes().Range(func(k string, v pcommon.Value) bool {
					if strings.HasPrefix(k, "parameter.") {
						f.Add(v.AsString())
					}
					return true
				})
			})
		}
	}
}

// FuzzPyRepr parses fuzzed Python reprs. Nothing may panic, and whatever
// parses converts to valid JSON in valid UTF-8 (error_data.details goes to
// PostgreSQL's jsonb as that text).
func FuzzPyRepr(f *testing.F) {
	addReprSeeds(f)
	for _, s := range []string{
		reprUsage, reprStopReason, reprActor, reprDetails, "None", "StepStatus.PENDING",
		"StopReasonType.end_turn", "ProviderCategory.byok", "128000",
		`{'a': [1, (2,), {3}], "b": b'\x00'}` + "... (truncated, original size: 9 chars)",
		"<Type (excluded, ids=['x'])>", "set()", "[...]", "'\\xff'", "1_000", "+1e5", "-inf",
		strings.Repeat("[", 600) + strings.Repeat("]", 600), "'\xff\xfe'",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parsePyRepr(s)
		if err != nil {
			return
		}
		out := v.appendJSON(nil)
		require.True(t, json.Valid(out), "invalid JSON %q from %q", out, s)
		require.True(t, utf8.Valid(out), "invalid UTF-8 %q from %q", out, s)
		v.enumMember()
		v.count()
		v.field("prompt_tokens")
	})
}
