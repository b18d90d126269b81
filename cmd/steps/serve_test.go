package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/step"
)

func TestServePrintsItsURLAndServesLettasAPIUntilInterrupted(t *testing.T) {
	path := writeSQLite(t, stepAt("step-a", t0, "gpt-4o"), stepAt("step-b", t0.Add(1e9), "<script>x</script>"))
	t.Setenv(tokenEnv, "")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	code := make(chan int, 1)
	go func() {
		code <- runServeContext(ctx, []string{"--sqlite", path, "--listen", "127.0.0.1:0"}, &out, &errOut)
	}()
	url := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`)
	waitFor(t, "the printed URL", func() bool { return url.MatchString(out.String()) })
	base := url.FindString(out.String())

	resp, err := http.Get(base + "v1/steps/?order=asc")
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	var got []step.Step
	require.NoError(t, json.Unmarshal(b, &got))
	require.Len(t, got, 2)
	require.Equal(t, "step-a", got[0].ID)
	require.Equal(t, "<script>x</script>", got[1].Model)

	cancel()
	require.Equal(t, 0, <-code, errOut.String())
}

func TestServeRejectsBadFlagsWithTheFix(t *testing.T) {
	var out, errOut syncBuffer
	require.Equal(t, 2, runServeContext(context.Background(), nil, &out, &errOut))
	require.Contains(t, errOut.String(), "--sqlite PATH or --postgres DSN")
	errOut = syncBuffer{}
	path := writeSQLite(t, stepAt("step-a", t0, "m"))
	require.Equal(t, 2, runServeContext(context.Background(), []string{"--sqlite", path, "--listen", "8283"}, &out, &errOut))
	require.Contains(t, errOut.String(), "listen")
	errOut = syncBuffer{}
	require.Equal(t, 1, runServeContext(context.Background(), []string{"--sqlite", path + ".missing"}, &out, &errOut))
	require.Contains(t, errOut.String(), "--sqlite")
}
