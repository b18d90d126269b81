package stepprocessor

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.uber.org/zap"
)

var processorCapabilities = consumer.Capabilities{MutatesData: true}

// stepProcessor writes step.* attributes onto the spans that anchor steps
// and lets every span go on. With wait > 0 it holds each trace until no
// span of it has arrived for wait, then processes the trace as one window;
// with wait 0 each batch is a window of its own.
type stepProcessor struct {
	cfg    *Config
	logger *zap.Logger
	next   consumer.Traces
	ann    *annotator
	tel    *telemetry
	// unclaimedLog: the scopes whose unclaimed model-call spans are logged.
	unclaimedLog onceLog

	buf *traceBuffer // nil in the stateless mode
	// store keeps the held requests in the `storage` extension; nil
	// without one.
	store *heldStore
	id    component.ID
	sk    *skeletons // nil in the stateless mode or with no outlines kept
	// windowMu serialises the processing of released traces, which reads
	// and writes the outlines.
	windowMu sync.Mutex

	stop chan struct{}
	done sync.WaitGroup

	// contradictionLog: the emitters (scope name and version) whose token
	// contradictions are logged.
	contradictionLog onceLog
}

func newStepProcessor(set processor.Settings, cfg *Config, next consumer.Traces) (*stepProcessor, error) {
	p := &stepProcessor{cfg: cfg, logger: set.Logger, next: next, ann: newAnnotator(cfg), id: set.ID}
	var err error
	if p.ann.pricing, err = cfg.Pricing.Engine("pricing"); err != nil {
		return nil, err
	}
	if cfg.Wait > 0 {
		p.buf = newTraceBuffer(cfg.MaxTraces)
		if cfg.Skeletons.TTL > 0 && cfg.Skeletons.MaxSpans > 0 {
			p.sk = newSkeletons(cfg.Skeletons.TTL, cfg.Skeletons.MaxSpans)
		}
	}
	tel, err := newTelemetry(set.TelemetrySettings, func() int64 {
		if p.buf == nil {
			return 0
		}
		return int64(p.buf.len())
	})
	if err != nil {
		return nil, err
	}
	p.tel = tel
	return p, nil
}

func (p *stepProcessor) Capabilities() consumer.Capabilities { return processorCapabilities }

// Start opens the storage and takes back what it kept, then starts
// releasing.
func (p *stepProcessor) Start(ctx context.Context, host component.Host) error {
	if p.buf == nil {
		return nil
	}
	if p.cfg.Storage != nil {
		if err := p.openStore(ctx, host); err != nil {
			return err
		}
	}
	p.stop = make(chan struct{})
	p.done.Add(1)
	go p.releaseLoop()
	return nil
}

// Shutdown releases every held trace: nothing is dropped.
func (p *stepProcessor) Shutdown(ctx context.Context) error {
	p.stopLoop()
	if p.buf != nil {
		p.release(ctx, p.buf.takeAll(), false)
	}
	var err error
	if p.store != nil {
		err = p.store.close(ctx)
		p.store = nil
	}
	p.tel.shutdown()
	return err
}

func (p *stepProcessor) stopLoop() {
	if p.stop != nil {
		close(p.stop)
		p.done.Wait()
		p.stop = nil
	}
}

func (p *stepProcessor) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	if p.buf == nil {
		p.report(ctx, p.ann.annotate(td, nil))
		return p.next.ConsumeTraces(ctx, td)
	}
	var key uint64
	if p.store != nil && td.SpanCount() > 0 {
		var err error
		if key, err = p.store.put(ctx, td); err != nil {
			// Not held, so not acknowledged: the sender keeps the request.
			p.logger.Error("the request could not be kept in storage and is refused", zap.Stringer("storage", p.cfg.Storage), zap.Error(err))
			return fmt.Errorf("step processor: keeping the request in storage %q: %w", p.cfg.Storage, err)
		}
	}
	if early := p.buf.addKept(td, time.Now(), key); early.n > 0 {
		p.release(ctx, early, true)
	}
	return nil
}

// releaseLoop releases the traces whose wait is over. It ticks several
// times per wait so that a trace is held for wait plus at most a fifth.
func (p *stepProcessor) releaseLoop() {
	defer p.done.Done()
	tick := min(max(p.cfg.Wait/5, 5*time.Millisecond), time.Second)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case now := <-t.C:
			if due := p.buf.takeDue(now.Add(-p.cfg.Wait)); due.n > 0 {
				p.release(context.Background(), due, false)
			} else if p.sk != nil {
				// Quiet times still forget outlines past their TTL.
				p.windowMu.Lock()
				p.sk.evict()
				if p.store != nil {
					p.keepOutlines(context.Background())
				}
				p.windowMu.Unlock()
			}
		}
	}
}

// release processes the released traces as one window and sends them on.
func (p *stepProcessor) release(ctx context.Context, r released, early bool) {
	if r.n == 0 {
		return
	}
	out := r.td
	p.windowMu.Lock()
	res := p.ann.annotate(out, p.sk)
	if p.store != nil {
		p.keepOutlines(ctx)
	}
	p.windowMu.Unlock()
	p.report(ctx, res)
	p.tel.released.Add(ctx, int64(r.n))
	if early {
		p.tel.releasedEarly.Add(ctx, int64(r.n))
	}
	if err := p.next.ConsumeTraces(ctx, out); err != nil {
		p.tel.forwardErrors.Add(ctx, 1)
		p.logger.Error("the next consumer refused released traces", zap.Int("traces", r.n), zap.Error(err))
	}
	if p.store != nil {
		p.forget(ctx, r)
	}
}

func (p *stepProcessor) report(ctx context.Context, r result) {
	p.tel.record(ctx, r)
	for _, e := range r.problems {
		p.logger.Warn("malformed attribute left out of a step", zap.Error(e))
	}
	for i := range r.contradictions {
		c := &r.contradictions[i]
		if p.contradictionLog.first(c.scope + "\x00" + c.version) {
			p.logger.Warn("an emitter's token counts contradict each other; the step keeps them as recorded "+
				"(logged once per emitter, counted in otelcol_processor_step_token_contradictions)", c.fields()...)
		}
	}
	for _, u := range r.unclaimed {
		if !p.unclaimedLog.first(u.Scope) {
			continue
		}
		fields := []zap.Field{zap.String("otel.scope.name", u.Scope), zap.String("otel.scope.version", u.Version),
			zap.Strings("keys", u.Keys)}
		if s := suggestFields(u.Keys); s != "" {
			fields = append(fields, zap.String("suggested", s))
		}
		p.logger.Warn("spans that look like model calls match no convention and give no step; "+
			"map their keys under the processor's fields: to read them (logged once per instrumentation scope)", fields...)
	}
}
