//go:build e2e && unix

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/stepexporter/sqlitestore"
	"github.com/agentsteps/collector/stepexporter/store"
)

// record is a Step as a JSON object, so that records from different
// sources compare field by field with the names a user sees.
type record = map[string]any

// storeOnlyFields are filled by the exporter and never by steps convert.
var storeOnlyFields = []string{"trace_url"}

// convertFixtures runs `steps convert` over all fixtures at once, as one
// window, which is what the collector sees when they are replayed within
// the processor's wait.
func convertFixtures(t *testing.T, steps, root string, fixtures []string) map[string]record {
	t.Helper()
	out := runCommand(t, root, 2*time.Minute, steps, append([]string{"convert"}, fixtures...)...)
	want := map[string]record{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		var r record
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r), "steps convert output line %d", n)
		id, _ := r["id"].(string)
		require.NotEmpty(t, id, "steps convert output line %d has no id", n)
		// A map lookup: require.NotContains walks the keys, which is
		// quadratic over the reliability tests' 50,000 records.
		_, twice := want[id]
		require.False(t, twice, "steps convert gave id %s twice", id)
		want[id] = r
	}
	require.NoError(t, sc.Err())
	return want
}

func idsOf(records map[string]record) []string {
	return slices.Sorted(maps.Keys(records))
}

// readRecords reads the records with these ids, keyed by id.
func readRecords(t *testing.T, r store.Reader, ids []string) map[string]record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	steps, err := r.Get(ctx, ids)
	require.NoError(t, err)
	out := make(map[string]record, len(steps))
	for i := range steps {
		b, err := json.Marshal(&steps[i])
		require.NoError(t, err)
		var rec record
		require.NoError(t, json.Unmarshal(b, &rec))
		out[steps[i].ID] = rec
	}
	return out
}

func countRecords(t *testing.T, r store.Reader) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	steps, err := r.Recent(ctx, 1_000_000)
	require.NoError(t, err)
	return len(steps)
}

func withoutStoreFields(records map[string]record) map[string]record {
	out := make(map[string]record, len(records))
	for id, r := range records {
		c := maps.Clone(r)
		for _, f := range storeOnlyFields {
			delete(c, f)
		}
		out[id] = c
	}
	return out
}

func recordsEqual(want, got map[string]record) bool {
	return reflect.DeepEqual(want, withoutStoreFields(got))
}

// expectedTraceURL is the exporter's trace_url template filled for r.
func expectedTraceURL(r record) any {
	traceID, _ := r["trace_id"].(string)
	if traceID == "" {
		return nil
	}
	return strings.ReplaceAll(traceURLTemplate, "{trace_id}", traceID)
}

func openSQLite(t *testing.T, path string) store.Reader {
	t.Helper()
	cfg := sqlitestore.NewDefaultConfig()
	cfg.Path = path
	s, err := sqlitestore.Open(context.Background(), cfg)
	require.NoError(t, err, "open %s", path)
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}
