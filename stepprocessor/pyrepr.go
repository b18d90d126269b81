package stepprocessor

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/segmentio/encoding/json"
)

// Letta's @trace_method writes every argument of a traced method as the
// Python str() or repr() of the value (letta/otel/tracing.py). This file
// reads that text: None, True/False, numbers, quoted strings, lists, tuples,
// sets, dicts and calls such as UsageStatistics(prompt_tokens=7, ...) or
// datetime.datetime(2026, 1, 1). Constructs with no literal syntax, such as
// the enum repr <StopReasonType.end_turn: 'end_turn'> or <Type (excluded,
// ids=[...])>, are read as opaque values rather than rejected.

// pyKind is the kind of one parsed Python value.
type pyKind uint8

const (
	pyNone pyKind = iota
	pyBool
	pyInt
	pyFloat
	pyStr
	pyName   // a bare (dotted) name: StopReasonType.end_turn, inf, datetime.timezone.utc
	pyList   // list, tuple or set: items
	pyDict   // items with key and val
	pyCall   // Class(args): text is the class, items are the arguments
	pyEnum   // <Class.member: value>: text is "Class.member", items[0].val the value
	pyOpaque // any other <...> repr
)

// pyValue is one parsed value. raw is the value's own text in the input, so
// reading a repr allocates only for containers and for strings with escapes.
type pyValue struct {
	kind  pyKind
	text  string // str contents, number literal, name, class, or "true"/"false"
	raw   string
	items []pyItem
}

// pyItem is an element of a container or an argument of a call. name is
// the keyword of a keyword argument; key is set for dict entries.
type pyItem struct {
	name string
	key  *pyValue
	val  pyValue
}

// pyTruncSuffix starts what Letta appends to a value cut at 2 MB:
// "... (truncated, original size: N chars)".
const pyTruncSuffix = "... (truncated, original size: "

// maxPyDepth bounds nesting, so hostile input cannot exhaust the stack.
const maxPyDepth = 64

var errPyEOF = errors.New("unexpected end of input")

// pyRepr is a parsed attribute value. truncated reports that Letta cut the
// value; containers open at the cut are closed and the value that ran into
// the cut is dropped.
type pyRepr struct {
	pyValue
	truncated bool
}

// parsePyRepr parses one Python str()/repr() value.
func parsePyRepr(s string) (pyRepr, error) {
	body, truncated := cutPyTruncation(s)
	// The items of the containers being read wait on stacks reused from
	// parse to parse: each container then takes one allocation of its
	// exact size (popItems) rather than one per growth.
	sc := pyScratchPool.Get().(*pyScratch)
	defer pyScratchPool.Put(sc)
	p := pyParser{s: body, truncated: truncated, stack: sc.stack[:0], keys: sc.keys[:0]}
	defer func() { sc.stack, sc.keys = p.stack[:0], p.keys[:0] }()
	p.space()
	v, err := p.value(0)
	if err != nil {
		if truncated && errors.Is(err, errPyEOF) {
			return pyRepr{truncated: true}, errors.New("value was truncated before it could be read")
		}
		return pyRepr{}, err
	}
	p.space()
	if p.pos < len(p.s) {
		return pyRepr{}, p.errorf("unexpected %q after the value", p.s[p.pos])
	}
	return pyRepr{pyValue: v, truncated: truncated}, nil
}

// cutPyTruncation strips Letta's truncation suffix if s ends with one.
func cutPyTruncation(s string) (string, bool) {
	rest, ok := strings.CutSuffix(s, " chars)")
	if !ok {
		return s, false
	}
	i := strings.LastIndex(rest, pyTruncSuffix)
	if i < 0 {
		return s, false
	}
	if _, err := strconv.ParseUint(rest[i+len(pyTruncSuffix):], 10, 64); err != nil {
		return s, false
	}
	return s[:i], true
}

type pyParser struct {
	s         string
	pos       int
	truncated bool
	stack     []pyItem  // items of the open containers, innermost last
	keys      []pyValue // keys of the open dicts' items, innermost last
}

// pyScratch is the item and key stacks of one parse.
type pyScratch struct {
	stack []pyItem
	keys  []pyValue
}

var pyScratchPool = sync.Pool{New: func() any { return new(pyScratch) }}

// popItems takes the items above base off the stack, into a slice of
// their own (nil for none).
func (p *pyParser) popItems(base int) []pyItem {
	n := len(p.stack) - base
	if n == 0 {
		return nil
	}
	out := make([]pyItem, n)
	copy(out, p.stack[base:])
	clear(p.stack[base:])
	p.stack = p.stack[:base]
	return out
}

func (p *pyParser) errorf(format string, args ...any) error {
	return fmt.Errorf("python repr at byte %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *pyParser) space() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// atCut reports whether the parser stands at the end of a truncated value,
// where whatever comes next was cut away.
func (p *pyParser) atCut() bool { return p.truncated && p.pos >= len(p.s) }

func (p *pyParser) value(depth int) (pyValue, error) {
	if depth > maxPyDepth {
		return pyValue{}, p.errorf("nested deeper than %d levels", maxPyDepth)
	}
	if p.pos >= len(p.s) {
		return pyValue{}, errPyEOF
	}
	start := p.pos
	var v pyValue
	var err error
	switch c := p.s[p.pos]; {
	case c == '\'' || c == '"':
		v, err = p.str()
	case c == '-' || c == '+' || isDigit(c):
		v, err = p.number()
	case c == '[':
		v, err = p.items(depth, '[', ']', pyList)
	case c == '(':
		v, err = p.items(depth, '(', ')', pyList)
	case c == '{':
		v, err = p.dictOrSet(depth)
	case c == '<':
		v, err = p.angle(depth)
	case c == '.' && strings.HasPrefix(p.s[p.pos:], "..."):
		// Python's repr of a container that holds itself.
		p.pos += 3
		v = pyValue{kind: pyOpaque}
	case isNameStart(c):
		v, err = p.name(depth)
	default:
		return pyValue{}, p.errorf("unexpected %q", c)
	}
	if err != nil {
		return pyValue{}, err
	}
	if p.atCut() && v.kind != pyList && v.kind != pyDict && v.kind != pyCall {
		// A scalar that runs into the cut may itself be cut short.
		return pyValue{}, errPyEOF
	}
	v.raw = p.s[start:p.pos]
	return v, nil
}

func (p *pyParser) name(depth int) (pyValue, error) {
	start := p.pos
	for p.pos < len(p.s) && (isNameStart(p.s[p.pos]) || isDigit(p.s[p.pos]) || p.s[p.pos] == '.') {
		p.pos++
	}
	n := p.s[start:p.pos]
	if p.pos < len(p.s) && (p.s[p.pos] == '\'' || p.s[p.pos] == '"') && isStrPrefix(n) {
		return p.str()
	}
	switch n {
	case "None":
		return pyValue{kind: pyNone}, nil
	case "True":
		return pyValue{kind: pyBool, text: "true"}, nil
	case "False":
		return pyValue{kind: pyBool, text: "false"}, nil
	}
	if n[len(n)-1] == '.' {
		return pyValue{}, p.errorf("name %q ends with a dot", n)
	}
	if p.pos < len(p.s) && p.s[p.pos] == '(' {
		v, err := p.items(depth, '(', ')', pyCall)
		v.text = n
		return v, err
	}
	return pyValue{kind: pyName, text: n}, nil
}

// items reads a bracketed, comma-separated list. In a call, arguments may
// be keyword=value.
func (p *pyParser) items(depth int, open, close byte, kind pyKind) (pyValue, error) {
	base := len(p.stack)
	v, err := p.readItems(depth, close, kind)
	v.items = p.popItems(base)
	return v, err
}

func (p *pyParser) readItems(depth int, close byte, kind pyKind) (pyValue, error) {
	v := pyValue{kind: kind}
	p.pos++ // open
	for {
		p.space()
		if p.pos >= len(p.s) {
			if p.truncated {
				return v, nil
			}
			return v, errPyEOF
		}
		if p.s[p.pos] == close {
			p.pos++
			return v, nil
		}
		var it pyItem
		if kind == pyCall {
			it.name = p.keyword()
		}
		valStart := p.pos
		val, err := p.value(depth + 1)
		if err != nil && kind == pyCall && !errors.Is(err, errPyEOF) {
			// An argument with no literal syntax, such as pydantic's
			// TzInfo(+01:00): keep its text, read the rest.
			p.pos = valStart
			val, err = pyValue{kind: pyOpaque}, p.skipArg(close)
			val.raw = p.s[valStart:p.pos]
		}
		if err != nil {
			if p.truncated && errors.Is(err, errPyEOF) {
				return v, nil
			}
			return v, err
		}
		it.val = val
		p.stack = append(p.stack, it)
		if done, err := p.separator(close); done || err != nil {
			return v, err
		}
	}
}

// skipArg moves past an argument it cannot read, up to the ',' or closing
// bracket at its own level, respecting quotes and nesting.
func (p *pyParser) skipArg(close byte) error {
	level := 0
	for p.pos < len(p.s) {
		switch c := p.s[p.pos]; c {
		case '(', '[', '{', '<':
			level++
		case ')', ']', '}', '>':
			if level == 0 {
				if c != close {
					return p.errorf("unbalanced %q", c)
				}
				return nil
			}
			level--
		case ',':
			if level == 0 {
				return nil
			}
		case '\'', '"':
			if _, err := p.str(); err != nil {
				return err
			}
			continue
		}
		p.pos++
	}
	return errPyEOF
}

// keyword consumes "name=" at the start of a call argument and returns the
// name, or returns "" and consumes nothing.
func (p *pyParser) keyword() string {
	i := p.pos
	for i < len(p.s) && (isNameStart(p.s[i]) || i > p.pos && isDigit(p.s[i])) {
		i++
	}
	if i == p.pos {
		return ""
	}
	j := i
	for j < len(p.s) && p.s[j] == ' ' {
		j++
	}
	if j < len(p.s) && p.s[j] == '=' && (j+1 == len(p.s) || p.s[j+1] != '=') {
		name := p.s[p.pos:i]
		p.pos = j + 1
		p.space()
		return name
	}
	return ""
}

// separator reads what follows an element: a comma, or the closing bracket.
// done is true when the container has ended (closed, or cut by truncation).
func (p *pyParser) separator(close byte) (done bool, err error) {
	p.space()
	if p.pos >= len(p.s) {
		if p.truncated {
			return true, nil
		}
		return true, errPyEOF
	}
	switch p.s[p.pos] {
	case ',':
		p.pos++
		return false, nil
	case close:
		p.pos++
		return true, nil
	}
	return true, p.errorf("want ',' or %q, got %q", close, p.s[p.pos])
}

func (p *pyParser) dictOrSet(depth int) (pyValue, error) {
	base, keyBase := len(p.stack), len(p.keys)
	v, err := p.readDictOrSet(depth, base)
	v.items = p.popItems(base)
	if n := len(p.keys) - keyBase; n > 0 {
		// A dict: every item has its key, pushed in step with it.
		keys := make([]pyValue, n)
		copy(keys, p.keys[keyBase:])
		clear(p.keys[keyBase:])
		p.keys = p.keys[:keyBase]
		for i := range v.items {
			v.items[i].key = &keys[i]
		}
	}
	return v, err
}

func (p *pyParser) readDictOrSet(depth, base int) (pyValue, error) {
	v := pyValue{kind: pyDict}
	p.pos++ // {
	for {
		p.space()
		if p.pos >= len(p.s) {
			if p.truncated {
				return v, nil
			}
			return v, errPyEOF
		}
		if p.s[p.pos] == '}' {
			p.pos++
			return v, nil
		}
		key, err := p.value(depth + 1)
		if err != nil {
			if p.truncated && errors.Is(err, errPyEOF) {
				return v, nil
			}
			return v, err
		}
		p.space()
		if p.pos < len(p.s) && p.s[p.pos] != ':' {
			// {a, b}: a set, read like a list.
			if len(p.stack) > base && v.kind == pyDict {
				return v, p.errorf("dict entry without ':'")
			}
			v.kind = pyList
			p.stack = append(p.stack, pyItem{val: key})
		} else {
			if v.kind == pyList {
				return v, p.errorf("unexpected ':' in a set")
			}
			if p.pos >= len(p.s) {
				if p.truncated {
					return v, nil
				}
				return v, errPyEOF
			}
			p.pos++ // :
			p.space()
			val, err := p.value(depth + 1)
			if err != nil {
				if p.truncated && errors.Is(err, errPyEOF) {
					return v, nil
				}
				return v, err
			}
			p.keys = append(p.keys, key)
			p.stack = append(p.stack, pyItem{val: val})
		}
		if done, err := p.separator('}'); done || err != nil {
			return v, err
		}
	}
}

// angle reads <Class.member: value>, the repr of an Enum member, or skips
// any other <...> repr (<function f at 0x7f>, Letta's <Type (excluded,
// ids=[...])>) as opaque, respecting quotes and nesting.
func (p *pyParser) angle(depth int) (pyValue, error) {
	start := p.pos
	p.pos++ // <
	i := p.pos
	for i < len(p.s) && (isNameStart(p.s[i]) || isDigit(p.s[i]) || p.s[i] == '.') {
		i++
	}
	if i > p.pos && i+1 < len(p.s) && p.s[i] == ':' && p.s[i+1] == ' ' {
		name := p.s[p.pos:i]
		p.pos = i + 2
		val, err := p.value(depth + 1)
		p.space()
		if err == nil && p.pos < len(p.s) && p.s[p.pos] == '>' {
			p.pos++
			return pyValue{kind: pyEnum, text: name, items: []pyItem{{val: val}}}, nil
		}
	}
	p.pos = start
	return pyValue{kind: pyOpaque}, p.skipAngle()
}

func (p *pyParser) skipAngle() error {
	level := 0
	for p.pos < len(p.s) {
		switch c := p.s[p.pos]; c {
		case '<':
			level++
		case '>':
			level--
			if level == 0 {
				p.pos++
				return nil
			}
		case '\'', '"':
			if _, err := p.str(); err != nil {
				return err
			}
			continue
		}
		p.pos++
	}
	return errPyEOF
}

func (p *pyParser) number() (pyValue, error) {
	start := p.pos
	if c := p.s[p.pos]; c == '-' || c == '+' {
		p.pos++
	}
	if p.pos < len(p.s) && isNameStart(p.s[p.pos]) {
		// -inf and -nan, Python's repr of the non-finite floats.
		for p.pos < len(p.s) && isNameStart(p.s[p.pos]) {
			p.pos++
		}
		if t := p.s[start+1 : p.pos]; t != "inf" && t != "nan" {
			return pyValue{}, p.errorf("malformed number %q", p.s[start:p.pos])
		}
		return pyValue{kind: pyName, text: p.s[start:p.pos]}, nil
	}
	digits := p.digits()
	kind := pyInt
	if p.pos < len(p.s) && p.s[p.pos] == '.' {
		p.pos++
		digits += p.digits()
		kind = pyFloat
	}
	if digits == 0 {
		return pyValue{}, p.errorf("malformed number %q", p.s[start:p.pos])
	}
	if p.pos < len(p.s) && (p.s[p.pos] == 'e' || p.s[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.s) && (p.s[p.pos] == '-' || p.s[p.pos] == '+') {
			p.pos++
		}
		if p.digits() == 0 {
			return pyValue{}, p.errorf("malformed number %q", p.s[start:p.pos])
		}
		kind = pyFloat
	}
	if p.pos < len(p.s) && (isNameStart(p.s[p.pos]) || isDigit(p.s[p.pos])) {
		return pyValue{}, p.errorf("malformed number %q", p.s[start:p.pos+1])
	}
	return pyValue{kind: kind, text: p.s[start:p.pos]}, nil
}

func (p *pyParser) digits() int {
	start := p.pos
	for p.pos < len(p.s) && (isDigit(p.s[p.pos]) || p.s[p.pos] == '_' && p.pos > start) {
		p.pos++
	}
	return p.pos - start
}

// str reads a quoted string literal. Without escapes the result is a slice
// of the input.
func (p *pyParser) str() (pyValue, error) {
	q := p.s[p.pos]
	p.pos++
	start := p.pos
	var b []byte
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == q:
			text := p.s[start:p.pos]
			if b != nil {
				text = string(b)
			}
			p.pos++
			return pyValue{kind: pyStr, text: text}, nil
		case c == '\\':
			if b == nil {
				b = append(make([]byte, 0, p.pos-start+16), p.s[start:p.pos]...)
			}
			var err error
			if b, err = p.escape(b); err != nil {
				return pyValue{}, err
			}
		case c == '\n':
			return pyValue{}, p.errorf("newline inside a string")
		default:
			if b != nil {
				b = append(b, c)
			}
			p.pos++
		}
	}
	return pyValue{}, errPyEOF
}

// escape decodes one backslash escape of a Python string literal into b.
func (p *pyParser) escape(b []byte) ([]byte, error) {
	p.pos++ // backslash
	if p.pos >= len(p.s) {
		return b, errPyEOF
	}
	c := p.s[p.pos]
	p.pos++
	switch c {
	case '\\', '\'', '"':
		return append(b, c), nil
	case 'n':
		return append(b, '\n'), nil
	case 'r':
		return append(b, '\r'), nil
	case 't':
		return append(b, '\t'), nil
	case '0':
		return append(b, 0), nil
	case 'a':
		return append(b, 7), nil
	case 'b':
		return append(b, 8), nil
	case 'f':
		return append(b, 12), nil
	case 'v':
		return append(b, 11), nil
	case 'x':
		return p.hexRune(b, 2)
	case 'u':
		return p.hexRune(b, 4)
	case 'U':
		return p.hexRune(b, 8)
	}
	return b, p.errorf("unknown escape \\%c", c)
}

func (p *pyParser) hexRune(b []byte, n int) ([]byte, error) {
	if p.pos+n > len(p.s) {
		return b, errPyEOF
	}
	r, err := strconv.ParseUint(p.s[p.pos:p.pos+n], 16, 32)
	if err != nil {
		return b, p.errorf("bad hex escape %q", p.s[p.pos:p.pos+n])
	}
	p.pos += n
	if !utf8.ValidRune(rune(r)) {
		// A lone surrogate: keep the character visible but valid.
		r = utf8.RuneError
	}
	return utf8.AppendRune(b, rune(r)), nil
}

func isDigit(c byte) bool     { return c >= '0' && c <= '9' }
func isNameStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// isStrPrefix reports a Python string prefix: b'..' appears in reprs of
// bytes, the others only for completeness.
func isStrPrefix(n string) bool {
	switch strings.ToLower(n) {
	case "b", "u", "r", "br", "rb":
		return true
	}
	return false
}

// field returns the keyword argument name of a call, or the value under the
// string key name of a dict.
func (v *pyValue) field(name string) (pyValue, bool) {
	for i := range v.items {
		it := &v.items[i]
		if it.name == name || it.key != nil && it.key.kind == pyStr && it.key.text == name {
			return it.val, true
		}
	}
	return pyValue{}, false
}

// enumMember reads the member value of an Enum given as the repr
// <Class.member: 'value'>, the str() "Class.member", or a plain string.
func (v *pyValue) enumMember() (string, bool) {
	switch v.kind {
	case pyEnum:
		if inner := v.items[0].val; inner.kind == pyStr {
			return inner.text, true
		}
		return v.text[strings.LastIndexByte(v.text, '.')+1:], true
	case pyName:
		return v.text[strings.LastIndexByte(v.text, '.')+1:], true
	case pyStr:
		return v.text, true
	}
	return "", false
}

// count reads a token count: a non-negative int. ok is false for None.
func (v *pyValue) count() (n int64, ok bool, err error) {
	switch v.kind {
	case pyNone:
		return 0, false, nil
	case pyInt:
		n, err := strconv.ParseInt(strings.ReplaceAll(v.text, "_", ""), 10, 64)
		if err != nil || n < 0 || n > 1<<53 {
			return 0, false, fmt.Errorf("count %s is out of range", v.text)
		}
		return n, true, nil
	}
	return 0, false, fmt.Errorf("want a whole number, got %s", clipRepr(v.raw))
}

// appendJSON writes v as JSON, the way Python's json.dumps would write the
// same data. Values with no JSON form (calls, enum and other <...> reprs,
// bare names such as inf) become their repr text as a JSON string, so
// nothing is lost.
func (v *pyValue) appendJSON(b []byte) []byte {
	switch v.kind {
	case pyNone:
		return append(b, "null"...)
	case pyBool:
		return append(b, v.text...)
	case pyInt, pyFloat:
		t := strings.TrimPrefix(strings.ReplaceAll(v.text, "_", ""), "+")
		if json.Valid([]byte(t)) {
			return append(b, t...)
		}
		return appendJSONString(b, t)
	case pyStr:
		return appendJSONString(b, v.text)
	case pyList:
		b = append(b, '[')
		for i := range v.items {
			if i > 0 {
				b = append(b, ',')
			}
			b = v.items[i].val.appendJSON(b)
		}
		return append(b, ']')
	case pyDict:
		b = append(b, '{')
		for i := range v.items {
			if i > 0 {
				b = append(b, ',')
			}
			k := v.items[i].key
			switch k.kind {
			case pyStr, pyInt, pyFloat, pyBool:
				// json.dumps turns int, float and bool keys into text.
				b = appendJSONString(b, k.text)
			case pyNone:
				b = appendJSONString(b, "null")
			default:
				b = appendJSONString(b, k.raw)
			}
			b = append(b, ':')
			b = v.items[i].val.appendJSON(b)
		}
		return append(b, '}')
	}
	return appendJSONString(b, v.raw)
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// pyJSON converts a Python literal to JSON text.
func pyJSON(s string) (string, bool, error) {
	v, err := parsePyRepr(s)
	if err != nil {
		return "", false, err
	}
	return string(v.appendJSON(nil)), v.truncated, nil
}

// clipRepr keeps error messages short when an attribute is huge.
func clipRepr(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
