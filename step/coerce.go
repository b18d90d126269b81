package step

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// maxCount bounds a token or window count. Anything larger is not a count
// that a model reported but a broken attribute.
const maxCount = 1 << 53

// CountFromValue reads a non-negative whole number given as an int, a double
// or a decimal string, which is how token counts arrive in the wild.
func CountFromValue(v pcommon.Value) (int64, error) {
	var n int64
	switch v.Type() {
	case pcommon.ValueTypeInt:
		n = v.Int()
	case pcommon.ValueTypeDouble:
		return countFromFloat(v.Double())
	case pcommon.ValueTypeStr:
		return CountFromString(v.Str())
	default:
		return 0, fmt.Errorf("want a whole number, got a %s", typeName(v.Type()))
	}
	if n < 0 || n > maxCount {
		return 0, fmt.Errorf("count %d is out of range", n)
	}
	return n, nil
}

// CountFromString parses a decimal count ("12", " 12 ", "12.0").
func CountFromString(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		if n < 0 || n > maxCount {
			return 0, fmt.Errorf("count %d is out of range", n)
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, fmt.Errorf("want a whole number, got %q", clip(s))
	}
	return countFromFloat(f)
}

func countFromFloat(f float64) (int64, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > maxCount || f != math.Trunc(f) {
		return 0, fmt.Errorf("want a whole number, got %v", f)
	}
	return int64(f), nil
}

// StringFromValue reads a scalar as text. Empty text means unset.
func StringFromValue(v pcommon.Value) (string, error) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return v.Str(), nil
	case pcommon.ValueTypeInt, pcommon.ValueTypeDouble, pcommon.ValueTypeBool:
		return v.AsString(), nil
	}
	return "", fmt.Errorf("want a string, got a %s", typeName(v.Type()))
}

// TagsFromValue reads tags given as a string array, a JSON array in a
// string, a comma-separated string or a single string.
func TagsFromValue(v pcommon.Value) ([]string, error) {
	switch v.Type() {
	case pcommon.ValueTypeSlice:
		sl := v.Slice()
		out := make([]string, 0, sl.Len())
		for i := 0; i < sl.Len(); i++ {
			e := sl.At(i)
			if e.Type() != pcommon.ValueTypeStr {
				return nil, fmt.Errorf("want tags as strings, got a %s at index %d", typeName(e.Type()), i)
			}
			if t := strings.TrimSpace(e.Str()); t != "" {
				out = append(out, t)
			}
		}
		return out, nil
	case pcommon.ValueTypeStr:
		return TagsFromString(v.Str())
	}
	return nil, fmt.Errorf("want tags as a string array or a string, got a %s", typeName(v.Type()))
}

// TagsFromString reads a JSON array of strings, a comma-separated list or a
// single tag.
func TagsFromString(s string) ([]string, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "[") {
		var arr []string
		if err := json.Unmarshal([]byte(t), &arr); err != nil {
			return nil, fmt.Errorf("tags look like a JSON array but are not one: %q", clip(s))
		}
		return compactTags(arr), nil
	}
	return compactTags(strings.Split(t, ",")), nil
}

func compactTags(in []string) []string {
	out := in[:0]
	for _, t := range in {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func typeName(t pcommon.ValueType) string { return strings.ToLower(t.String()) }

// clip keeps error messages short when an attribute is huge.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// usdLimit bounds a cost: no single model call costs a million dollars.
const usdLimit = 1e6

// ValidUSD reports whether f is an amount a step may carry, in USD:
// finite, non-negative and below a million. Anything else (counts no call
// could have, times a rate) would be written and then refused on reading.
func ValidUSD(f float64) bool {
	return !math.IsNaN(f) && f >= 0 && f < usdLimit
}

// USDFromValue reads an amount of US dollars given as a double, an int or a
// decimal string: finite, non-negative and below a million.
func USDFromValue(v pcommon.Value) (float64, error) {
	var f float64
	switch v.Type() {
	case pcommon.ValueTypeDouble:
		f = v.Double()
	case pcommon.ValueTypeInt:
		f = float64(v.Int())
	case pcommon.ValueTypeStr:
		var err error
		if f, err = strconv.ParseFloat(strings.TrimSpace(v.Str()), 64); err != nil {
			return 0, fmt.Errorf("want an amount in USD, got %q", clip(v.Str()))
		}
	default:
		return 0, fmt.Errorf("want an amount in USD, got a %s", typeName(v.Type()))
	}
	if !ValidUSD(f) {
		return 0, fmt.Errorf("amount %v USD is out of range", f)
	}
	return f, nil
}
