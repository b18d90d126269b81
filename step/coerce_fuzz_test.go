package step

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// valueKinds are the shapes an attribute takes in the wild, one per pcommon
// type plus the mixed and nested forms that instrumentations write.
const (
	kindStr uint8 = iota
	kindInt
	kindDouble
	kindBool
	kindBytes
	kindStrSlice   // s split on commas, as a string array
	kindMixedSlice // a string, an int and a double in one array
	kindMap
	kindNested // s inside an array inside a map inside an array
	kindEmpty
	kindCount
)

// fuzzValue builds one attribute value of the given kind from fuzzed inputs.
func fuzzValue(kind uint8, s string, n int64, d float64, b bool) pcommon.Value {
	v := pcommon.NewValueEmpty()
	switch kind % kindCount {
	case kindStr:
		v.SetStr(s)
	case kindInt:
		v.SetInt(n)
	case kindDouble:
		v.SetDouble(d)
	case kindBool:
		v.SetBool(b)
	case kindBytes:
		v.SetEmptyBytes().FromRaw([]byte(s))
	case kindStrSlice:
		sl := v.SetEmptySlice()
		for _, part := range strings.Split(s, ",") {
			sl.AppendEmpty().SetStr(part)
		}
	case kindMixedSlice:
		sl := v.SetEmptySlice()
		sl.AppendEmpty().SetStr(s)
		sl.AppendEmpty().SetInt(n)
		sl.AppendEmpty().SetDouble(d)
	case kindMap:
		m := v.SetEmptyMap()
		m.PutStr(s, s)
		m.PutInt("n", n)
	case kindNested:
		v.SetEmptySlice().AppendEmpty().SetEmptyMap().PutEmptySlice(s).AppendEmpty().SetStr(s)
	}
	return v
}

func addCoercionSeeds(f *testing.F) {
	for _, s := range []string{
		"12", " 12 ", "12.0", "1e3", "-1", "NaN", "Inf", "9007199254740993", "0x10", "lots", "",
		`["prod","beta"]`, "prod, beta", `["unterminated`, "stop", "end_turn", "tool-calls",
		"StepStatus.PENDING", "SUCCESS", "finished", "\xff\xfe", strings.Repeat("x", 1<<12),
	} {
		for k := range kindCount {
			f.Add(k, s, int64(12), 12.0, true)
		}
	}
	f.Add(kindInt, "", int64(-1), 0.0, false)
	f.Add(kindInt, "", int64(math.MaxInt64), 0.0, false)
	f.Add(kindDouble, "", int64(0), math.NaN(), false)
	f.Add(kindDouble, "", int64(0), math.Inf(-1), false)
	f.Add(kindDouble, "", int64(0), 12.5, false)
	f.Add(kindDouble, "", int64(0), float64(maxCount)+2, false)
}

// FuzzValueCoercion reads fuzzed attribute values of every pcommon type as
// counts, strings and tags, and sets every record field from them. Whatever
// is accepted is within the field's domain and survives a trip through the
// step.* attributes unchanged.
func FuzzValueCoercion(f *testing.F) {
	addCoercionSeeds(f)
	f.Fuzz(func(t *testing.T, kind uint8, s string, n int64, d float64, b bool) {
		v := fuzzValue(kind, s, n, d, b)

		if c, err := CountFromValue(v); err == nil {
			require.True(t, c >= 0 && c <= maxCount, "count %d out of range from %s", c, v.AsString())
		}
		if v.Type() == pcommon.ValueTypeInt && n >= 0 && n <= maxCount {
			c, err := CountFromValue(v)
			require.NoError(t, err)
			require.Equal(t, n, c)
		}
		if c, err := CountFromString(s); err == nil {
			require.True(t, c >= 0 && c <= maxCount, "count %d out of range from %q", c, s)
		}
		if txt, err := StringFromValue(v); err == nil && v.Type() == pcommon.ValueTypeStr {
			require.Equal(t, s, txt)
		}
		if tags, err := TagsFromValue(v); err == nil {
			for _, tag := range tags {
				require.NotEmpty(t, tag)
				require.Equal(t, strings.TrimSpace(tag), tag)
			}
		}

		for _, fld := range Fields {
			var st Step
			if err := fld.Set(&st, v); err != nil {
				require.NotPanics(t, func() { _ = err.Error() })
				continue
			}
			if !fld.isSet(&st) {
				continue
			}
			if st.ID == "" {
				st.ID = "step-00000000-0000-4000-8000-000000000000"
			}
			attrs := pcommon.NewMap()
			Write(attrs, &st)
			got, errs := Read(attrs)
			require.Empty(t, errs, "field %s from %s", fld.Name, v.AsString())
			require.Equal(t, []Step{st}, got, "field %s from %s", fld.Name, v.AsString())
		}
	})
}
