package step

import (
	"fmt"
	"maps"
	"slices"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Stage is the point in a step's life at which a source wrote a value. A
// source that updates a value it wrote earlier (Letta's auto mode logs the
// stored model, then writes the model the router chose) gives the update a
// later stage, and the merge lets a later stage win whatever the values.
// 0 is unstaged: the value comes from a source that writes it once.
type Stage uint8

// Letta's stages (letta/services/step_manager.py): the pending INSERT
// (log_step_async), then update_step_resolved_model_async, then the
// success, error or cancel update, then update_step_stop_reason, which the
// agent loop's finally block calls after a step has finished
// (letta_agent_v3.py).
const (
	StageLogged   Stage = 1
	StageResolved Stage = 2
	StageFinal    Stage = 3
	StageStopped  Stage = 4
)

// Stages holds the stage of each staged field that has a value, by field
// name. A field without an entry is at stage 0. Only string fields other
// than id are staged (Field.Staged): counts only grow in every source
// known, and status, progression, times and tags have their own order;
// error_data's parts are written by one update only.
type Stages map[string]Stage

// StagesKey carries Stages on a span, as a map of field name to int. In a
// step.patches entry the key is "stages".
const StagesKey = Prefix + "stages"

// StageKey gives, as an int, the stage of every staged field of the patch
// that StagesKey does not name: the simple form for a source whose whole
// span is one stage. In a step.patches entry the key is "stage".
const StageKey = Prefix + "stage"

// Staged reports whether the merge orders f's values by stage first.
func (f *Field) Staged() bool { return f.staged }

// stagedList holds the staged fields in record order, so that SetStage
// visits only them. Building it marks each Field's staged flag.
var stagedList = func() []*Field {
	var out []*Field
	for _, f := range Fields {
		if f.staged = stagedFields[f.Name]; f.staged {
			out = append(out, f)
		}
	}
	return out
}()

// stagedFields are the string fields that Merge, and each backend's SQL,
// order by stage first. A field added to Fields is unstaged until it is
// listed here and merged with merging.str.
var stagedFields = map[string]bool{
	"origin": true, "organization_id": true, "provider_id": true, "run_id": true, "agent_id": true,
	"provider_name": true, "provider_category": true, "model": true, "model_endpoint": true,
	"stop_reason": true, "tid": true, "trace_id": true, "request_id": true, "feedback": true,
	"project_id": true, "error_type": true, "model_handle": true, "span_id": true, "service_name": true,
	"conversation_id": true, "user_id": true, "finish_reason": true, "finish_reason_raw": true, "source": true,
}

// Stage returns the stage of field name's value in s.
func (s *Step) Stage(name string) Stage { return s.Stages[name] }

// SetStage puts every set staged field of s at stage st. It is how a
// recogniser says at which stage a span's patch was written.
func (s *Step) SetStage(st Stage) {
	s.Stages = nil
	if st == 0 {
		return
	}
	n := 0
	for _, f := range stagedList {
		if f.isSet(s) {
			n++
		}
	}
	if n == 0 {
		return
	}
	s.Stages = make(Stages, n)
	for _, f := range stagedList {
		if f.isSet(s) {
			s.Stages[f.Name] = st
		}
	}
}

// tidyStages drops entries for fields that are unset or not staged, so a
// stage always describes a value, and leaves nil for no entries.
func (s *Step) tidyStages() {
	for name, st := range s.Stages {
		if f, ok := byName[name]; !ok || st == 0 || !f.Staged() || !f.isSet(s) {
			delete(s.Stages, name)
		}
	}
	if len(s.Stages) == 0 {
		s.Stages = nil
	}
}

// putStages writes the stages of s into sm, field name to stage.
func putStages(sm pcommon.Map, s *Step) {
	sm.EnsureCapacity(len(s.Stages))
	for _, name := range slices.Sorted(maps.Keys(s.Stages)) {
		sm.PutInt(name, int64(s.Stages[name]))
	}
}

// stageFromValue reads one stage: an int from 0 to 255.
func stageFromValue(v pcommon.Value) (Stage, error) {
	if v.Type() != pcommon.ValueTypeInt || v.Int() < 0 || v.Int() > 255 {
		return 0, fmt.Errorf("want a stage as an int from 0 to 255, got %s", v.AsString())
	}
	return Stage(v.Int()), nil
}

// stagesFromValue reads a map of field name to stage. A name that is not
// a staged field is an error naming it.
func stagesFromValue(v pcommon.Value) (Stages, error) {
	if v.Type() != pcommon.ValueTypeMap {
		return nil, fmt.Errorf("want a map of field name to stage, got a %s", typeName(v.Type()))
	}
	out := Stages{}
	var err error
	v.Map().Range(func(k string, sv pcommon.Value) bool {
		f, ok := byName[k]
		if !ok || !f.Staged() {
			err = fmt.Errorf("%s is not a staged field (staged: the string fields but id)", k)
			return false
		}
		st, e := stageFromValue(sv)
		if e != nil {
			err = fmt.Errorf("%s: %w", k, e)
			return false
		}
		out[k] = st
		return true
	})
	return out, err
}

// applyStage completes what was read: the patch-wide stage covers the
// staged fields without their own entry.
func (s *Step) applyStage(st Stage, own Stages) {
	s.Stages = own
	if st != 0 {
		for _, f := range Fields {
			if _, has := own[f.Name]; !has && f.Staged() && f.isSet(s) {
				if s.Stages == nil {
					s.Stages = Stages{}
				}
				s.Stages[f.Name] = st
			}
		}
	}
	s.tidyStages()
}
