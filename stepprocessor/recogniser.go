package stepprocessor

import (
	"fmt"
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/step"
)

// role is what a span is to the step records.
type role uint8

const (
	roleNone role = iota
	// roleContext: an agent, workflow, chain or request span. It gives
	// context to the steps beneath it; usage on it is an aggregate and is
	// never counted.
	roleContext
	// roleLLM: one model call, which is one step anchored on this span.
	roleLLM
	// roleLettaPart: a Letta span that carries part of the step named by
	// its step_id. Letta spreads one step over several spans.
	roleLettaPart
)

// stepContext is what a span hands down to the steps beneath it (and to
// its own step, with priority over its ancestors).
type stepContext struct {
	AgentID        string
	RunID          string
	ConversationID string
	UserID         string
	ProjectID      string
	OrganizationID string
	Tags           []string
}

func (c *stepContext) empty() bool {
	return c.AgentID == "" && c.RunID == "" && c.ConversationID == "" && c.UserID == "" &&
		c.ProjectID == "" && c.OrganizationID == "" && len(c.Tags) == 0
}

// finding is what one recogniser says about one span.
type finding struct {
	role   role
	source string    // the convention: "letta", "genai", "openinference", ...
	patch  step.Step // what the span says of its own step (roleLLM, roleLettaPart)
	ctx    stepContext
	// lettaAnchor marks the Letta span that anchors its step: the
	// StepManager.log_step_async span, which every Letta step has, failed
	// ones included (agent_step is never exported for those).
	lettaAnchor bool
	problems    []error // malformed attributes: logged and counted, never fatal
	// callHash: the response id (patch.RequestID) hashed while the span is
	// read, for markSameCalls; 0 with none.
	callHash uint64
}

// problem records a malformed attribute. The field stays unset; nothing
// else about the span or its batch is lost.
func (o *finding) problem(key string, err error) {
	o.problems = append(o.problems, fmt.Errorf("%s: %w", key, err))
}

// recogniser knows one instrumentation convention. It registers the keys it
// reads when it is built, and then reads spans without allocating for spans
// that are not its own. Its name, priority and claim are in the registry
// (registry.go).
type recogniser interface {
	// recognise fills out and returns true when the span belongs to the
	// convention (as a step, a Letta part or a context span). It runs only
	// on spans the convention claimed.
	recognise(f *spanFacts, out *finding) bool
}

// count reads the first present slot as a token count into dst. A
// malformed value is a problem and the next key in priority order is tried.
func (f *spanFacts) count(slots []slot, dst **int64, out *finding) {
	for _, s := range slots {
		if !f.has(s) {
			continue
		}
		n, err := step.CountFromValue(f.vals[s])
		if err != nil {
			out.problem(f.ix.keys[s], err)
			continue
		}
		*dst = step.Int(n)
		return
	}
}

// spanTimes fills the ids and times that every non-Letta step takes from its
// own span.
func spanTimes(sp ptrace.Span, p *step.Step) {
	p.StartTime = timeOf(sp.StartTimestamp())
	p.EndTime = timeOf(sp.EndTimestamp())
}

// timeOf converts a span timestamp. One past 2262 does not fit a step's
// Unix nanoseconds; it is a broken clock, so the time stays unset rather
// than turning negative and failing the whole record at the exporter.
func timeOf(ts pcommon.Timestamp) step.Time {
	if ts > math.MaxInt64 {
		return 0
	}
	return step.Time(ts)
}

// spanFailed reports the OTLP evidence of a failed call: status ERROR or an
// exception event (OpenInference sometimes records the exception and
// leaves the status alone). It fills error_type and error_data from the
// error.type attribute, the status message and the first exception event.
func spanFailed(sp ptrace.Span, errorType pcommon.Value, hasErrorType bool, p *step.Step) bool {
	failed := sp.Status().Code() == ptrace.StatusCodeError
	var ed step.ErrorData
	if msg := sp.Status().Message(); msg != "" {
		ed.Message = msg
	}
	evs := sp.Events()
	for i := 0; i < evs.Len(); i++ {
		ev := evs.At(i)
		if ev.Name() != "exception" {
			continue
		}
		failed = true
		attrs := ev.Attributes()
		if v, ok := attrs.Get("exception.type"); ok && p.ErrorType == "" {
			p.ErrorType = v.AsString()
		}
		if v, ok := attrs.Get("exception.message"); ok && ed.Message == "" {
			ed.Message = v.AsString()
		}
		if v, ok := attrs.Get("exception.stacktrace"); ok {
			ed.Traceback = v.AsString()
		}
		break
	}
	if !failed {
		return false
	}
	if hasErrorType {
		p.ErrorType = errorType.AsString()
	}
	if ed != (step.ErrorData{}) {
		p.ErrorData = new(ed) // only a failure with a message takes the heap
	}
	return true
}
