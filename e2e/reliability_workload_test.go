//go:build e2e && reliability && unix

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/stepexporter/store"
)

// largeRun is an OTLP/JSON file of many requests, each one line, that the
// tests replay with `steps replay` and convert with `steps convert`, so that
// the records expected are known id for id. `steps replay --repeat` would
// give the copies ids that nobody can convert afterwards.
type largeRun struct {
	path     string
	requests int // lines
	spans    int
}

// writeLargeRun writes requests lines. Each line holds copiesPerRequest
// copies of every fixture that has steps outside Letta, each copy with
// trace ids of its own (so its steps get ids of their own), plus one copy of
// each Letta fixture and of the fixtures without steps. Letta steps keep
// their step_id, so their copies merge into the same records; that is
// redelivery in every request. All lines of a fixture copy go into one
// request, so every trace arrives whole; the ordinary e2e test covers
// traces split across requests.
func writeLargeRun(t *testing.T, root, dir string, requests, copiesPerRequest int) largeRun {
	t.Helper()
	fixtures, err := filepath.Glob(filepath.Join(root, "testdata", "*", "*.otlp.json"))
	require.NoError(t, err)
	require.NotEmpty(t, fixtures)
	var bulk, once []ptrace.Traces
	for _, f := range fixtures {
		td := mergeBatches(readFixture(t, f))
		if strings.Contains(f, string(filepath.Separator)+"letta"+string(filepath.Separator)) || strings.HasPrefix(filepath.Base(f), "no_steps") {
			once = append(once, td)
		} else {
			bulk = append(bulk, td)
		}
	}
	run := largeRun{path: filepath.Join(dir, "large-run.otlp.json"), requests: requests}
	f, err := os.OpenFile(run.path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	require.NoError(t, err)
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	for range requests {
		line := ptrace.NewTraces()
		for c := 0; c < copiesPerRequest; c++ {
			for _, td := range bulk {
				appendRenamed(line, td)
			}
		}
		for _, td := range once {
			appendRenamed(line, td)
		}
		run.spans += line.SpanCount()
		b, err := (&ptrace.JSONMarshaler{}).MarshalTraces(line)
		require.NoError(t, err)
		_, err = w.Write(append(b, '\n'))
		require.NoError(t, err)
	}
	require.NoError(t, w.Flush())
	return run
}

func mergeBatches(batches []ptrace.Traces) ptrace.Traces {
	out := ptrace.NewTraces()
	for _, td := range batches {
		td.ResourceSpans().MoveAndAppendTo(out.ResourceSpans())
	}
	return out
}

// appendRenamed appends a copy of td to dst with fresh trace ids.
func appendRenamed(dst, td ptrace.Traces) {
	c := ptrace.NewTraces()
	td.CopyTo(c)
	renameTraces(c, map[pcommon.TraceID]pcommon.TraceID{})
	c.ResourceSpans().MoveAndAppendTo(dst.ResourceSpans())
}

// replayFailure is how `steps replay` reports a request that was not
// acknowledged: "steps replay: FILE:LINE (copy N): error".
var replayFailure = regexp.MustCompile(`steps replay: (.+):(\d+) \(copy \d+\): `)

// unacknowledged lists the lines of file that a replay run did not get
// acknowledged: those it reports as failed, and, when it gave up, every
// line after the last failure, which it never sent.
func unacknowledged(t *testing.T, output, file string, lines int, gaveUp bool) []int {
	t.Helper()
	var out []int
	for _, m := range replayFailure.FindAllStringSubmatch(output, -1) {
		require.Equal(t, file, m[1], "replay reported a failure of another file")
		n, err := strconv.Atoi(m[2])
		require.NoError(t, err)
		out = append(out, n)
	}
	if gaveUp {
		require.NotEmpty(t, out, "replay gave up without reporting a failed line:\n%s", output)
		for n := slices.Max(out) + 1; n <= lines; n++ {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// writeLines copies the given 1-based lines of src to a new file in dir.
func writeLines(t *testing.T, src, dir string, lines []int) string {
	t.Helper()
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	all := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	var buf bytes.Buffer
	for _, n := range lines {
		require.LessOrEqual(t, n, len(all))
		buf.Write(all[n-1])
		buf.WriteByte('\n')
	}
	path := filepath.Join(dir, "resend.otlp.json")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	return path
}

// tableRows counts the rows of a table, and the distinct ids among them.
func tableRows(t *testing.T, dsn, table string) (rows, ids int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	q := "SELECT count(*), count(DISTINCT id) FROM " + pgx.Identifier{"public", table}.Sanitize()
	require.NoError(t, conn.QueryRow(ctx, q).Scan(&rows, &ids))
	return rows, ids
}

// waitRows polls until the table holds at least want rows.
func waitRows(t *testing.T, c *collectorUnderTest, dsn, table string, want int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		rows, _ := tableRows(t, dsn, table)
		if rows >= want {
			return
		}
		if c.exited() {
			t.Fatalf("%s exited with %d of %d rows stored:\n%s", c.name, rows, want, c.output())
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d rows stored after %s", rows, want, timeout)
		}
		time.Sleep(time.Second)
	}
}

// requireStoredExactly waits until the table holds exactly the records
// `steps convert` gives for the run, compared field by field for every id,
// and no other row.
func requireStoredExactly(t *testing.T, c *collectorUnderTest, dsn, table string, want map[string]record, timeout time.Duration) {
	t.Helper()
	waitRows(t, c, dsn, table, len(want), timeout)
	pg := openPostgres(t, dsn, table)
	ids := idsOf(want)
	deadline := time.Now().Add(timeout)
	var got map[string]record
	for {
		got = readRecordsChunked(t, pg, ids)
		if recordsEqual(want, got) || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	var differ []string
	for _, id := range ids {
		if g, ok := got[id]; !ok || !recordsEqual(map[string]record{id: want[id]}, map[string]record{id: g}) {
			differ = append(differ, id)
		}
	}
	if len(differ) > 0 {
		id := differ[0]
		require.Equal(t, want[id], withoutStoreFields(map[string]record{id: got[id]})[id],
			"%d of %d records differ from steps convert; the first is %s", len(differ), len(want), id)
	}
	for id, r := range got {
		require.Equal(t, expectedTraceURL(r), r["trace_url"], "trace_url of %s", id)
	}
	rows, distinct := tableRows(t, dsn, table)
	require.Equal(t, len(want), rows, "the table holds rows that steps convert does not give")
	require.Equal(t, rows, distinct, "an id is stored twice")
}

// readRecordsChunked is readRecords for many ids, a few thousand at a time
// so that each query stays well inside its timeout.
func readRecordsChunked(t *testing.T, r store.Reader, ids []string) map[string]record {
	t.Helper()
	out := make(map[string]record, len(ids))
	for chunk := range slices.Chunk(ids, 5000) {
		maps.Copy(out, readRecords(t, r, chunk))
	}
	return out
}
