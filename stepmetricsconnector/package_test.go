package stepmetricsconnector

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind, such
// as a flush loop that Shutdown did not stop.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
