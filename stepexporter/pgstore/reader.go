package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/agentsteps/collector/step"
)

// Recent returns up to limit records, the latest start_time first (rows
// without one last), then by id so that the order is stable.
func (s *Store) Recent(ctx context.Context, limit int) ([]step.Step, error) {
	order := `"id" DESC`
	if _, ok := s.target["start_time"]; ok {
		order = `"start_time" DESC NULLS LAST, ` + order
	} else if _, ok := s.target["created_at"]; ok {
		order = `"created_at" DESC, ` + order // Letta's table before our columns
	}
	return s.query(ctx, s.plan.selectSQL+" ORDER BY "+order+" LIMIT $1", limit)
}

// Get returns the records with these ids; unknown ids are left out.
func (s *Store) Get(ctx context.Context, ids []string) ([]step.Step, error) {
	return s.query(ctx, s.plan.selectSQL+` WHERE "id" = ANY($1)`, ids)
}

func (s *Store) query(ctx context.Context, sql string, arg any) ([]step.Step, error) {
	rows, err := s.pool.Query(ctx, sql, arg)
	if err != nil {
		return nil, s.classify(err)
	}
	out, err := pgx.CollectRows(rows, s.scanStep)
	if err != nil {
		return nil, s.classify(err)
	}
	return out, nil
}

func (s *Store) scanStep(row pgx.CollectableRow) (step.Step, error) {
	dest := make([]any, len(s.plan.cols))
	texts := make([]*string, len(s.plan.cols))
	counts := make([]*int64, len(s.plan.cols))
	times := make([]*time.Time, len(s.plan.cols))
	for i, c := range s.plan.cols {
		switch c.kind {
		case kindCount, kindTotal, kindStartNanos, kindEndNanos:
			dest[i] = &counts[i]
		case kindStart, kindEnd:
			dest[i] = &times[i]
		default:
			dest[i] = &texts[i]
		}
	}
	var st step.Step
	if err := row.Scan(dest...); err != nil {
		return st, err
	}
	for i, c := range s.plan.cols {
		if c.kind == kindStartNanos || c.kind == kindEndNanos {
			continue // added to their times below
		}
		if err := decodeColumn(&st, c, texts[i], counts[i], times[i]); err != nil {
			return st, fmt.Errorf("step %s: column %s: %w", st.ID, c.name, err)
		}
	}
	for i, c := range s.plan.cols {
		if counts[i] == nil {
			continue
		}
		switch {
		case c.kind == kindStartNanos && st.StartTime != 0:
			st.StartTime += step.Time(*counts[i])
		case c.kind == kindEndNanos && st.EndTime != 0:
			st.EndTime += step.Time(*counts[i])
		}
	}
	return st, nil
}

func decodeColumn(st *step.Step, c column, text *string, count *int64, t *time.Time) error {
	switch c.kind {
	case kindCount, kindTotal:
		*c.count(st) = count
		return nil
	case kindStart, kindEnd:
		var v step.Time
		if t != nil {
			v = step.Time(t.UnixNano())
		}
		if c.kind == kindStart {
			st.StartTime = v
		} else {
			st.EndTime = v
		}
		return nil
	}
	if text == nil || *text == "" {
		return nil
	}
	var err error
	switch c.kind {
	case kindString, kindCostSource:
		*c.str(st) = *text
	case kindUSD:
		var f float64
		if f, err = strconv.ParseFloat(*text, 64); err == nil {
			*c.usd(st) = step.USD(f)
		}
	case kindStatus:
		st.Status, err = step.ParseStatus(*text)
	case kindProgression:
		st.Progression, err = step.ParseProgression(*text)
	case kindTags:
		if err = json.Unmarshal([]byte(*text), &st.Tags); err == nil && len(st.Tags) == 0 {
			st.Tags = nil
		}
	case kindErrorData:
		st.ErrorData, err = decodeErrorData(*text)
	case kindPromptDetails:
		err = decodeDetails(*text, &st.PromptTokensDetails)
	case kindCompletionDetails:
		err = decodeDetails(*text, &st.CompletionTokensDetails)
	case kindStages:
		if err = json.Unmarshal([]byte(*text), &st.Stages); err == nil && len(st.Stages) == 0 {
			st.Stages = nil
		}
	}
	return err
}

// decodeDetails reads a details object; JSON null or {} is no details.
func decodeDetails[T comparable](text string, dst **T) error {
	if text == "null" {
		return nil
	}
	var v T
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return err
	}
	var zero T
	if v != zero {
		*dst = &v
	}
	return nil
}
