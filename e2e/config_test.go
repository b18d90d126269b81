//go:build e2e && unix

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func builtCollector(t *testing.T) string {
	t.Helper()
	collector := filepath.Join(repoRoot(t), "_build", "otelcol-steps")
	if _, err := os.Stat(collector); err != nil {
		prerequisite(t, fmt.Sprintf("%s is missing (%v); build it with `make build`", collector, err))
	}
	return collector
}

// validate runs `otelcol-steps validate` in the repository, with env added
// to the test's environment.
func validate(t *testing.T, env []string, configs ...string) (string, error) {
	t.Helper()
	args := []string{"validate"}
	for _, c := range configs {
		args = append(args, "--config", c)
	}
	cmd := exec.Command(builtCollector(t), args...)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestRunConfigIsValid guards `make run`: the README's first command must
// start the collector with config.yaml as it is.
func TestRunConfigIsValid(t *testing.T) {
	out, err := validate(t, []string{"JAEGER_ENDPOINT="}, "config.yaml")
	require.NoError(t, err, out)
}

func TestJaegerOverlayIsValidWithAnEndpoint(t *testing.T) {
	out, err := validate(t, []string{"JAEGER_ENDPOINT=127.0.0.1:14317"}, "config.yaml", "config.jaeger.yaml")
	require.NoError(t, err, out)
}
