package stepexporter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/agentsteps/collector/pricing"
	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/store"
)

type stepExporter struct {
	cfg      *Config
	set      exporter.Settings
	logger   *zap.Logger
	tel      *telemetry
	traceURL *traceURL
	store    store.Store
	pricing  *pricing.Engine // nil: pricing off
}

func newStepExporter(set exporter.Settings, cfg *Config) (*stepExporter, error) {
	tu, err := parseTraceURL(cfg.TraceURL)
	if err != nil {
		return nil, err
	}
	tel, err := newTelemetry(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	prices, err := cfg.Pricing.Engine("pricing")
	if err != nil {
		return nil, err
	}
	return &stepExporter{cfg: cfg, set: set, logger: set.Logger, tel: tel, traceURL: tu, pricing: prices}, nil
}

func (e *stepExporter) start(ctx context.Context, host component.Host) error {
	if err := checkQueueStorage(e.cfg, host); err != nil {
		return err
	}
	s, err := openStore(ctx, e.cfg, host, e.set.TelemetrySettings)
	if err != nil {
		return err
	}
	// Stores that merge (SQL, the file on read) re-price the merged row.
	if p, ok := s.(interface{ SetPricing(*pricing.Engine) }); ok && e.pricing != nil {
		p.SetPricing(e.pricing)
	}
	e.store = s
	return nil
}

func (e *stepExporter) shutdown(ctx context.Context) error {
	if e.store == nil {
		return nil
	}
	return e.store.Close(ctx)
}

// pushTraces turns one batch of spans into records, one per step id, and
// writes them with one Upsert. A patch that does not parse is logged and
// counted, and the rest of the batch goes on.
func (e *stepExporter) pushTraces(ctx context.Context, td ptrace.Traces) error {
	records, rejected := e.collect(td)
	if rejected > 0 {
		e.tel.rejected.Add(ctx, int64(rejected))
	}
	if len(records) == 0 {
		return nil
	}
	res, err := e.store.Upsert(ctx, records)
	if written := res.Inserted + res.Merged; written > 0 {
		e.tel.written.Add(ctx, int64(written))
		if res.Merged > 0 {
			e.tel.merged.Add(ctx, int64(res.Merged))
		}
	}
	if err != nil && consumererror.IsPermanent(err) {
		// The store kept what it could; the rest is bad data that no retry fixes.
		lost := len(records) - res.Inserted - res.Merged
		e.tel.rejected.Add(ctx, int64(lost))
		e.logger.Error("step records rejected by the backend", zap.Int("records", lost), zap.Error(err))
	}
	return err
}

// collect reads the step.* patches of every span and merges them by id.
func (e *stepExporter) collect(td ptrace.Traces) ([]step.Step, int) {
	byID := map[string]*step.Step{}
	errs := step.Collect(td, byID)
	dropped := 0
	for _, err := range errs {
		if errors.Is(err, step.ErrOutOfVocabulary) {
			// The value is left out; the rest of its patch is kept.
			e.logger.Warn("step value outside Letta's vocabulary left out", zap.Error(err))
			continue
		}
		dropped++
		e.logger.Warn("bad step patch dropped", zap.Error(err))
	}
	records := make([]step.Step, 0, len(byID))
	for _, r := range byID {
		r.Finalize()
		r.PriceCost(e.pricing) // a batch's record may be one part of its step
		if e.traceURL != nil {
			r.TraceURL = e.traceURL.fill(r)
		}
		records = append(records, *r)
	}
	// A fixed order makes concurrent batches lock rows in the same order.
	slices.SortFunc(records, func(a, b step.Step) int { return strings.Compare(a.ID, b.ID) })
	return records, dropped
}

// checkQueueStorage names the missing extension, which exporterhelper's own
// error ("no storage client extension found") does not.
func checkQueueStorage(cfg *Config, host component.Host) error {
	q := cfg.QueueConfig.Get()
	if q == nil || q.StorageID == nil {
		return nil
	}
	if _, ok := host.GetExtensions()[*q.StorageID]; !ok {
		return fmt.Errorf("sending_queue::storage: extension %s is not running (declare it under extensions: and list it in service::extensions)", q.StorageID)
	}
	return nil
}

var errNoBackend = errors.New("set exactly one of sqlite, postgres, file, http")
