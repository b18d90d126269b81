package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestListRejectsInjectedIdentifiersBeforeConnecting: --table and --schema
// reach SQL as identifiers, so anything but a plain name is refused with
// the flag's name, before any connection (port 1 has no server: a
// connection attempt would fail with a dial error instead).
func TestListRejectsInjectedIdentifiersBeforeConnecting(t *testing.T) {
	const dsn = "postgres://steps:s3cr3t-pw@127.0.0.1:1/steps?sslmode=disable"
	for _, flag := range []string{"--table", "--schema"} {
		for _, name := range []string{
			"steps; DROP TABLE steps; --", `steps" CASCADE; --`, "steps'--", "public.steps", "st\x00eps", "stéps",
		} {
			code, stdout, stderr := runListArgs("--postgres", dsn, flag, name)
			require.NotEqual(t, 0, code, "%s %q", flag, name)
			require.Empty(t, stdout)
			require.Contains(t, stderr, flag[2:]+" ", "%s %q: %s", flag, name, stderr)
			require.Contains(t, stderr, "not a plain identifier", "%s %q: %s", flag, name, stderr)
			require.NotContains(t, stderr, "s3cr3t-pw")
		}
	}
}
