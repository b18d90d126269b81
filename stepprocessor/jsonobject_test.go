package stepprocessor

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// jsonObjectSeeds are texts where a shortcut could part from
// encoding/json: repeated keys, escaped and invalid UTF-8 keys, nested
// values that hold the key, numbers a float64 cannot hold, and documents
// that are no object.
var jsonObjectSeeds = []string{
	`{"thread_id":"t-1","langgraph_node":"agent","langgraph_step":3}`,
	`{"a":1,"a":"two"}`,
	`{"a":"one","a":null}`,
	`{"\u0061":"escaped key"}`,
	`{"a\"b":"quote in key","a":"x"}`,
	"{\"\xff\":\"invalid utf-8 key\",\"\xef\xbf\xbd\":2}",
	`{"nested":{"a":"inner"},"list":["a",{"a":1}],"a":"outer"}`,
	`{"user_id":12345678901234567890,"n":-0.5e-3,"t":true,"f":false}`,
	`{"big":1e400}`,
	`{"deep":[[[{"x":1e999}]]]}`,
	`{"s":"1e400"}`,
	`{"long":` + strings.Repeat("9", 310) + `}`,
	`{"long":` + strings.Repeat("9", 300) + `.5}`,
	`null`,
	`[1,2]`,
	`"a string"`,
	`42`,
	`{"a":1`,
	`{"a":1} {"b":2}`,
	` { "spaced" : "yes" , "a" : [ 1 , 2 ] } `,
	`{}`,
	`{"s":"tab\tin string"}`,
	`{"s":"esc \\ \/ \n \u00e9 \ud83d\ude00"}`,
}

// checkJSONObject holds newJSONObject and lookup to json.Unmarshal into a
// map[string]any: the same failures, and for every key the decoded map
// has (and one it lacks) the same value.
func checkJSONObject(t *testing.T, s string) {
	var want map[string]any
	wantErr := json.Unmarshal([]byte(s), &want)
	o, ok := newJSONObject(s)
	if ok != (wantErr == nil) {
		t.Fatalf("%q: newJSONObject ok=%v, json.Unmarshal error %v", s, ok, wantErr)
	}
	if !ok {
		return
	}
	for k, w := range want {
		got, found := o.lookup(k)
		if !found {
			t.Fatalf("%q: key %q not found", s, k)
		}
		switch w.(type) {
		case map[string]any, []any:
			if _, raw := got.(jsonRaw); !raw {
				t.Fatalf("%q: key %q: got %#v, want an object or array", s, k, got)
			}
		default:
			if !reflect.DeepEqual(got, w) {
				t.Fatalf("%q: key %q: got %#v, want %#v", s, k, got, w)
			}
		}
	}
	if _, found := o.lookup("\x00absent"); found {
		t.Fatalf("%q: an absent key was found", s)
	}
}

func TestJSONObjectMatchesUnmarshal(t *testing.T) {
	for _, s := range jsonObjectSeeds {
		checkJSONObject(t, s)
	}
}

func FuzzJSONObject(f *testing.F) {
	for _, s := range jsonObjectSeeds {
		f.Add(s)
	}
	f.Fuzz(checkJSONObject)
}
