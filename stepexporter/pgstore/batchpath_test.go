package pgstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/storetest"
)

// Small batches travel as array parameters, large ones through COPY; both
// must store the same rows and merge the same way.
func TestSmallAndLargeBatchesStoreTheSameRows(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{1, arraysBelow - 1, arraysBelow, arraysBelow + 100} {
		s := openFresh(t)
		recs := storetest.BenchRecords(n)
		storetest.SetBenchIDs(recs, 7)
		res, err := s.Upsert(ctx, recs)
		require.NoError(t, err, "batch of %d", n)
		require.Equal(t, n, res.Inserted)

		// A second delivery with later parts merges into every row.
		later := make([]step.Step, n)
		for i := range later {
			later[i] = step.Step{ID: recs[i].ID, Status: step.StatusFailed, StopReason: "error"}
		}
		res, err = s.Upsert(ctx, later)
		require.NoError(t, err, "batch of %d", n)
		require.Equal(t, n, res.Merged)

		ids := []string{recs[0].ID, recs[n-1].ID}
		got, err := s.Get(ctx, ids)
		require.NoError(t, err)
		require.Len(t, got, len(uniq(ids)))
		for _, r := range got {
			want := recs[0]
			want.ID = r.ID
			want.Merge(&step.Step{ID: r.ID, Status: step.StatusFailed, StopReason: "error"})
			want.Finalize()
			require.Equal(t, want, r, "batch of %d", n)
		}
	}
}

func uniq(ids []string) map[string]bool {
	m := map[string]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}
