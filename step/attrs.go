package step

import (
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/xpdata"
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

// set stores field f of s into v, which it overwrites.
func (f *Field) set(v pcommon.Value, s *Step) {
	switch f.Kind {
	case KindString, KindErrorPart:
		v.SetStr(*f.str(s))
	case KindCount:
		v.SetInt(**f.count(s))
	case KindTime:
		v.SetInt(int64(*f.tm(s)))
	case KindUSD:
		v.SetDouble(**f.usd(s))
	case KindStatus:
		v.SetStr(string(s.Status))
	case KindProgression:
		v.SetStr(string(s.Progression))
	case KindTags:
		sl := v.SetEmptySlice()
		sl.EnsureCapacity(len(s.Tags))
		for _, t := range s.Tags {
			sl.AppendEmpty().SetStr(t)
		}
	}
}

// Write puts the set fields of s on a span's attributes as step.* keys. The
// span becomes the step's anchor: the one span a person finds by step.id.
// A step.* key the span already carries is replaced when s sets its field,
// and kept otherwise.
//
// The keys are appended through an xpdata.MapBuilder rather than Put: each
// Put first scans the whole map for its key, which made an anchor's 25 or
// so keys quadratic (a quarter of the processor's time on model-call
// spans). The span's own pairs are moved across, not copied. Strings and
// numbers read from the span before Write stay valid; a pcommon.Value
// taken from its attributes before is emptied.
func Write(attrs pcommon.Map, s *Step) { write(attrs, s, true) }

// WriteNew is Write for a span that carries no step.* key, as its caller
// has seen while reading its keys: it appends without reading them again
// (a cache miss per key on an anchor read long before). On a span that
// does carry one, the key would appear twice.
func WriteNew(attrs pcommon.Map, s *Step) { write(attrs, s, false) }

func write(attrs pcommon.Map, s *Step, carries bool) {
	var buf [maxFields]*Field
	set := setFields(s, &buf)
	var mb xpdata.MapBuilder
	mb.EnsureCapacity(attrs.Len() + pairsOf(s, set))
	for k, v := range attrs.All() {
		if !carries || !replaces(s, k) {
			v.MoveTo(mb.AppendEmpty(k))
		}
	}
	appendFields(&mb, s, set, true)
	mb.UnsafeIntoMap(attrs)
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
	var buf [maxFields]*Field
	set := setFields(s, &buf)
	var mb xpdata.MapBuilder
	mb.EnsureCapacity(pairsOf(s, set))
	appendFields(&mb, s, set, false)
	mb.UnsafeIntoMap(sl.AppendEmpty().SetEmptyMap())
}

// maxFields bounds Fields, so that the set ones fit an array on the
// writer's stack (TestFieldsFitTheWriteBuffer).
const maxFields = 64

// setFields gathers the fields s sets, in Fields order, into buf: each
// field is asked once, where counting the pairs and then appending them
// asked twice.
func setFields(s *Step, buf *[maxFields]*Field) []*Field {
	set := buf[:0]
	for _, f := range Fields {
		if f.isSet(s) {
			set = append(set, f)
		}
	}
	return set
}

// pairsOf is how many pairs appendFields appends for s and its set fields.
func pairsOf(s *Step, set []*Field) int {
	if len(s.Stages) > 0 {
		return len(set) + 1
	}
	return len(set)
}

// appendFields appends the set fields of s (setFields), and its stages,
// under their span keys (step.*) or, in a patch, their record names. Each
// field has one key, so no key is appended twice.
func appendFields(mb *xpdata.MapBuilder, s *Step, set []*Field, anchor bool) {
	for _, f := range set {
		k := f.Name
		if anchor {
			k = f.Key
		}
		f.set(mb.AppendEmpty(k), s)
	}
	if len(s.Stages) > 0 {
		k := "stages"
		if anchor {
			k = StagesKey
		}
		putStages(mb.AppendEmpty(k).SetEmptyMap(), s)
	}
}

// replaces reports whether Write of s writes key k, which the span
// carries already.
func replaces(s *Step, k string) bool {
	if !strings.HasPrefix(k, Prefix) {
		return false
	}
	if k == StagesKey {
		return len(s.Stages) > 0
	}
	f, ok := byKey[k]
	return ok && f.isSet(s)
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
		if strings.HasPrefix(k, Prefix) {
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
		if !strings.HasPrefix(k, Prefix) {
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
