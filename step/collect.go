package step

import (
	"cmp"
	"fmt"
	"slices"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Collect reads the patches that the spans of td carry and merges them by
// id into records. It is how a consumer of the step.* contract sees the
// steps of a batch. A bad patch is reported, naming its trace and span,
// and the others still count.
func Collect(td ptrace.Traces, records map[string]*Step) (errs []error) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				sp := spans.At(k)
				patches, perrs := Read(sp.Attributes())
				for _, err := range perrs {
					errs = append(errs, fmt.Errorf("trace %s span %s: %w", sp.TraceID(), sp.SpanID(), err))
				}
				for p := range patches {
					MergeInto(records, &patches[p])
				}
			}
		}
	}
	return errs
}

// MergeInto merges p into the record with its id.
func MergeInto(records map[string]*Step, p *Step) {
	if r := records[p.ID]; r != nil {
		r.Merge(p)
		return
	}
	var r Step
	r.Merge(p)
	records[p.ID] = &r
}

// Sorted finalizes the records and orders them by start time, then id.
func Sorted(records map[string]*Step) []Step {
	out := make([]Step, 0, len(records))
	for _, r := range records {
		r.Finalize()
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b Step) int {
		return cmp.Or(cmp.Compare(a.StartTime, b.StartTime), cmp.Compare(a.ID, b.ID))
	})
	return out
}
