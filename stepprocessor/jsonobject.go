package stepprocessor

import (
	"strconv"
	"unicode/utf8"

	"github.com/segmentio/encoding/json"
)

// jsonObject is the text of a JSON object that a span carries in a string
// attribute, read member by member where it lies. It answers exactly what
// json.Unmarshal into a map[string]any would, for the few keys a recogniser
// asks about, without building the map: one validating pass (newJSONObject)
// and one pass over the top-level members per lookup.
type jsonObject struct {
	s string // a valid JSON object, or "" for none (JSON null)
}

// newJSONObject checks s as json.Unmarshal into a map[string]any does:
// valid JSON, an object or null, and every number a float64 can hold. ok
// is false when that Unmarshal would fail.
func newJSONObject(s string) (o jsonObject, ok bool) {
	if !json.Valid([]byte(s)) {
		return jsonObject{}, false
	}
	i := skipJSONSpace(s, 0)
	switch s[i] {
	case 'n':
		return jsonObject{}, true
	case '{':
	default:
		return jsonObject{}, false
	}
	if !jsonNumbersFit(s) {
		return jsonObject{}, false
	}
	return jsonObject{s: s}, true
}

// jsonNumbersFit reports whether every number in the valid JSON text s
// parses as a float64, as decoding into an any requires: only one with an
// exponent or of more than 300 characters can overflow.
func jsonNumbersFit(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			i = jsonStringEnd(s, i)
		case c == '-' || c >= '0' && c <= '9':
			j, exp := i, false
			for j < len(s) && isJSONNumberByte(s[j]) {
				exp = exp || s[j] == 'e' || s[j] == 'E'
				j++
			}
			if exp || j-i > 300 {
				if _, err := strconv.ParseFloat(s[i:j], 64); err != nil {
					return false
				}
			}
			i = j
		default:
			i++
		}
	}
	return true
}

func isJSONNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// lookup returns the value of the last member named key (a repeated key's
// last value is the one a map keeps) as decoding into an any gives it:
// string, float64, bool or nil; an object or array is returned as its
// jsonObject or raw text and is neither string nor number.
func (o jsonObject) lookup(key string) (any, bool) {
	s := o.s
	if s == "" {
		return nil, false
	}
	var found string
	ok := false
	i := skipJSONSpace(s, 0) + 1 // past '{'
	for {
		i = skipJSONSpace(s, i)
		if s[i] == '}' {
			break
		}
		kEnd := jsonStringEnd(s, i)
		k := jsonText(s[i:kEnd])
		i = skipJSONSpace(s, kEnd) + 1 // past ':'
		i = skipJSONSpace(s, i)
		vEnd := jsonValueEnd(s, i)
		if k == key {
			found, ok = s[i:vEnd], true
		}
		i = skipJSONSpace(s, vEnd)
		if s[i] == ',' {
			i++
		}
	}
	if !ok {
		return nil, false
	}
	return jsonScalar(found), true
}

// jsonScalar converts one valid JSON value as decoding into an any does,
// for the scalars; an object or array comes back as its raw text in a
// jsonRaw, which no reader takes for a string.
func jsonScalar(raw string) any {
	switch raw[0] {
	case '"':
		return jsonText(raw)
	case 't':
		return true
	case 'f':
		return false
	case 'n':
		return nil
	case '{', '[':
		return jsonRaw(raw)
	}
	f, _ := strconv.ParseFloat(raw, 64) // checked by newJSONObject
	return f
}

// jsonRaw is an object or array value, left as its text.
type jsonRaw string

// jsonText decodes a valid JSON string token, quotes included. A token
// without escapes and in valid UTF-8 is its own text; any other is decoded
// by encoding/json, which replaces invalid bytes as a map's decode does.
func jsonText(tok string) string {
	body := tok[1 : len(tok)-1]
	plain := utf8.ValidString(body)
	for i := 0; plain && i < len(body); i++ {
		plain = body[i] != '\\'
	}
	if plain {
		return body
	}
	var out string
	_ = json.Unmarshal([]byte(tok), &out) // valid by newJSONObject
	return out
}

func skipJSONSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// jsonStringEnd returns the index just past the string token at s[i].
func jsonStringEnd(s string, i int) int {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(s)
}

// jsonValueEnd returns the index just past the valid JSON value at s[i].
func jsonValueEnd(s string, i int) int {
	switch s[i] {
	case '"':
		return jsonStringEnd(s, i)
	case '{', '[':
		depth := 0
		for i < len(s) {
			switch s[i] {
			case '"':
				i = jsonStringEnd(s, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(s)
	}
	for i < len(s) {
		switch s[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}
