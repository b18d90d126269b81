package storetest

import (
	"fmt"

	"github.com/agentsteps/collector/step"
)

// BenchRecords returns n finalized full records, as the exporter hands a
// store, for the write-rate benchmarks of every backend. Error fields are
// left out so that every row takes the same path. Their ids are set by
// SetBenchIDs.
func BenchRecords(n int) []step.Step {
	out := make([]step.Step, n)
	for i := range out {
		r := FullRecord("")
		r.Status, r.ErrorType, r.ErrorData = step.StatusSuccess, "", nil
		r.Finalize()
		out[i] = r
	}
	return out
}

// SetBenchIDs gives the records ids of Letta's shape that are distinct per
// round, so a benchmark chooses between new rows and the merge path.
func SetBenchIDs(recs []step.Step, round int) {
	for i := range recs {
		recs[i].ID = fmt.Sprintf("step-%08x-0000-4000-8000-%012x", round, i)
	}
}
