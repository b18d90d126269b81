package pgstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"

	"github.com/agentsteps/collector/step"
)

func batch(n, size int) []step.Step {
	out := make([]step.Step, size)
	for i := range out {
		out[i] = step.Step{ID: fmt.Sprintf("step-%04d-%04d", n, i), Model: "m", PromptTokens: step.Int(int64(i)),
			Status: step.StatusSuccess, StartTime: step.Time(1_700_000_000_000_000_000 + n*1000 + i)}
	}
	return out
}

// requireAllRows checks that every record of every batch is stored once.
func requireAllRows(t *testing.T, s *Store, batches int, size int) {
	t.Helper()
	var ids []string
	for n := range batches {
		for _, r := range batch(n, size) {
			ids = append(ids, r.ID)
		}
	}
	got, err := s.Get(context.Background(), ids)
	require.NoError(t, err)
	require.Len(t, got, len(ids))
}

func TestTerminatedConnectionsFailRetryablyAndTheNextCallRecovers(t *testing.T) {
	dsn := testDSN(t)
	app := fmt.Sprintf("pgstore_test_%x", rand.Uint32())
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	cfg := testConfig(dsn+sep+"application_name="+app, freshSchema(t, dsn))
	s := openStore(t, cfg)
	ctx := context.Background()
	_, err := s.Upsert(ctx, batch(0, 50))
	require.NoError(t, err)

	var killed int
	require.NoError(t, adminConn(t, dsn).QueryRow(ctx,
		"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", app).Scan(&killed))
	require.Positive(t, killed)

	_, err = s.Upsert(ctx, batch(1, 50))
	require.Error(t, err, "the pool's connection was killed under it")
	require.False(t, consumererror.IsPermanent(err), "a lost connection is worth a retry: %v", err)
	_, err = s.Upsert(ctx, batch(1, 50))
	require.NoError(t, err, "the retry gets a new connection")
	requireAllRows(t, s, 2, 50)
}

// privateServer runs scripts/pg.sh on a port of its own, so that stopping
// it cannot disturb other packages' tests on the shared server.
type privateServer struct {
	t    *testing.T
	port string
}

func (p privateServer) run(cmd string) string {
	p.t.Helper()
	c := exec.Command(filepath.Join("..", "..", "scripts", "pg.sh"), cmd)
	c.Env = append(os.Environ(), "AGENTSTEPS_PG_PORT="+p.port)
	out, err := c.Output()
	var stderr string
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = string(ee.Stderr)
	}
	require.NoError(p.t, err, "scripts/pg.sh %s: %s", cmd, stderr)
	return strings.TrimSpace(string(out))
}

func TestServerStoppedMidStreamIsRetryableAndNoRecordIsLost(t *testing.T) {
	testDSN(t) // same gate: skip or fail as the shared server does
	port := os.Getenv("AGENTSTEPS_PG_RESTART_PORT")
	if port == "" {
		port = "25439"
	}
	srv := privateServer{t: t, port: port}
	srv.run("start")
	t.Cleanup(func() { srv.run("destroy") })
	dsn := srv.run("dsn")

	s := openStore(t, testConfig(dsn, freshSchema(t, dsn)))
	ctx := context.Background()
	const batches, size = 8, 200
	retries := 0
	for n := range batches {
		if n == 3 {
			srv.run("stop")
			_, err := s.Upsert(ctx, batch(n, size))
			require.Error(t, err)
			require.False(t, consumererror.IsPermanent(err), "a server that is down is worth a retry: %v", err)
			go func() { time.Sleep(500 * time.Millisecond); srv.run("start") }()
		}
		// What exporterhelper's retry_on_failure does, with a short interval.
		deadline := time.Now().Add(60 * time.Second)
		for {
			_, err := s.Upsert(ctx, batch(n, size))
			if err == nil {
				break
			}
			require.False(t, consumererror.IsPermanent(err), "batch %d: %v", n, err)
			require.True(t, time.Now().Before(deadline), "batch %d never went in: %v", n, err)
			retries++
			time.Sleep(200 * time.Millisecond)
		}
	}
	require.Positive(t, retries)
	requireAllRows(t, s, batches, size)
	var rows int
	require.NoError(t, s.pool.QueryRow(ctx, "SELECT count(*) FROM "+s.table).Scan(&rows))
	require.Equal(t, batches*size, rows, "each record exactly once")
}
