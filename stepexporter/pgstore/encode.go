package pgstore

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agentsteps/collector/step"
)

// normalize merges records that share an id and finalizes each, so a new
// row is exactly what Merge+Finalize gives and ON CONFLICT never meets one
// id twice in a statement. Order of first appearance is kept.
func normalize(recs []step.Step) []step.Step {
	at := make(map[string]int, len(recs))
	out := make([]step.Step, 0, len(recs))
	for i := range recs {
		j, ok := at[recs[i].ID]
		if !ok {
			j = len(out)
			at[recs[i].ID] = j
			out = append(out, step.Step{})
		}
		out[j].Merge(&recs[i])
	}
	for i := range out {
		out[i].Finalize()
	}
	return out
}

// cleanText makes a string storable: PostgreSQL text holds neither NUL
// nor invalid UTF-8, and refusing the whole record for one bad byte would
// lose the rest of it.
func cleanText(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

func textValue(s string) any {
	if s == "" {
		return nil
	}
	return cleanText(s)
}

// encodeRow turns a normalized record into the incoming table's row, in
// columns order. It fails on a count the target column cannot hold.
func encodeRow(s *step.Step, target map[string]targetColumn) ([]any, error) {
	row := make([]any, 0, len(columns))
	for _, c := range columns {
		v, err := encodeValue(s, c, target)
		if err != nil {
			return nil, err
		}
		row = append(row, v)
	}
	return row, nil
}

func encodeValue(s *step.Step, c column, target map[string]targetColumn) (any, error) {
	switch c.kind {
	case kindString, kindCostSource:
		return textValue(*c.str(s)), nil
	case kindUSD:
		if p := *c.usd(s); p != nil {
			return *p, nil
		}
		return nil, nil
	case kindCount, kindTotal:
		p := *c.count(s)
		if p == nil {
			return nil, nil
		}
		if max, ok := intLimit(target[c.name].typ); ok && (*p > max || *p < -max-1) {
			return nil, fmt.Errorf("step %s: %s = %d does not fit the %s column %q; widen it to bigint",
				s.ID, c.name, *p, target[c.name].typ, c.name)
		}
		return *p, nil
	case kindStart:
		return timeValue(s.StartTime), nil
	case kindEnd:
		return timeValue(s.EndTime), nil
	case kindStartNanos:
		return nanosValue(s.StartTime), nil
	case kindEndNanos:
		return nanosValue(s.EndTime), nil
	case kindStatus:
		// Letta's enum holds the member names: PENDING, SUCCESS, ...
		return textValue(strings.ToUpper(string(s.Status))), nil
	case kindProgression:
		return textValue(string(s.Progression)), nil
	case kindTags:
		// [] when empty, never NULL: Letta's Step rejects a NULL list.
		if len(s.Tags) == 0 {
			return "[]", nil
		}
		return jsonValue(s.Tags, false)
	case kindStages:
		return jsonValue(s.Stages, len(s.Stages) == 0)
	case kindErrorData:
		return errorDataValue(s.ErrorData)
	case kindPromptDetails:
		return jsonValue(s.PromptTokensDetails, s.PromptTokensDetails == nil)
	case kindCompletionDetails:
		return jsonValue(s.CompletionTokensDetails, s.CompletionTokensDetails == nil)
	}
	return nil, fmt.Errorf("column %s has no encoder", c.name)
}

func intLimit(typ string) (int64, bool) {
	switch typ {
	case "integer":
		return math.MaxInt32, true
	case "smallint":
		return math.MaxInt16, true
	}
	return 0, false
}

// timeValue is t cut to the microsecond, which timestamptz holds exactly;
// nanosValue is the rest.
func timeValue(t step.Time) any {
	if t == 0 {
		return nil
	}
	return time.Unix(0, int64(t)-subMicro(t)).UTC()
}

func nanosValue(t step.Time) any {
	if t == 0 {
		return nil
	}
	return int16(subMicro(t))
}

func subMicro(t step.Time) int64 { return (int64(t)%1000 + 1000) % 1000 }

func jsonValue(v any, unset bool) (any, error) {
	if unset {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return cleanText(string(b)), nil
}

// storedErrorData is Letta's error_data: details is a JSON value (Letta
// writes a dict). Details text that is a JSON object or array is kept as
// that value; any other text is stored as a JSON string.
type storedErrorData struct {
	Message   *string         `json:"message"`
	Traceback *string         `json:"traceback"`
	Details   json.RawMessage `json:"details"`
}

func errorDataValue(e *step.ErrorData) (any, error) {
	if e == nil || (e.Message == "" && e.Traceback == "" && e.Details == "") {
		return nil, nil
	}
	// Built by hand: encoding/json would compact a raw details value, and
	// the merge compares details as the record wrote it.
	var b strings.Builder
	b.WriteByte('{')
	for _, part := range []struct{ key, val string }{{"message", e.Message}, {"traceback", e.Traceback}} {
		b.WriteString(`"` + part.key + `":`)
		if part.val == "" {
			b.WriteString("null,")
			continue
		}
		q, _ := json.Marshal(cleanText(part.val))
		b.Write(q)
		b.WriteByte(',')
	}
	b.WriteString(`"details":`)
	switch details := cleanText(e.Details); {
	case details == "":
		b.WriteString("null")
	case (details[0] == '{' || details[0] == '[') && json.Valid([]byte(details)):
		b.WriteString(details)
	default:
		q, _ := json.Marshal(details)
		b.Write(q)
	}
	b.WriteByte('}')
	return b.String(), nil
}

// decodeErrorData reverses errorDataValue.
func decodeErrorData(text string) (*step.ErrorData, error) {
	var d storedErrorData
	if err := json.Unmarshal([]byte(text), &d); err != nil {
		return nil, err
	}
	e := &step.ErrorData{}
	if d.Message != nil {
		e.Message = *d.Message
	}
	if d.Traceback != nil {
		e.Traceback = *d.Traceback
	}
	if len(d.Details) > 0 && string(d.Details) != "null" {
		if d.Details[0] == '"' {
			if err := json.Unmarshal(d.Details, &e.Details); err != nil {
				return nil, err
			}
		} else {
			e.Details = string(d.Details)
		}
	}
	if *e == (step.ErrorData{}) {
		return nil, nil
	}
	return e, nil
}
