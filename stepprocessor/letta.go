package stepprocessor

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/agentsteps/collector/step"
)

// lettaKeys is where each record field comes from on the spans of Letta's
// V1 server (letta/otel/tracing.py, letta/services/step_manager.py). One
// step is spread over several spans joined by step id; each parameter.*
// key is the Python str() or repr() of a method argument (pyrepr.go).
var lettaKeys = struct {
	scope string
	// agentStepID is agent_step's only attribute; parameter.step_id is on
	// every StepManager.* span, the checkpoint and the provider trace.
	agentStepID, stepID string
	// actor is the User(...) repr: organization_id and the user's id.
	actor                                                 string
	agentID, runID, projectID, providerID                 string
	providerName, providerCategory, model, modelEndpoint  string
	modelHandle, contextWindow                            string
	usage, stopReason, status                             string
	errorType, errorMessage, errorTraceback, errorDetails string
	// errorData is log_step_async's dict argument, None in practice.
	errorData string
	// responseData is JSON (safe_json_dumps) on *.log_provider_trace.
	responseData string
	// conversationID is on the *.step / *.stream loop span.
	conversationID string
	// Set on the request span by _update_trace_attributes: path parameters
	// as http.<name>, headers under their own names.
	reqAgent                    []string
	reqUser, reqOrg, reqProject []string
}{
	scope:            "letta.otel.tracing",
	agentStepID:      "step_id",
	stepID:           "parameter.step_id",
	actor:            "parameter.actor",
	agentID:          "parameter.agent_id",
	runID:            "parameter.run_id",
	projectID:        "parameter.project_id",
	providerID:       "parameter.provider_id",
	providerName:     "parameter.provider_name",
	providerCategory: "parameter.provider_category",
	model:            "parameter.model",
	modelEndpoint:    "parameter.model_endpoint",
	modelHandle:      "parameter.model_handle",
	contextWindow:    "parameter.context_window_limit",
	usage:            "parameter.usage",
	stopReason:       "parameter.stop_reason",
	status:           "parameter.status",
	errorType:        "parameter.error_type",
	errorMessage:     "parameter.error_message",
	errorTraceback:   "parameter.error_traceback",
	errorDetails:     "parameter.error_details",
	errorData:        "parameter.error_data",
	responseData:     "response_data",
	conversationID:   "parameter.conversation_id",
	reqAgent:         []string{"http.agent_id", "agent.id"},
	reqUser:          []string{"user.id"},
	reqOrg:           []string{"organization.id"},
	reqProject:       []string{"project.id"},
}

// lettaMethod is what a Letta span is, by the method in its name.
type lettaMethod uint8

const (
	lettaOther lettaMethod = iota
	lettaAgentStep
	lettaLogStep
	lettaStepSuccess
	lettaStepError
	lettaStepStopReason
	lettaStepCancelled
	lettaResolvedModel
	lettaCheckpointStart
	lettaProviderTrace
	lettaStepMetrics
	lettaLoop
)

// lettaMethods maps the method after the last '.' of a span name: the part
// before it is the runtime class (LettaAgentV3, SleeptimeMultiAgentV4,
// NoopStepManager, SimpleLLMStreamAdapter), so it is never matched.
var lettaMethods = map[string]lettaMethod{
	"log_step_async":                   lettaLogStep,
	"update_step_success_async":        lettaStepSuccess,
	"update_step_error_async":          lettaStepError,
	"update_step_stop_reason":          lettaStepStopReason,
	"update_step_cancelled_async":      lettaStepCancelled,
	"update_step_resolved_model_async": lettaResolvedModel,
	"_step_checkpoint_start":           lettaCheckpointStart,
	"log_provider_trace":               lettaProviderTrace,
	"record_step_metrics_async":        lettaStepMetrics,
	"step":                             lettaLoop,
	"stream":                           lettaLoop,
}

type lettaRecogniser struct {
	agentStepID, stepID, actor                            slot
	agentID, runID, projectID, providerID                 slot
	providerName, providerCategory, model, modelEndpoint  slot
	modelHandle, contextWindow, usage, stopReason, status slot
	errorType, errorMessage, errorTraceback, errorDetails slot
	errorData, responseData, conversationID               slot
	reqAgent, reqUser, reqOrg, reqProject                 []slot

	lastActor atomic.Pointer[parsedActor]
}

// parsedActor is the last actor repr read and what it gave.
type parsedActor struct{ repr, org, user string }

func newLetta(ix *keyIndex) *lettaRecogniser {
	k := &lettaKeys
	return &lettaRecogniser{
		agentStepID: ix.add(k.agentStepID), stepID: ix.add(k.stepID), actor: ix.add(k.actor),
		agentID: ix.add(k.agentID), runID: ix.add(k.runID), projectID: ix.add(k.projectID),
		providerID: ix.add(k.providerID), providerName: ix.add(k.providerName),
		providerCategory: ix.add(k.providerCategory), model: ix.add(k.model),
		modelEndpoint: ix.add(k.modelEndpoint), modelHandle: ix.add(k.modelHandle),
		contextWindow: ix.add(k.contextWindow), usage: ix.add(k.usage),
		stopReason: ix.add(k.stopReason), status: ix.add(k.status),
		errorType: ix.add(k.errorType), errorMessage: ix.add(k.errorMessage),
		errorTraceback: ix.add(k.errorTraceback), errorDetails: ix.add(k.errorDetails),
		errorData: ix.add(k.errorData), responseData: ix.add(k.responseData),
		conversationID: ix.add(k.conversationID),
		reqAgent:       ix.addAll(k.reqAgent...), reqUser: ix.addAll(k.reqUser...),
		reqOrg: ix.addAll(k.reqOrg...), reqProject: ix.addAll(k.reqProject...),
	}
}

// recognise claims Letta's step spans as parts of the step named by their
// step id, and its request and agent-loop spans as context. A span outside
// Letta's scope is claimed only when it has Letta's own shape (agent_step
// with step_id, or a step method with parameter.step_id), as when spans
// are replayed from a store that dropped the scope.
func (r *lettaRecogniser) recognise(f *spanFacts, out *finding) bool {
	inScope := f.scope.Name() == lettaKeys.scope
	m := lettaOther
	if name := f.span.Name(); name == "agent_step" {
		m = lettaAgentStep
	} else if i := strings.LastIndexByte(name, '.'); i > 0 {
		m = lettaMethods[name[i+1:]]
	}
	switch {
	case m == lettaLoop:
		return inScope && r.readLoop(f, out)
	case m != lettaOther:
		if !inScope && !r.hasValidStepID(f, m) {
			return false
		}
	default:
		return inScope && r.readRequest(f, out)
	}
	out.role = roleLettaPart
	if !r.readStepID(f, m, out) {
		return true
	}
	r.readPart(f, m, out)
	return true
}

// hasValidStepID tells a Letta span that lost its scope from a span of
// another convention that happens to share a method name.
func (r *lettaRecogniser) hasValidStepID(f *spanFacts, m lettaMethod) bool {
	s := r.stepID
	if m == lettaAgentStep {
		s = r.agentStepID
	}
	id, ok := lettaParam(f, s)
	return ok && step.ValidID(id)
}

// readStepID sets the patch id. A part without a usable id cannot be
// joined to its step and contributes nothing.
func (r *lettaRecogniser) readStepID(f *spanFacts, m lettaMethod, out *finding) bool {
	s := r.stepID
	if m == lettaAgentStep {
		s = r.agentStepID
	}
	id, ok := lettaParam(f, s)
	if !ok {
		// The legacy LettaAgent lets the database name the step, so its
		// spans carry step_id=None and cannot be joined.
		return false
	}
	if !step.ValidID(id) {
		out.problem(f.ix.keys[s], fmt.Errorf("want a Letta step id (step-<uuid4>), got %q", clipRepr(id)))
		return false
	}
	out.patch.ID = id
	return true
}

// readPart fills the patch of one step part. Which span it is decides the
// status, the progression, the times and whether it anchors the step; the
// parameter.* keys are read wherever they appear, since each StepManager
// method carries only its own arguments.
func (r *lettaRecogniser) readPart(f *spanFacts, m lettaMethod, out *finding) {
	p := &out.patch
	p.TraceID = f.span.TraceID().String()
	p.ServiceName = f.resourceStr("service.name")

	switch m {
	case lettaAgentStep:
		p.Progression = step.ProgressionStart
		spanTimes(f.span, p)
	case lettaLogStep:
		// The INSERT: every step has one, failed steps included, and it is
		// the span that carries step.id in Jaeger.
		out.lettaAnchor = true
		p.SpanID = f.span.SpanID().String()
		p.Progression = step.ProgressionStepLogged
		spanTimes(f.span, p)
	case lettaProviderTrace:
		p.Progression = step.ProgressionLoggedTrace
		r.readResponseData(f, out)
	case lettaStepSuccess:
		p.Status, p.Progression = step.StatusSuccess, step.ProgressionFinished
	case lettaStepError:
		p.Status, p.Progression = step.StatusFailed, step.ProgressionFinished
		spanTimes(f.span, p)
	case lettaStepCancelled:
		p.Status, p.Progression = step.StatusCancelled, step.ProgressionFinished
		spanTimes(f.span, p)
	}

	r.readActor(f, out)
	p.AgentID = r.text(f, r.agentID)
	p.RunID = r.text(f, r.runID)
	p.ProjectID = r.text(f, r.projectID)
	p.ProviderID = r.text(f, r.providerID)
	// provider_name is llm_config.model_endpoint_type ("openai"), Letta's
	// own vocabulary, and is kept as recorded.
	p.ProviderName = r.text(f, r.providerName)
	p.Model = r.text(f, r.model)
	p.ModelEndpoint = r.text(f, r.modelEndpoint)
	p.ModelHandle = r.text(f, r.modelHandle)
	if t, ok := lettaParam(f, r.contextWindow); ok {
		if n, err := step.CountFromString(t); err != nil {
			out.problem(lettaKeys.contextWindow, err)
		} else {
			p.ContextWindowLimit = step.Int(n)
		}
	}
	if t, ok := lettaParam(f, r.providerCategory); ok {
		if c, err := lettaEnum(t, "ProviderCategory."); err != nil {
			out.problem(lettaKeys.providerCategory, err)
		} else {
			p.ProviderCategory = c
		}
	}
	if t, ok := lettaParam(f, r.status); ok {
		if st, err := lettaStatus(t); err != nil {
			out.problem(lettaKeys.status, err)
		} else if p.Status == "" {
			p.Status = st
		}
	}
	if t, ok := lettaParam(f, r.stopReason); ok {
		if sr, err := lettaStopReason(t); err != nil {
			out.problem(lettaKeys.stopReason, err)
		} else if sr != "" && !step.StopReasons[sr] {
			// Letta's Step validates stop_reason against StopReasonType:
			// a reason newer than step.StopReasons would break its reads.
			out.problem(lettaKeys.stopReason, fmt.Errorf("%q is not a StopReasonType this version knows; left out", sr))
		} else {
			p.StopReason = sr
		}
	}
	if t, ok := lettaParam(f, r.usage); ok {
		// The INSERT writes only the three counts; the cache and reasoning
		// columns are written by update_step_success_async.
		if err := readLettaUsage(t, p, m != lettaLogStep); err != nil {
			out.problem(lettaKeys.usage, err)
		}
	}
	r.readError(f, out)
	p.SetStage(lettaStages[m])
}

// lettaStages is the stage of the row at which each StepManager method
// writes (step.Stage): the INSERT, the auto-mode model resolution, the
// update that ends the step, and the stop reason the loop sets after it.
// Letta's own writes overwrite, so a value of a later method wins the
// merge. Other spans only repeat what these write, and are unstaged.
var lettaStages = map[lettaMethod]step.Stage{
	lettaLogStep:        step.StageLogged,
	lettaResolvedModel:  step.StageResolved,
	lettaStepSuccess:    step.StageFinal,
	lettaStepError:      step.StageFinal,
	lettaStepCancelled:  step.StageFinal,
	lettaStepStopReason: step.StageStopped,
}

// readActor reads the pydantic User repr, the only span-side source of the
// organization in Letta OSS.
func (r *lettaRecogniser) readActor(f *spanFacts, out *finding) {
	t, ok := lettaParam(f, r.actor)
	if !ok {
		return
	}
	// Every StepManager span of a request carries the same actor repr, a
	// long one: parse it once.
	if last := r.lastActor.Load(); last != nil && last.repr == t {
		out.patch.OrganizationID, out.patch.UserID = last.org, last.user
		return
	}
	defer func() {
		r.lastActor.Store(&parsedActor{repr: t, org: out.patch.OrganizationID, user: out.patch.UserID})
	}()
	v, err := parsePyRepr(t)
	if err == nil && v.kind != pyCall {
		err = fmt.Errorf("want a User(...) repr, got %s", clipRepr(t))
	}
	if err != nil {
		out.problem(lettaKeys.actor, err)
		return
	}
	if org, ok := v.field("organization_id"); ok && org.kind == pyStr {
		out.patch.OrganizationID = org.text
	}
	if id, ok := v.field("id"); ok && id.kind == pyStr {
		out.patch.UserID = id.text
	}
}

// readError reads update_step_error_async's arguments, which Letta stores
// as error_type and error_data {"message","traceback","details"}, and
// log_step_async's error_data dict.
func (r *lettaRecogniser) readError(f *spanFacts, out *finding) {
	p := &out.patch
	p.ErrorType = r.text(f, r.errorType)
	var ed step.ErrorData
	ed.Message = r.text(f, r.errorMessage)
	ed.Traceback = r.text(f, r.errorTraceback)
	if t, ok := lettaParam(f, r.errorDetails); ok {
		if j, _, err := pyJSON(t); err != nil {
			out.problem(lettaKeys.errorDetails, err)
		} else {
			ed.Details = j
		}
	}
	if t, ok := lettaParam(f, r.errorData); ok {
		if err := readLettaErrorData(t, &ed); err != nil {
			out.problem(lettaKeys.errorData, err)
		}
	}
	if ed != (step.ErrorData{}) {
		p.ErrorData = new(ed) // only a failed step's parts take the heap
	}
}

func readLettaErrorData(t string, ed *step.ErrorData) error {
	v, err := parsePyRepr(t)
	if err != nil {
		return err
	}
	if v.kind != pyDict {
		return fmt.Errorf("want a dict, got %s", clipRepr(t))
	}
	if m, ok := v.field("message"); ok && m.kind == pyStr {
		ed.Message = m.text
	}
	if tb, ok := v.field("traceback"); ok && tb.kind == pyStr {
		ed.Traceback = tb.text
	}
	if d, ok := v.field("details"); ok && d.kind != pyNone {
		ed.Details = string(d.appendJSON(nil))
	}
	return nil
}

// readLoop reads the agent loop span (LettaAgentV3.step or .stream), the
// ancestor of every step of a blocking request.
func (r *lettaRecogniser) readLoop(f *spanFacts, out *finding) bool {
	c := &out.ctx
	c.RunID = r.text(f, r.runID)
	c.ConversationID = r.text(f, r.conversationID)
	if c.empty() {
		return false
	}
	out.role = roleContext
	return true
}

// readRequest reads the request-level attributes that Letta sets on the
// span current in the route (middleware.logging, renamed to the route).
func (r *lettaRecogniser) readRequest(f *spanFacts, out *finding) bool {
	c := &out.ctx
	c.AgentID = readText(f, r.reqAgent, out)
	c.UserID = readText(f, r.reqUser, out)
	c.OrganizationID = readText(f, r.reqOrg, out)
	c.ProjectID = readText(f, r.reqProject, out)
	if c.empty() {
		return false
	}
	out.role = roleContext
	return true
}

// text reads a parameter.* argument that was a Python str.
func (r *lettaRecogniser) text(f *spanFacts, s slot) string {
	t, _ := lettaParam(f, s)
	return t
}

// lettaParam reads a parameter.* value. @trace_method writes str(None) as
// "None", which means the argument was not given.
func lettaParam(f *spanFacts, s slot) (string, bool) {
	v, ok := f.get(s)
	if !ok {
		return "", false
	}
	t := v.AsString()
	if t == "" || t == "None" {
		return "", false
	}
	return t, true
}

// lettaEnum reads a str-Enum member as @trace_method writes it:
// "ProviderCategory.byok" (str() of the member), or the repr
// <ProviderCategory.byok: 'byok'>, or the bare value, which Letta passes
// where it defaults (provider_category or "base").
func lettaEnum(t, classDot string) (string, error) {
	member := strings.TrimPrefix(t, classDot)
	if strings.HasPrefix(t, "<") {
		v, err := parsePyRepr(t)
		if err != nil {
			return "", err
		}
		m, ok := v.enumMember()
		if !ok || v.kind != pyEnum {
			return "", fmt.Errorf("want %s<member>, got %s", classDot, clipRepr(t))
		}
		member = m
	}
	if !isIdentifier(member) {
		return "", fmt.Errorf("want %s<member>, got %s", classDot, clipRepr(t))
	}
	return member, nil
}

func lettaStatus(t string) (step.Status, error) {
	m, err := lettaEnum(t, "StepStatus.")
	if err != nil {
		return "", err
	}
	return step.ParseStatus(m)
}

// lettaStopReason reads stop_reason as each StepManager method receives
// it: a LettaStopReason(...) repr on the success and error updates, the
// enum's str() "StopReasonType.end_turn" on update_step_stop_reason. The
// result is the lowercase StopReasonType value Letta stores; the caller
// checks it against step.StopReasons.
func lettaStopReason(t string) (string, error) {
	if strings.HasSuffix(t, ")") {
		v, err := parsePyRepr(t)
		if err != nil {
			return "", err
		}
		if v.kind != pyCall {
			return "", fmt.Errorf("want a LettaStopReason(...) repr, got %s", clipRepr(t))
		}
		sr, ok := v.field("stop_reason")
		if !ok || sr.kind == pyNone {
			return "", nil
		}
		m, ok := sr.enumMember()
		if !ok || !isIdentifier(m) {
			return "", fmt.Errorf("want a StopReasonType in stop_reason, got %s", clipRepr(sr.raw))
		}
		return strings.ToLower(m), nil
	}
	m, err := lettaEnum(t, "StopReasonType.")
	if err != nil {
		return "", err
	}
	return strings.ToLower(m), nil
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isNameStart(c) && !(i > 0 && isDigit(c)) {
			return false
		}
	}
	return true
}
