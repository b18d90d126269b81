// Package store is what every step backend implements. The exporter knows
// backends only through it.
package store

import (
	"context"

	"github.com/agentsteps/collector/step"
)

// Store writes step records.
type Store interface {
	// Upsert merges records into the store by id with the rule of
	// step.Step.Merge followed by Finalize: a row already present is merged,
	// never duplicated or regressed, whatever the order and however often a
	// record arrives. The records of one call have distinct ids.
	// An error wrapped with consumererror.NewPermanent means retrying cannot
	// help; any other error means the backend is unavailable and the whole
	// call may be retried.
	Upsert(ctx context.Context, records []step.Step) (Result, error)
	// Close releases the backend's connections and files.
	Close(ctx context.Context) error
}

// Result counts what an Upsert did.
type Result struct {
	Inserted int // new ids
	Merged   int // ids that were already present
}

// Reader reads records back, for `steps list` and for tests.
type Reader interface {
	// Recent returns up to limit records, the latest start_time first.
	Recent(ctx context.Context, limit int) ([]step.Step, error)
	// Get returns the records with these ids, in no particular order.
	Get(ctx context.Context, ids []string) ([]step.Step, error)
}
