package pricing

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/dlclark/regexp2/v2"
)

// Match is a catalogue match tree over a (lowercased) model or provider
// name: one of equals, starts_with, ends_with, contains (case-insensitive),
// regex (ECMAScript syntax, case as written), or and/or of subtrees.
type Match struct {
	op    string // "equals", "starts_with", "ends_with", "contains", "regex", "and", "or"
	value string // lowercased, except for regex
	re    matcher
	sub   []*Match
}

// matcher is a compiled regular expression.
type matcher interface{ MatchString(string) bool }

// UnmarshalJSON reads one match node; an unknown operator is an error.
func (m *Match) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if len(raw) != 1 {
		return fmt.Errorf("match %s: want exactly one of equals, starts_with, ends_with, contains, regex, and, or", b)
	}
	for op, v := range raw {
		m.op = op
		switch op {
		case "and", "or":
			if err := json.Unmarshal(v, &m.sub); err != nil {
				return fmt.Errorf("match %s: %w", op, err)
			}
		case "equals", "starts_with", "ends_with", "contains", "regex":
			if err := json.Unmarshal(v, &m.value); err != nil {
				return fmt.Errorf("match %s: want a string", op)
			}
			if op == "regex" {
				re, err := compileRegex(m.value)
				if err != nil {
					return fmt.Errorf("match regex %q: %w", m.value, err)
				}
				m.re = re
			} else {
				m.value = strings.ToLower(m.value)
			}
		default:
			return fmt.Errorf("match: unknown operator %q", op)
		}
	}
	return nil
}

// Matches reports whether s (lowercase) matches the tree.
func (m *Match) Matches(s string) bool {
	switch m.op {
	case "or":
		for _, x := range m.sub {
			if x.Matches(s) {
				return true
			}
		}
		return false
	case "and":
		for _, x := range m.sub {
			if !x.Matches(s) {
				return false
			}
		}
		return true
	case "equals":
		return s == m.value
	case "starts_with":
		return strings.HasPrefix(s, m.value)
	case "ends_with":
		return strings.HasSuffix(s, m.value)
	case "contains":
		return strings.Contains(s, m.value)
	case "regex":
		return m.re.MatchString(s)
	}
	return false
}

// compileRegex compiles a catalogue pattern (JavaScript syntax). Go's
// regexp takes most; lookarounds, which it lacks, go to regexp2 in
// ECMAScript mode.
func compileRegex(p string) (matcher, error) {
	if re, err := regexp.Compile(p); err == nil {
		return re, nil
	}
	re, err := regexp2.Compile(p, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return re2{re}, nil
}

type re2 struct{ *regexp2.Regexp }

func (r re2) MatchString(s string) bool {
	ok, err := r.Regexp.MatchString(s)
	return ok && err == nil
}
