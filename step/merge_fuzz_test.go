package step

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

// patchReader turns fuzzed bytes into a patch. Values come from small
// pools so that patches conflict often, which is where a merge rule that
// depends on order would show.
type patchReader struct{ data []byte }

func (r *patchReader) byte() byte {
	if len(r.data) == 0 {
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

var (
	fuzzStrings      = []string{"", "a", "b", "B", "ab", "step-1", "\xff", " a"}
	fuzzStatuses     = []Status{"", StatusPending, StatusSuccess, StatusFailed, StatusCancelled, "bogus"}
	fuzzProgressions = []Progression{"", ProgressionStart, ProgressionStreamReceived, ProgressionResponseReceived,
		ProgressionStepLogged, ProgressionLoggedTrace, ProgressionFinished, "bogus"}
)

func (r *patchReader) str() string { return fuzzStrings[int(r.byte())%len(fuzzStrings)] }

// count is unset, a small count, or any count in the valid range: Read
// never lets a count past maxCount into a patch.
func (r *patchReader) count() *int64 {
	switch r.byte() % 3 {
	case 0:
		return nil
	case 1:
		return Int(int64(r.byte()))
	}
	var b [8]byte
	for i := range b {
		b[i] = r.byte()
	}
	return Int(int64(binary.LittleEndian.Uint64(b[:]) % (maxCount + 1)))
}

func (r *patchReader) patch() Step {
	var s Step
	for _, f := range Fields {
		if r.byte()%2 == 0 {
			continue
		}
		switch f.Kind {
		case KindString, KindErrorPart:
			if v := r.str(); v != "" {
				*f.str(&s) = v
				// A stage from a small pool too, so that stages tie and
				// cross the order of the values.
				if st := Stage(r.byte() % 4); st != 0 && f.Staged() {
					if s.Stages == nil {
						s.Stages = Stages{}
					}
					s.Stages[f.Name] = st
				}
			}
		case KindCount:
			*f.count(&s) = r.count()
		case KindTime:
			*f.tm(&s) = Time(r.byte()) * 1e9
		case KindUSD:
			*f.usd(&s) = USD(float64(r.byte()) / 7)
		case KindStatus:
			s.Status = fuzzStatuses[int(r.byte())%len(fuzzStatuses)]
		case KindProgression:
			s.Progression = fuzzProgressions[int(r.byte())%len(fuzzProgressions)]
		case KindTags:
			for range r.byte() % 4 {
				s.Tags = append(s.Tags, r.str())
			}
		}
	}
	return s
}

func merged(ps ...Step) Step {
	var s Step
	for i := range ps {
		s.Merge(&ps[i])
	}
	s.Finalize()
	return s
}

// mergedOwned is merged through MergeOwned, into a record only it writes.
func mergedOwned(ps ...Step) Step {
	var s Step
	for i := range ps {
		s.MergeOwned(&ps[i])
	}
	s.Finalize()
	return s
}

func finalized(s Step) Step {
	s.Finalize()
	return s
}

// FuzzMergeIsCommutativeAndIdempotent merges fuzzed patches in different
// orders and numbers and expects one record every time, as the design
// requires of patches that arrive in any order, more than once.
func FuzzMergeIsCommutativeAndIdempotent(f *testing.F) {
	ps := lettaPatches()
	for i := range ps {
		f.Add([]byte{byte(i), 1, 3, 1, 2}, []byte{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, []byte{byte(i)})
	}
	f.Add([]byte{}, []byte{}, []byte{})
	f.Add([]byte{1, 0, 1, 2, 1, 3}, []byte{1, 5, 1, 4, 1, 3}, []byte{1, 7, 1, 6})
	f.Fuzz(func(t *testing.T, da, db, dc []byte) {
		a := (&patchReader{da}).patch()
		b := (&patchReader{db}).patch()
		c := (&patchReader{dc}).patch()

		ab := merged(a, b)
		require.Equal(t, ab, merged(b, a), "commutative")
		require.Equal(t, ab, merged(a, b, a, b, b), "idempotent")
		require.Equal(t, merged(a), merged(a, a), "a patch merged with itself")
		require.Equal(t, merged(a, b, c), merged(c, a, b), "order of three")
		require.Equal(t, merged(a, b, c), merged(a, merged(b, c)), "associative")
		require.Equal(t, merged(a, b, c, a), mergedOwned(a, b, c, a), "MergeOwned merges as Merge")
		require.Equal(t, merged(c, b, a), mergedOwned(c, b, a), "MergeOwned leaves the patches as they were")
		require.Equal(t, ab, merged(finalized(a), finalized(b)), "Finalize commutes with Merge")
		require.Equal(t, ab, finalized(ab), "Finalize is idempotent")
		require.Equal(t, max(StatusRank(a.Status), StatusRank(b.Status)), StatusRank(ab.Status), "status only moves forward")
		require.Equal(t, max(ProgressionRank(a.Progression), ProgressionRank(b.Progression)), ProgressionRank(ab.Progression),
			"progression only moves forward")
		for _, f := range Fields {
			if !f.Staged() || !f.isSet(&a) || !f.isSet(&b) {
				continue
			}
			sa, sb := a.Stage(f.Name), b.Stage(f.Name)
			switch {
			case sa > sb:
				require.Equal(t, *f.str(&a), *f.str(&ab), "%s: the later stage wins", f.Name)
			case sb > sa:
				require.Equal(t, *f.str(&b), *f.str(&ab), "%s: the later stage wins", f.Name)
			default:
				require.Equal(t, max(*f.str(&a), *f.str(&b)), *f.str(&ab), "%s: equal stages keep the fixed rule", f.Name)
			}
			require.Equal(t, max(sa, sb), ab.Stage(f.Name), "%s: the record remembers the winning stage", f.Name)
		}
	})
}
