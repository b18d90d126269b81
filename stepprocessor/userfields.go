package stepprocessor

import (
	"errors"
	"sort"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/agentsteps/collector/step"
)

// userField is one `fields:` entry compiled: the record field and its keys
// in the user's order, span keys as slots of the key index.
type userField struct {
	field   *step.Field
	sources []userSource
	context bool // a field that steps inherit from ancestors
}

type userSource struct {
	slot     slot
	resource string // set for "resource." keys, read from the resource
}

// contextFields are the record fields that a span hands down to the steps
// beneath it.
var contextFields = map[string]bool{
	"agent_id": true, "run_id": true, "conversation_id": true, "user_id": true,
	"project_id": true, "organization_id": true, "tags": true,
}

func compileUserFields(ix *keyIndex, fields map[string][]string) []userField {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names) // a fixed order, so problems are reported the same way each time
	out := make([]userField, 0, len(names))
	for _, n := range names {
		f, _ := step.FieldByName(n)
		uf := userField{field: f, context: contextFields[n]}
		for _, k := range fields[n] {
			if r, ok := strings.CutPrefix(k, resourcePrefix); ok {
				uf.sources = append(uf.sources, userSource{resource: r})
			} else {
				uf.sources = append(uf.sources, userSource{slot: ix.add(k)})
			}
		}
		out = append(out, uf)
	}
	return out
}

// lookup returns the first of the field's keys that the span or its
// resource carries.
func (uf *userField) lookup(f *spanFacts) (pcommon.Value, string, bool) {
	for _, s := range uf.sources {
		if s.resource != "" {
			if v, ok := f.resource.Attributes().Get(s.resource); ok {
				return v, resourcePrefix + s.resource, true
			}
			continue
		}
		if v, ok := f.get(s.slot); ok {
			return v, f.ix.keys[s.slot], true
		}
	}
	return pcommon.Value{}, "", false
}

// applyUserFields lets the user's keys win over the built-in ones. Context
// fields go to the span's context, so that they reach the steps beneath it;
// the others go to the span's own patch. It reports whether any step field
// (not context) was found, which makes an otherwise unknown span a step:
// that is how emitters with non-standard keys are covered.
func applyUserFields(ufs []userField, f *spanFacts, out *finding) (stepField bool) {
	for i := range ufs {
		uf := &ufs[i]
		v, key, ok := uf.lookup(f)
		if !ok {
			continue
		}
		var tmp step.Step
		if err := uf.field.Set(&tmp, v); err != nil {
			out.problem(key, err)
			keepAsFinishReason(uf.field, v, err, out)
			continue
		}
		if uf.context {
			setContextFromStep(&out.ctx, &tmp, uf.field.Name)
			continue
		}
		stepField = true
		uf.field.Copy(&out.patch, &tmp)
	}
	return stepField
}

func setContextFromStep(c *stepContext, s *step.Step, name string) {
	switch name {
	case "agent_id":
		c.AgentID = s.AgentID
	case "run_id":
		c.RunID = s.RunID
	case "conversation_id":
		c.ConversationID = s.ConversationID
	case "user_id":
		c.UserID = s.UserID
	case "project_id":
		c.ProjectID = s.ProjectID
	case "organization_id":
		c.OrganizationID = s.OrganizationID
	case "tags":
		c.Tags = s.Tags
	}
}

// keepAsFinishReason keeps a stop_reason outside Letta's vocabulary
// ("stop", "length": a provider's finish reason) where such a value
// belongs, finish_reason_raw, unless the span recorded one itself.
func keepAsFinishReason(f *step.Field, v pcommon.Value, err error, out *finding) {
	if f.Name != "stop_reason" || !errors.Is(err, step.ErrOutOfVocabulary) || out.patch.FinishReasonRaw != "" {
		return
	}
	raw := strings.TrimSpace(v.AsString())
	out.patch.FinishReasonRaw = raw
	out.patch.FinishReason, _ = normFinish(raw)
}
