package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/agentsteps/collector/pricing"
	"github.com/agentsteps/collector/step"
)

// SetPricing makes every Upsert re-price the rows it merged into, from
// their merged provider, model, start time and tokens (step.Step.Price):
// a step whose model and usage arrive in different batches is priced as a
// whole. SQL cannot price, so this runs after the upsert, under row locks.
func (s *Store) SetPricing(e *pricing.Engine) { s.pricing = e }

var costColumns = []string{"cost_usd", "input_cost_usd", "output_cost_usd", "cost_source"}

func (s *Store) canPrice() bool {
	for _, c := range costColumns {
		if _, ok := s.target[c]; !ok {
			return false
		}
	}
	return s.pricing != nil
}

// reprice re-prices the rows of ids and writes back the costs (and a
// context_window_limit from the catalogue) that changed, in the upsert's
// transaction. The upsert locked the rows, so a concurrent batch's
// re-pricing runs after this one commits, on the row as it left it.
func (s *Store) reprice(ctx context.Context, tx pgx.Tx, ids []string) error {
	if len(ids) == 0 || !s.canPrice() {
		return nil
	}
	_, hasWindow := s.target["context_window_limit"]
	return func() error {
		rows, err := tx.Query(ctx, s.plan.selectSQL+` WHERE "id" = ANY($1) ORDER BY "id" FOR UPDATE`, ids)
		if err != nil {
			return err
		}
		recs, err := pgx.CollectRows(rows, s.scanStep)
		if err != nil {
			return err
		}
		var uid, src []string
		var total, in, out []*float64
		var window []*int64
		for i := range recs {
			r := &recs[i]
			before := *r
			r.PriceCost(s.pricing)
			if sameCost(&before, r) && (!hasWindow || before.ContextWindowLimit != nil || r.ContextWindowLimit == nil) {
				continue
			}
			uid, src = append(uid, r.ID), append(src, r.CostSource)
			total, in, out = append(total, r.CostUSD), append(in, r.InputCostUSD), append(out, r.OutputCostUSD)
			window = append(window, r.ContextWindowLimit)
		}
		if len(uid) == 0 {
			return nil
		}
		set := `"cost_usd" = u.c, "input_cost_usd" = u.i, "output_cost_usd" = u.o, "cost_source" = nullif(u.s, '')::` + s.target["cost_source"].typ
		if hasWindow {
			set += `, "context_window_limit" = COALESCE(t."context_window_limit", u.w::` + s.target["context_window_limit"].typ + ")"
		}
		_, err = tx.Exec(ctx, fmt.Sprintf(`UPDATE %s AS t SET %s
FROM unnest($1::text[], $2::float8[], $3::float8[], $4::float8[], $5::text[], $6::bigint[]) AS u(id, c, i, o, s, w)
WHERE t."id" = u.id`, s.table, set), uid, total, in, out, src, window)
		return err
	}()
}

func sameCost(a, b *step.Step) bool {
	eq := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.CostSource == b.CostSource && eq(a.CostUSD, b.CostUSD) && eq(a.InputCostUSD, b.InputCostUSD) && eq(a.OutputCostUSD, b.OutputCostUSD)
}
