// Package store is what every step backend implements. The exporter knows
// backends only through it.
package store

import (
	"context"
	"errors"
	"time"

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

// Query selects records for Letta's GET /v1/steps/ and the page. Every
// field is optional; set fields narrow the answer (AND). Records are
// ordered by (start_time, id), rows without a start_time first; Letta
// orders by created_at, which our rows take from the step's start.
type Query struct {
	AgentID, RunID, Model, ProjectID string
	// Beyond Letta's filters, for the page: equal to these.
	ConversationID, ProviderName, Status, FinishReason string
	// Feedback is "positive" or "negative"; HasFeedback, when set, keeps
	// the rows with (true) or without (false) any feedback.
	Feedback    string
	HasFeedback *bool
	TraceIDs    []string // any of these
	Tags        []string // all of these
	// Start and End bound start_time, both exclusive as in Letta; zero is
	// unbounded.
	Start, End time.Time
	// After and Before are step ids: the answer holds the records that
	// come after (before) that record in the requested order. An id that
	// is not stored gives ErrUnknownCursor.
	After, Before string
	Limit         int  // at least 1
	Ascending     bool // oldest first; Letta's default is newest first
}

// ErrUnknownCursor says a Query's After or Before names no stored step.
var ErrUnknownCursor = errors.New("cursor names no stored step")

// StepReader is what `steps serve` needs of a store.
type StepReader interface {
	Reader
	// List returns the records Query selects, in its order, at most
	// Limit. With Before and no After, it returns the Limit records
	// nearest before the cursor, still in the requested order.
	List(ctx context.Context, q Query) ([]step.Step, error)
	// SetFeedback sets the step's feedback ("" clears it) and, when tags
	// is not nil, replaces its tags, as Letta's PATCH .../feedback does.
	// Feedback set here wins over any later merge from spans. It reports
	// false when no step has this id.
	SetFeedback(ctx context.Context, id, feedback string, tags []string) (bool, error)
}
