package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func addConvertSeeds(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("..", "..", "testdata", "*", "*.otlp.json"))
	require.NoError(f, err)
	require.NotEmpty(f, paths)
	for _, path := range paths {
		data, err := os.ReadFile(path)
		require.NoError(f, err)
		f.Add(data)
		f.Add(data[:len(data)/2]) // cut mid-write
	}
	for _, s := range []string{
		"", "\n\n", "not json", "{}", `{"resourceSpans":[]}`, "{\"resourceSpans\":[]}\nnot json\n",
		"{\n  \"resourceSpans\": [\n    {\"x\": }\n  ]\n}\n", "\xff\xfe{}", "[1,2,3]", "null",
		`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0af7","spanId":"zz","name":"chat"}]}]}]}`,
		`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331",` +
			`"name":"chat","attributes":[{"key":"step.prompt_tokens","value":{"stringValue":"lots"}}]}]}]}]}`,
	} {
		f.Add([]byte(s))
	}
}

// errorLinePattern is how every error of steps convert starts: the file and
// the line it is about (or the file alone, when it is empty or unreadable).
var errorLinePattern = regexp.MustCompile(`^steps convert: (.+?):(\d+:| empty file;)`)

// FuzzConvert runs `steps convert` on arbitrary bytes as a file. It never
// panics, prints only JSON records on stdout, and every error names the
// file and, where there is one, the line.
func FuzzConvert(f *testing.F) {
	addConvertSeeds(f)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "input.otlp.json")
		require.NoError(t, os.WriteFile(path, data, 0o600))
		var out, errOut bytes.Buffer
		code := runConvert([]string{path}, &out, &errOut)
		require.Contains(t, []int{0, 1}, code, errOut.String())

		sc := bufio.NewScanner(&out)
		sc.Buffer(nil, 1<<26)
		for sc.Scan() {
			require.True(t, json.Valid(sc.Bytes()), "stdout line is not JSON: %q", sc.Text())
		}
		for _, line := range strings.Split(strings.TrimSuffix(errOut.String(), "\n"), "\n") {
			if line == "" || strings.HasPrefix(line, "steps convert: warning: ") {
				continue
			}
			m := errorLinePattern.FindStringSubmatch(line)
			require.NotNil(t, m, "error does not name the file and line: %q", line)
			require.Equal(t, path, m[1], "error names another file: %q", line)
		}
		if code == 1 {
			require.NotEmpty(t, errOut.String(), "failed without saying why")
		}
	})
}

// TestConvertNamesTheFileAndLineOfABadStepAttribute is the case FuzzConvert
// found first: a span that already carries a malformed step.* attribute
// was reported by trace and span only, not by file and line.
func TestConvertNamesTheFileAndLineOfABadStepAttribute(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad-step.otlp.json")
	line := `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331",` +
		`"name":"chat","attributes":[{"key":"step.id","value":{"stringValue":"step-1"}},{"key":"step.prompt_tokens","value":{"stringValue":"lots"}}]}]}]}]}`
	require.NoError(t, os.WriteFile(path, []byte("\n"+line+"\n"), 0o600))
	var out, errOut bytes.Buffer
	require.Equal(t, 1, runConvert([]string{path}, &out, &errOut))
	require.Contains(t, errOut.String(), path+":2: trace 0af7651916cd43dd8448eb211c80319c span b7ad6b7169203331: step step-1: step.prompt_tokens")
}

// TestConvertKeepsADecoderErrorOnOneLine is FuzzConvert's crasher
// e9d57813dd736545: a trace id of the wrong length in a pretty-printed file
// gave the decoder's multi-line message, whose later lines named no file.
func TestConvertKeepsADecoderErrorOnOneLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad-id.otlp.json")
	doc := "{\n  \"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [\n    {\"traceId\": \"7d3f0c1e2b4put_ta59687a6b5c4d3e2f1a0b\",\n" +
		"     \"spanId\": \"2000000000000002\", \"name\": \"chat\"}\n  ]}]}]\n}\n"
	require.NoError(t, os.WriteFile(path, []byte(doc), 0o600))
	var out, errOut bytes.Buffer
	require.Equal(t, 1, runConvert([]string{path}, &out, &errOut))
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	require.Len(t, lines, 1, errOut.String())
	require.Regexp(t, `^steps convert: `+regexp.QuoteMeta(path)+`:\d+: not an OTLP/JSON ExportTraceServiceRequest: .*length mismatch`, lines[0])
}
