package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConvertGivesEveryFixtureItsRecords runs `steps convert` on each
// hand-written fixture and holds its output against the expected records.
func TestConvertGivesEveryFixtureItsRecords(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("..", "..", "testdata", "*", "*.otlp.json"))
	require.NoError(t, err)
	require.NotEmpty(t, cases)
	for _, path := range cases {
		t.Run(filepath.Base(filepath.Dir(path))+"/"+filepath.Base(path), func(t *testing.T) {
			var out, errOut bytes.Buffer
			require.Equal(t, 0, runConvert([]string{"--no-cost", path}, &out, &errOut), errOut.String())
			want, err := os.ReadFile(strings.TrimSuffix(path, ".otlp.json") + ".steps.jsonl")
			require.NoError(t, err)
			require.Equal(t, jsonLines(t, want), jsonLines(t, out.Bytes()))
			// Priced, each record costs what calcPrice (or its span) said.
			out.Reset()
			require.Equal(t, 0, runConvert([]string{path}, &out, &errOut), errOut.String())
			for _, r := range jsonLines(t, out.Bytes()) {
				o := goldenCosts(t)[r["id"].(string)]
				if o == nil || o["cost_usd"] == nil {
					require.NotContains(t, r, "cost_usd")
					continue
				}
				g, _ := r["cost_usd"].(json.Number).Float64()
				require.InDelta(t, o["cost_usd"].(float64), g, 1e-6, r["id"])
				require.Equal(t, o["cost_source"], r["cost_source"])
			}
		})
	}
}

func TestConvertNamesTheBadFileAndLineAndConvertsTheRest(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte("{\"resourceSpans\":[]}\nnot json\n"), 0o600))
	good := filepath.Join("..", "..", "testdata", "vercel", "v5_generate_text_tool_call.otlp.json")
	var out, errOut bytes.Buffer
	require.Equal(t, 1, runConvert([]string{"--no-cost", bad, good}, &out, &errOut))
	require.Contains(t, errOut.String(), bad+":2")
	want, err := os.ReadFile(strings.TrimSuffix(good, ".otlp.json") + ".steps.jsonl")
	require.NoError(t, err)
	require.Equal(t, jsonLines(t, want), jsonLines(t, out.Bytes()))
}

func TestConvertHelpDocumentsIt(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, runConvert([]string{"--help"}, &out, &errOut))
	require.Contains(t, out.String(), "Usage: steps convert FILE...")
	require.Equal(t, 2, runConvert(nil, &out, &errOut))
}

// goldenCosts is what calcPrice answered for each fixture record
// (pricing/oracle/golden.mjs).
func goldenCosts(t *testing.T) map[string]map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "stepprocessor", "testdata", "golden_costs.json"))
	require.NoError(t, err)
	var f struct{ Records map[string]map[string]any }
	require.NoError(t, json.Unmarshal(b, &f))
	return f.Records
}

func jsonLines(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	out := []map[string]any{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		d.UseNumber()
		require.NoError(t, d.Decode(&m))
		// Unset fields are null (tags []) in the record and left out in
		// the fixtures (testdata/README.md): the same thing.
		for k, v := range m {
			if l, ok := v.([]any); v == nil || ok && len(l) == 0 && k == "tags" {
				delete(m, k)
			}
			if ed, ok := v.(map[string]any); ok && k == "error_data" {
				for ek, ev := range ed {
					if ev == nil {
						delete(ed, ek)
					}
				}
			}
		}
		out = append(out, m)
	}
	return out
}
