package stepexporter

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/agentsteps/collector/step"
)

// traceURLFields are the placeholders a trace_url template may use.
var traceURLFields = map[string]func(*step.Step) string{
	"trace_id": func(s *step.Step) string { return s.TraceID },
	"span_id":  func(s *step.Step) string { return s.SpanID },
	"id":       func(s *step.Step) string { return s.ID },
}

// traceURL is a parsed trace_url template: literal text and placeholders in
// turn, parsed once so that filling it per record is a few appends.
type traceURL struct {
	parts []urlPart
}

type urlPart struct {
	text  string
	field func(*step.Step) string // nil for literal text
}

func parseTraceURL(tmpl string) (*traceURL, error) {
	if tmpl == "" {
		return nil, nil
	}
	t := &traceURL{}
	rest := tmpl
	for rest != "" {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			t.parts = append(t.parts, urlPart{text: rest})
			break
		}
		if rest[open] == '}' {
			return nil, fmt.Errorf("trace_url: unmatched } in %q", tmpl)
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("trace_url: unclosed { in %q", tmpl)
		}
		name := rest[open+1 : open+end]
		f, ok := traceURLFields[name]
		if !ok {
			return nil, fmt.Errorf("trace_url: unknown placeholder {%s} (use {trace_id}, {span_id} or {id})", name)
		}
		if open > 0 {
			t.parts = append(t.parts, urlPart{text: rest[:open]})
		}
		t.parts = append(t.parts, urlPart{field: f})
		rest = rest[open+end+1:]
	}
	sample := t.fill(&step.Step{ID: "step-x", TraceID: "0", SpanID: "0"})
	if u, err := url.Parse(sample); err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("trace_url: %q is not an absolute URL (for example http://127.0.0.1:16686/trace/{trace_id})", tmpl)
	}
	return t, nil
}

// fill expands the template for s, or returns "" when s lacks a value the
// template needs (a later patch of the step will bring it).
func (t *traceURL) fill(s *step.Step) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.field == nil {
			b.WriteString(p.text)
			continue
		}
		v := p.field(s)
		if v == "" {
			return ""
		}
		b.WriteString(url.PathEscape(v))
	}
	return b.String()
}
