package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/store"
)

// followWindow is how many of the latest records (by start_time) each poll
// of `steps list --follow` reads. A step stored with an older start time
// than all of them is not shown; replayed fixtures and live agents both
// land well inside it.
const followWindow = 10_000

// emptyStoreHint says why a store may look empty right after traces were
// sent, and what to do about it.
func emptyStoreHint(source string) string {
	return fmt.Sprintf("steps list: no steps in %s yet. The collector holds each trace for the step "+
		"processor's `wait` after its last span (2s in config.yaml, which make run uses), then batches "+
		"for up to 200ms before writing: list again in a few seconds, or watch with --follow.\n", source)
}

// follow prints records as they are stored, like tail -f: first the latest
// o.limit records, oldest first, then every record that is new or whose
// row changed since the last poll (a Letta step stored as pending and
// updated to success is printed again). It returns when ctx ends, with nil.
func follow(ctx context.Context, r store.Reader, o listOptions, stdout, stderr io.Writer) error {
	seen := map[string]string{}
	first := true
	var header bool
	for {
		records, err := r.Recent(ctx, max(o.limit, followWindow))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if first && len(records) > o.limit {
			// Only the latest o.limit are printed at start; the rest count
			// as seen so that they are not printed later.
			for _, rec := range records[o.limit:] {
				seen[rec.ID] = fingerprint(rec)
			}
			records = records[:o.limit]
		}
		fresh := changed(records, seen)
		if first && len(fresh) == 0 {
			fmt.Fprint(stderr, emptyStoreHint(o.source()))
		}
		first = false
		if len(fresh) > 0 {
			if o.asJSON {
				err = writeJSONLines(stdout, fresh)
			} else {
				err = writeRows(stdout, fresh, !header)
				header = true
			}
			if err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(o.interval):
		}
	}
}

// changed returns the records that are new or differ from what seen holds,
// oldest first, and records them in seen.
func changed(records []step.Step, seen map[string]string) []step.Step {
	var out []step.Step
	for _, rec := range records {
		fp := fingerprint(rec)
		if seen[rec.ID] == fp {
			continue
		}
		seen[rec.ID] = fp
		out = append(out, rec)
	}
	slices.Reverse(out) // Recent is newest first; a tail prints oldest first
	return out
}

// fingerprint is a record's whole JSON form: any change to the row shows.
func fingerprint(rec step.Step) string {
	b, _ := json.Marshal(&rec)
	return string(b)
}
