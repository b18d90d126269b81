package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/store"
)

// Incompressible is n bytes of hex that no compression shrinks, so that
// PostgreSQL's limit on an index entry (about 2.7 kB) is really met.
func Incompressible(n int) string {
	var b strings.Builder
	sum := sha256.Sum256(nil)
	for b.Len() < n {
		sum = sha256.Sum256(sum[:])
		b.WriteString(hex.EncodeToString(sum[:]))
	}
	return b.String()[:n]
}

// LongText is 10 kB: far over a PostgreSQL btree entry.
const LongText = 10 << 10

// testLongValues: a record whose filtered strings are 10 kB each is
// stored, and each filter finds it, and only it: a second record shares
// all but the last byte of every value, and a third has short values.
func testLongValues(t *testing.T, open OpenList) {
	s, r := open(t)
	long := Incompressible(LongText)
	other := long[:len(long)-1] + "!"
	mk := func(id string, v string, i int) step.Step {
		at := ListBase + step.Time(i)*step.Time(1e9)
		rec := step.Step{ID: id, AgentID: "agent-" + v, RunID: "run-" + v, Model: v, ProjectID: "project-" + v,
			ConversationID: "conv-" + v, ProviderName: "provider-" + v, FinishReason: "reason-" + v, Feedback: "fb-" + v,
			TraceID: v, Tags: []string{"tag-" + v}, Status: step.StatusSuccess, StartTime: at, EndTime: at + 1e6}
		rec.Finalize()
		return rec
	}
	recs := []step.Step{mk(fakeID(1), long, 1), mk(fakeID(2), other, 2), mk(fakeID(3), "short", 3)}
	res, err := s.Upsert(context.Background(), recs)
	require.NoError(t, err)
	require.Equal(t, store.Result{Inserted: 3}, res)
	for _, v := range []string{long, other, "short"} {
		for _, q := range []store.Query{{AgentID: "agent-" + v}, {RunID: "run-" + v}, {Model: v}, {ProjectID: "project-" + v},
			{ConversationID: "conv-" + v}, {ProviderName: "provider-" + v}, {FinishReason: "reason-" + v},
			{Feedback: "fb-" + v}, {TraceIDs: []string{v}}, {Tags: []string{"tag-" + v}}} {
			q.Limit = 10
			want, _ := Want(recs, q)
			require.Len(t, want, 1)
			got, err := r.List(context.Background(), q)
			require.NoError(t, err)
			require.Equal(t, want, got, "the record whose values begin %.12q", v)
		}
	}
}
