package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/store"
)

var _ store.StepReader = (*Store)(nil)

// listKey is List's sort key: orderKey on a table of ours, created_at on
// Letta's, which has no start_time.
func (s *Store) listKey() string {
	if _, ok := s.target["start_time"]; ok {
		return orderKey
	}
	return `"created_at"`
}

// List returns the records q selects (store.StepReader).
func (s *Store) List(ctx context.Context, q store.Query) ([]step.Step, error) {
	text, args, err := s.listSQL(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, text, args...)
	if err != nil {
		return nil, s.classify(err)
	}
	out, err := pgx.CollectRows(rows, s.scanStep)
	if err != nil {
		return nil, s.classify(err)
	}
	if q.Before != "" && q.After == "" {
		slices.Reverse(out) // read backward from the cursor
	}
	return out, nil
}

// listSQL is List's statement and its arguments. Each filter is a constant
// fragment with a parameter; only which fragments are used depends on the
// query, never their text. A cursor's sort key is read here.
func (s *Store) listSQL(ctx context.Context, q store.Query) (string, []any, error) {
	key := s.listKey()
	ours := !lettaTable(s.target) // Letta's table has no prefix indexes, only ix_steps_run_id on the column
	var where []string
	var args []any
	add := func(frag string, a ...any) {
		for _, v := range a {
			args = append(args, v)
			frag = strings.Replace(frag, "$?", fmt.Sprintf("$%d", len(args)), 1)
		}
		where = append(where, frag)
	}
	for _, f := range []struct{ col, v string }{{"agent_id", q.AgentID}, {"run_id", q.RunID},
		{"model", q.Model}, {"project_id", q.ProjectID}, {"feedback", q.Feedback},
		{"conversation_id", q.ConversationID}, {"provider_name", q.ProviderName}, {"finish_reason", q.FinishReason}} {
		switch {
		case f.v == "":
		case !ours || !slices.Contains(prefixFilters, f.col):
			add(quote(f.col)+" = $?", f.v)
		case len(f.v) < prefixChars:
			// The order index holds prefixKey (indexes.go). A value of fewer
			// bytes (so fewer characters) than the prefix equals the column
			// exactly when it equals its prefix, and the planner's statistics
			// of the index expression then price the one condition right.
			add(prefixKey(quote(f.col))+" = $?", f.v)
		default:
			col := quote(f.col)
			add(prefixKey(col)+" = "+prefixKey("$?")+" AND "+col+" = $?", f.v, f.v)
		}
	}
	if c := s.target["status"]; q.Status != "" && c.enum {
		// Letta's enum holds member names. Compared as the enum, with the
		// value itself, so that the planner prices it and the status order
		// index serves; a name the enum lacks matches nothing.
		if label := strings.ToUpper(q.Status); slices.Contains(s.statusLabels, label) {
			add(`"status" = $?::`+c.typ, label)
		} else {
			where = append(where, "FALSE")
		}
	} else if q.Status != "" {
		add(`"status"::text = upper($?)`, q.Status)
	}
	if q.HasFeedback != nil {
		// The same as on the column, in the order index's terms, so that it
		// can serve when feedback is rare.
		col := `"feedback"`
		if ours {
			col = prefixKey(col)
		}
		where = append(where, col+map[bool]string{true: ` IS NOT NULL`, false: ` IS NULL`}[*q.HasFeedback])
	}
	switch {
	case len(q.TraceIDs) == 0:
	case !ours:
		add(`"trace_id" = ANY($?::text[])`, q.TraceIDs)
	case !slices.ContainsFunc(q.TraceIDs, func(id string) bool { return len(id) >= prefixChars }):
		add(prefixKey(`"trace_id"`)+` = ANY($?::text[])`, q.TraceIDs) // as a short filter value above
	default:
		add(prefixKey(`"trace_id"`)+` = ANY(ARRAY(SELECT `+prefixKey("v")+` FROM unnest($?::text[]) v)) AND "trace_id" = ANY($?::text[])`,
			q.TraceIDs, q.TraceIDs)
	}
	if len(q.Tags) > 0 {
		b, _ := json.Marshal(q.Tags) // strings: cannot fail
		add(`"tags"::jsonb @> $?::jsonb`, string(b))
	}
	if !q.Start.IsZero() {
		add(key+" > $?", q.Start)
	}
	if !q.End.IsZero() {
		add(key+" < $?", q.End)
	}
	for _, c := range []struct {
		id    string
		after bool
	}{{q.After, true}, {q.Before, false}} {
		if c.id == "" {
			continue
		}
		var t time.Time
		err := s.pool.QueryRow(ctx, "SELECT "+key+" FROM "+s.table+` WHERE "id" = $1`, c.id).Scan(&t)
		if errors.Is(err, pgx.ErrNoRows) {
			return "", nil, store.ErrUnknownCursor
		}
		if err != nil {
			return "", nil, s.classify(err)
		}
		op := "<"
		if c.after == q.Ascending {
			op = ">"
		}
		add("("+key+`, "id") `+op+" ($?::timestamptz, $?::text)", t, c.id)
	}
	backward := q.Before != "" && q.After == ""
	text := s.plan.selectSQL
	if len(where) > 0 {
		text += " WHERE " + strings.Join(where, " AND ")
	}
	dir := " DESC"
	if q.Ascending != backward {
		dir = ""
	}
	args = append(args, max(q.Limit, 1))
	text += fmt.Sprintf(` ORDER BY %s%s, "id"%s LIMIT $%d`, key, dir, dir, len(args))
	return text, args, nil
}

// SetFeedback sets a step's feedback and tags (store.StepReader). On a
// table of ours it stamps feedback_set_at, which makes the upsert keep the
// feedback; Letta's table keeps any feedback once set anyway.
func (s *Store) SetFeedback(ctx context.Context, id, feedback string, tags []string) (bool, error) {
	var fb *string
	if feedback != "" {
		fb = &feedback
	}
	args := []any{fb}
	sets := []string{`"feedback" = $1`}
	if _, ok := s.target["feedback_set_at"]; ok {
		sets = append(sets, `"feedback_set_at" = now()`)
	}
	if _, ok := s.target["updated_at"]; ok {
		sets = append(sets, `"updated_at" = now()`)
	}
	if c, ok := s.target["tags"]; ok && tags != nil {
		b, _ := json.Marshal(slices.Compact(slices.Sorted(slices.Values(tags)))) // strings: cannot fail
		args = append(args, string(b))
		sets = append(sets, `"tags" = $2::text::`+c.typ)
	}
	args = append(args, id)
	tag, err := s.pool.Exec(ctx, "UPDATE "+s.table+" SET "+strings.Join(sets, ", ")+fmt.Sprintf(` WHERE "id" = $%d`, len(args)), args...)
	if err != nil {
		return false, s.classify(err)
	}
	return tag.RowsAffected() > 0, nil
}

// readEnumLabels returns the labels of the enum typ (format_type).
func readEnumLabels(ctx context.Context, pool *pgxpool.Pool, typ string) ([]string, error) {
	rows, err := pool.Query(ctx, "SELECT enumlabel FROM pg_enum WHERE enumtypid = $1::regtype", typ)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
