package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/agentsteps/collector/step"
)

var (
	selectSQL = "SELECT " + columnList(true) + " FROM steps"
	recentSQL = selectSQL + " ORDER BY start_time IS NULL, start_time DESC, id LIMIT ?"
	getSQL    = selectSQL + " WHERE id IN (SELECT value FROM json_each(?))"
)

// Recent returns up to limit records, the latest start_time first.
func (s *Store) Recent(ctx context.Context, limit int) ([]step.Step, error) {
	rows, err := s.db.QueryContext(ctx, recentSQL, limit)
	if err != nil {
		return nil, err
	}
	return scanSteps(rows)
}

// Get returns the records with these ids.
func (s *Store) Get(ctx context.Context, ids []string) ([]step.Step, error) {
	b, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, getSQL, string(b))
	if err != nil {
		return nil, err
	}
	return scanSteps(rows)
}

func scanSteps(rows *sql.Rows) ([]step.Step, error) {
	defer rows.Close()
	var out []step.Step
	dest := make([]any, len(columns))
	for rows.Next() {
		var s step.Step
		for i, c := range columns {
			dest[i] = c.scan(&s)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		// The row holds [] and {} for none; the record holds nil.
		if len(s.Tags) == 0 {
			s.Tags = nil
		}
		if len(s.Stages) == 0 {
			s.Stages = nil
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
