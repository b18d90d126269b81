package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// traceBatch is one ExportTraceServiceRequest read from a file, with where
// it came from so that a failure can name the line.
type traceBatch struct {
	file   string
	line   int
	traces ptrace.Traces
}

// readTraceBatches reads an OTLP/JSON trace file: one ExportTraceServiceRequest
// per line, as the collector's file exporter writes it, or a single
// pretty-printed request. A bad line is reported with its number and the
// good lines are still returned.
func readTraceBatches(path string) ([]traceBatch, []error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, []error{err}
	}
	lines := bytes.Split(data, []byte("\n"))
	first := firstNonBlank(lines)
	if first < 0 {
		return nil, []error{fmt.Errorf("%s: empty file; want OTLP/JSON trace requests, one per line", path)}
	}
	if json.Valid(lines[first]) {
		return readJSONLines(path, lines)
	}
	b, err := decodeTraceRequest(data)
	if err != nil {
		return nil, []error{fmt.Errorf("%s:%d: %w", path, errorLine(data, err, first), err)}
	}
	return []traceBatch{{file: path, line: first + 1, traces: b}}, nil
}

func readJSONLines(path string, lines [][]byte) ([]traceBatch, []error) {
	var batches []traceBatch
	var errs []error
	for i, l := range lines {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		td, err := decodeTraceRequest(l)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", path, i+1, err))
			continue
		}
		batches = append(batches, traceBatch{file: path, line: i + 1, traces: td})
	}
	return batches, errs
}

var jsonUnmarshaler ptrace.JSONUnmarshaler

func decodeTraceRequest(b []byte) (ptrace.Traces, error) {
	if !json.Valid(b) {
		var v any
		err := json.Unmarshal(b, &v)
		return ptrace.Traces{}, fmt.Errorf("not JSON: %w", err)
	}
	td, err := jsonUnmarshaler.UnmarshalTraces(b)
	if err != nil {
		// The decoder's message quotes the input around the fault over
		// several lines; keep it on the one line that names file and line.
		return ptrace.Traces{}, fmt.Errorf("not an OTLP/JSON ExportTraceServiceRequest: %s", strings.Join(strings.Fields(err.Error()), " "))
	}
	if td.SpanCount() == 0 {
		return ptrace.Traces{}, errors.New(`no spans; want an OTLP/JSON ExportTraceServiceRequest like {"resourceSpans":[...]}`)
	}
	return td, nil
}

// errorLine gives the 1-based line of a JSON syntax error, or of the first
// non-blank line when the error has no offset.
func errorLine(data []byte, err error, first int) int {
	var syn *json.SyntaxError
	if errors.As(err, &syn) && syn.Offset > 0 && int(syn.Offset) <= len(data) {
		return bytes.Count(data[:syn.Offset], []byte("\n")) + 1
	}
	return first + 1
}

func firstNonBlank(lines [][]byte) int {
	for i, l := range lines {
		if len(bytes.TrimSpace(l)) > 0 {
			return i
		}
	}
	return -1
}
