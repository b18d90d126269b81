package step

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Set stores v into field f of s, converting it the way the field needs.
// Empty strings leave the field unset.
func (f *Field) Set(s *Step, v pcommon.Value) error {
	switch f.Kind {
	case KindString, KindErrorPart:
		t, err := StringFromValue(v)
		if err != nil || t == "" {
			return err
		}
		if err := checkVocabulary(f.Name, t); err != nil {
			return err
		}
		*f.str(s) = t
	case KindCount:
		n, err := CountFromValue(v)
		if err != nil {
			return err
		}
		*f.count(s) = Int(n)
	case KindTime:
		if v.Type() != pcommon.ValueTypeInt || v.Int() < 0 {
			return fmt.Errorf("want Unix nanoseconds as an int, got %s", v.AsString())
		}
		*f.tm(s) = Time(v.Int())
	case KindUSD:
		d, err := USDFromValue(v)
		if err != nil {
			return err
		}
		*f.usd(s) = USD(d)
	case KindStatus:
		st, err := ParseStatus(v.AsString())
		if err != nil {
			return err
		}
		s.Status = st
	case KindProgression:
		p, err := ParseProgression(v.AsString())
		if err != nil {
			return err
		}
		s.Progression = p
	case KindTags:
		tags, err := TagsFromValue(v)
		if err != nil {
			return err
		}
		s.Tags = unionTags(s.Tags, tags)
	}
	return nil
}

// put writes field f of s into m under key.
func (f *Field) put(m pcommon.Map, key string, s *Step) {
	switch f.Kind {
	case KindString, KindErrorPart:
		m.PutStr(key, *f.str(s))
	case KindCount:
		m.PutInt(key, **f.count(s))
	case KindTime:
		m.PutInt(key, int64(*f.tm(s)))
	case KindUSD:
		m.PutDouble(key, **f.usd(s))
	case KindStatus:
		m.PutStr(key, string(s.Status))
	case KindProgression:
		m.PutStr(key, string(s.Progression))
	case KindTags:
		sl := m.PutEmptySlice(key)
		sl.EnsureCapacity(len(s.Tags))
		for _, t := range s.Tags {
			sl.AppendEmpty().SetStr(t)
		}
	}
}

// Write puts the set fields of s on a span's attributes as step.* keys. The
// span becomes the step's anchor: the one span a person finds by step.id.
func Write(attrs pcommon.Map, s *Step) {
	n := 0
	for _, f := range Fields {
		if f.isSet(s) {
			n++
		}
	}
	// One allocation for all the new keys, rather than a growth per Put.
	attrs.EnsureCapacity(attrs.Len() + n)
	for _, f := range Fields {
		if f.isSet(s) {
			f.put(attrs, f.Key, s)
		}
	}
	putStages(attrs, StagesKey, s)
}

// AppendPatch adds s to the span's step.patches list, for a step anchored on
// another span.
func AppendPatch(attrs pcommon.Map, s *Step) {
	v, ok := attrs.Get(PatchesKey)
	var sl pcommon.Slice
	if ok && v.Type() == pcommon.ValueTypeSlice {
		sl = v.Slice()
	} else {
		sl = attrs.PutEmptySlice(PatchesKey)
	}
	m := sl.AppendEmpty().SetEmptyMap()
	for _, f := range Fields {
		if f.isSet(s) {
			f.put(m, f.Name, s)
		}
	}
	putStages(m, "stages", s)
}

// ErrNoID is returned for a patch without step.id / id.
var ErrNoID = errors.New("step patch has no id")

// Read returns the patches a span carries: its own step.* fields, if it is
// an anchor, then each entry of step.patches. A patch with a bad value is
// returned with an error that names the key, and does not stop the others.
// A value outside its field's vocabulary (ErrOutOfVocabulary) is left out
// with an error naming the key, and the rest of its patch is kept.
func Read(attrs pcommon.Map) (patches []Step, errs []error) {
	// Most spans carry no step.* key. Say so before readStep, whose anchor
	// escapes to the heap: a whole Step allocated per span otherwise.
	if !hasStepKey(attrs) {
		return nil, nil
	}
	return readStep(attrs)
}

// hasStepKey reports whether any key of attrs starts with Prefix.
func hasStepKey(attrs pcommon.Map) bool {
	for k := range attrs.All() {
		if len(k) >= len(Prefix) && k[:len(Prefix)] == Prefix {
			return true
		}
	}
	return false
}

func readStep(attrs pcommon.Map) (patches []Step, errs []error) {
	var anchor Step
	var anchorErr error
	var dropped []error
	var stage Stage
	var stages Stages
	found := false
	attrs.Range(func(k string, v pcommon.Value) bool {
		if len(k) < len(Prefix) || k[:len(Prefix)] != Prefix {
			return true
		}
		var err error
		switch k {
		case PatchesKey:
			p, e := readPatches(v)
			patches, errs = append(patches, p...), append(errs, e...)
			return true
		case StageKey:
			stage, err = stageFromValue(v)
		case StagesKey:
			stages, err = stagesFromValue(v)
		default:
			f, ok := byKey[k]
			if !ok {
				return true
			}
			found = true
			err = f.Set(&anchor, v)
		}
		switch {
		case err == nil:
		case errors.Is(err, ErrOutOfVocabulary):
			dropped = append(dropped, fmt.Errorf("%s: %w", k, err))
		case anchorErr == nil:
			anchorErr = fmt.Errorf("%s: %w", k, err)
		}
		return true
	})
	if !found {
		return patches, errs
	}
	for _, err := range dropped {
		errs = append(errs, withID(anchor.ID, err))
	}
	switch {
	case anchorErr != nil:
		errs = append(errs, withID(anchor.ID, anchorErr))
	case anchor.ID == "":
		errs = append(errs, ErrNoID)
	default:
		anchor.applyStage(stage, stages)
		patches = append([]Step{anchor}, patches...)
	}
	return patches, errs
}

func readPatches(v pcommon.Value) (out []Step, errs []error) {
	if v.Type() != pcommon.ValueTypeSlice {
		return nil, []error{fmt.Errorf("%s: want a list of maps, got a %s", PatchesKey, typeName(v.Type()))}
	}
	sl := v.Slice()
	for i := 0; i < sl.Len(); i++ {
		e := sl.At(i)
		if e.Type() != pcommon.ValueTypeMap {
			errs = append(errs, fmt.Errorf("%s[%d]: want a map, got a %s", PatchesKey, i, typeName(e.Type())))
			continue
		}
		var p Step
		var perr error
		var dropped []error
		var stage Stage
		var stages Stages
		e.Map().Range(func(k string, v pcommon.Value) bool {
			var err error
			switch k {
			case "stage":
				stage, err = stageFromValue(v)
			case "stages":
				stages, err = stagesFromValue(v)
			default:
				f, ok := byName[k]
				if !ok {
					return true
				}
				err = f.Set(&p, v)
			}
			if errors.Is(err, ErrOutOfVocabulary) {
				dropped = append(dropped, fmt.Errorf("%s[%d].%s: %w", PatchesKey, i, k, err))
				return true
			}
			if err != nil {
				perr = fmt.Errorf("%s[%d].%s: %w", PatchesKey, i, k, err)
				return false
			}
			return true
		})
		for _, err := range dropped {
			errs = append(errs, withID(p.ID, err))
		}
		switch {
		case perr != nil:
			errs = append(errs, withID(p.ID, perr))
		case p.ID == "":
			errs = append(errs, fmt.Errorf("%s[%d]: %w", PatchesKey, i, ErrNoID))
		default:
			p.applyStage(stage, stages)
			out = append(out, p)
		}
	}
	return out, errs
}

func withID(id string, err error) error {
	if id == "" {
		return err
	}
	return fmt.Errorf("step %s: %w", id, err)
}
