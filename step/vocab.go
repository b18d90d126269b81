package step

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Status is Letta's StepStatus value.
type Status string

const (
	StatusPending   Status = "pending"
	StatusSuccess   Status = "success"
	StatusFailed    Status = "failed"
	StatusCancelled Status = "cancelled"
)

// statusRank orders statuses for the merge: pending comes before any
// terminal status. Between terminal statuses the rank is a fixed tie-break
// that keeps the evidence of a failure rather than hiding it.
var statusRank = map[Status]int{
	StatusPending: 1, StatusSuccess: 2, StatusCancelled: 3, StatusFailed: 4,
}

// ParseStatus accepts Letta's lowercase values and its upper-case enum names.
func ParseStatus(s string) (Status, error) {
	st := Status(lowerASCII(s))
	if _, ok := statusRank[st]; !ok {
		return "", fmt.Errorf("unknown status %q (want pending, success, failed or cancelled)", s)
	}
	return st, nil
}

// Progression is Letta's StepProgression: how far the step is known to
// have got.
type Progression string

const (
	ProgressionStart            Progression = "start"
	ProgressionStreamReceived   Progression = "stream_received"
	ProgressionResponseReceived Progression = "response_received"
	ProgressionStepLogged       Progression = "step_logged"
	ProgressionLoggedTrace      Progression = "logged_trace"
	ProgressionFinished         Progression = "finished"
)

var progressionRank = map[Progression]int{
	ProgressionStart: 1, ProgressionStreamReceived: 2, ProgressionResponseReceived: 3,
	ProgressionStepLogged: 4, ProgressionLoggedTrace: 5, ProgressionFinished: 6,
}

// ParseProgression accepts the lowercase names.
func ParseProgression(s string) (Progression, error) {
	p := Progression(lowerASCII(s))
	if _, ok := progressionRank[p]; !ok {
		return "", fmt.Errorf("unknown progression %q", s)
	}
	return p, nil
}

// StopReasons is Letta's StopReasonType vocabulary.
var StopReasons = map[string]bool{
	"end_turn": true, "max_steps": true, "tool_rule": true, "requires_approval": true,
	"error": true, "llm_api_error": true, "invalid_llm_response": true, "invalid_tool_call": true,
	"no_tool_call": true, "max_tokens_exceeded": true, "context_window_overflow_in_system_prompt": true,
	"insufficient_credits": true, "cancelled": true,
}

// Feedbacks is Letta's feedback vocabulary (FeedbackType).
var Feedbacks = map[string]bool{"positive": true, "negative": true}

// vocabularies are the fields whose values Letta validates against a
// closed set: a value outside it would make Letta's Step reject the row.
var vocabularies = map[string]map[string]bool{"stop_reason": StopReasons, "feedback": Feedbacks}

// ErrOutOfVocabulary marks a value that a field's vocabulary does not
// hold. Read leaves such a value out and keeps the rest of the patch.
var ErrOutOfVocabulary = errors.New("outside the field's vocabulary")

// checkVocabulary returns an error wrapping ErrOutOfVocabulary when field
// name has a vocabulary and v is not in it.
func checkVocabulary(name, v string) error {
	vocab := vocabularies[name]
	if vocab == nil || vocab[v] {
		return nil
	}
	return fmt.Errorf("%q is %w (Letta's %s is one of %s); left out", v, ErrOutOfVocabulary, name,
		strings.Join(slices.Sorted(maps.Keys(vocab)), ", "))
}

// FinishReasons is the normalised finish-reason vocabulary.
var FinishReasons = map[string]bool{
	"stop": true, "length": true, "tool_call": true, "content_filter": true, "error": true,
}

// Time is a point in time as Unix nanoseconds; JSON renders it as RFC 3339
// in UTC. Zero means unset.
type Time int64

// MarshalJSON writes RFC 3339 with nanoseconds.
func (t Time) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, time.Unix(0, int64(t)).UTC().Format(time.RFC3339Nano)), nil
}

// UnmarshalJSON reads RFC 3339 text or a number of Unix nanoseconds.
func (t *Time) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] != '"' {
		n, err := strconv.ParseInt(string(b), 10, 64)
		*t = Time(n)
		return err
	}
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return err
	}
	tt, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	*t = Time(tt.UnixNano())
	return nil
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
