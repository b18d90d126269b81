package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/agentsteps/collector/pricing"
	"github.com/agentsteps/collector/step"
)

// addedColumns are the columns added after the first schema, with their
// types; Open adds those an older file lacks.
var addedColumns = [][2]string{
	{"cost_usd", "REAL"}, {"input_cost_usd", "REAL"}, {"output_cost_usd", "REAL"}, {"cost_source", "TEXT"},
}

// addColumns adds the addedColumns that an older file lacks.
func addColumns(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "SELECT name FROM pragma_table_info('steps')")
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		have[n] = true
	}
	rows.Close()
	for _, c := range addedColumns {
		if !have[c[0]] {
			if _, err := db.ExecContext(ctx, fmt.Sprintf("ALTER TABLE steps ADD COLUMN %s %s", c[0], c[1])); err != nil {
				return fmt.Errorf("add column %s: %w", c[0], err)
			}
		}
	}
	return rows.Err()
}

// SetPricing makes every Upsert re-price the rows it wrote from their
// merged provider, model, start time and tokens (step.Step.Price), in the
// same transaction: a step whose model and usage arrive in different
// batches is priced as a whole. SQL cannot price, so this follows the
// upsert for rows that were there before; a new row is its record, priced
// before it is written.
func (s *Store) SetPricing(e *pricing.Engine) { s.pricing = e }

const repriceSQL = `UPDATE steps SET cost_usd = ?, input_cost_usd = ?, output_cost_usd = ?, cost_source = ?,
  context_window_limit = coalesce(context_window_limit, ?) WHERE id = ?`

// reprice prices the merged rows with these ids again.
func (s *Store) reprice(ctx context.Context, tx *sql.Tx, ids []string) error {
	if s.pricing == nil || len(ids) == 0 {
		return nil
	}
	idsJSON, _ := json.Marshal(ids)
	rows, err := tx.QueryContext(ctx, getSQL, string(idsJSON))
	if err != nil {
		return err
	}
	recs, err := scanSteps(rows)
	if err != nil {
		return err
	}
	for i := range recs {
		r := &recs[i]
		before := *r
		r.PriceCost(s.pricing)
		if sameCost(&before, r) && (before.ContextWindowLimit != nil || r.ContextWindowLimit == nil) {
			continue
		}
		if _, err := tx.ExecContext(ctx, repriceSQL, usdArg(r.CostUSD), usdArg(r.InputCostUSD), usdArg(r.OutputCostUSD),
			nullText(r.CostSource), nullCount(r.ContextWindowLimit), r.ID); err != nil {
			return err
		}
	}
	return nil
}

func usdArg(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

func sameCost(a, b *step.Step) bool {
	eq := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.CostSource == b.CostSource && eq(a.CostUSD, b.CostUSD) &&
		eq(a.InputCostUSD, b.InputCostUSD) && eq(a.OutputCostUSD, b.OutputCostUSD)
}
