package stepprocessor

import "go.opentelemetry.io/collector/pdata/ptrace"

// Annotate finds the steps in td, taken as one complete window, and writes
// them onto its spans, exactly as the processor does for a released trace.
// It is what `steps convert` runs: the whole input is present, so there is
// nothing to wait for. A nil cfg means the default config. It returns the
// malformed attributes it left out (the first few of them). Steps are
// priced as cfg.Pricing says (by default, from the embedded catalogue).
func Annotate(cfg *Config, td ptrace.Traces) []error {
	if cfg == nil {
		cfg = createDefaultConfig()
	}
	a := newAnnotator(cfg)
	var err error
	if a.pricing, err = cfg.Pricing.Engine("pricing"); err != nil {
		return []error{err}
	}
	return a.annotate(td, nil).problems
}

// NewDefaultConfig returns the processor's default config, for tools that
// run the processor's code outside a collector.
func NewDefaultConfig() *Config { return createDefaultConfig() }
