package stepmetricsconnector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepmetricsconnector/internal/metrics"
)

type kv struct{ k, v string }

type stepMetrics struct {
	cfg    *Config
	logger *zap.Logger
	next   consumer.Metrics
	now    func() time.Time

	mu         sync.Mutex
	memory     *stepMemory
	tokenUsage *metrics.Histograms
	duration   *metrics.Histograms
	stepCount  *metrics.Sums
	stepTokens *metrics.Sums
	stepCost   *metrics.Sums
	// rejected counts bad patches since start (logged at debug level).
	rejected int

	// Built once from the config, so the per-span path is a plain walk.
	idKey    string
	extra    []Dimension
	extraKey []string
	exclude  map[string]bool
	keys     keyTable

	sc    scan
	check step.Step // where Field.Set checks fields the metrics do not read
	// checkUsed says check holds values of an earlier span.
	checkUsed bool
	kvs       []kv   // the current series' attributes, reused
	key       []byte // the current series key, reused
	// baseN and baseKeyLen are the base attributes' count in kvs and
	// length in key: the prefix every series of the step shares.
	baseN, baseKeyLen int
	attrsFn           metrics.Attrs // c.putAttrs, made once rather than per call
	families          map[string]*family
	lastFamily        *family // the family of the last step counted

	stop chan struct{}
	wg   sync.WaitGroup
}

func newConnector(logger *zap.Logger, cfg *Config, next consumer.Metrics, now func() time.Time) *stepMetrics {
	limits := metrics.Limits{Cardinality: cfg.AggregationCardinalityLimit}
	if cfg.Exemplars.Enabled {
		limits.Exemplars = cfg.Exemplars.MaxPerDataPoint
	}
	idField, _ := step.FieldByName("id")
	c := &stepMetrics{
		cfg: cfg, logger: logger, next: next, now: now,
		memory:     newStepMemory(cfg.StepMemory.MaxSteps), // >= 1 by Validate
		tokenUsage: metrics.NewHistograms(tokenUsageBuckets, limits),
		duration:   metrics.NewHistograms(durationBuckets, limits),
		stepCount:  metrics.NewSums(limits, true),
		stepTokens: metrics.NewSums(limits, true),
		stepCost:   metrics.NewSums(limits, false),
		idKey:      idField.Key,
		extra:      cfg.Dimensions,
		exclude:    map[string]bool{},
		keys:       newKeyTable(cfg.Dimensions),
		families:   map[string]*family{},
		stop:       make(chan struct{}),
	}
	c.attrsFn = c.putAttrs
	c.sc.extra = make([]string, len(cfg.Dimensions))
	for _, d := range cfg.Dimensions {
		f, _ := step.FieldByName(d.Name)
		c.extraKey = append(c.extraKey, f.Key)
	}
	for _, k := range cfg.ExcludeDimensions {
		c.exclude[k] = true
	}
	return c
}

func (c *stepMetrics) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

// Start flushes the metrics every metrics_flush_interval.
func (c *stepMetrics) Start(context.Context, component.Host) error {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		t := time.NewTicker(c.cfg.MetricsFlushInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				c.flush(context.Background())
			case <-c.stop:
				return
			}
		}
	}()
	return nil
}

// Shutdown stops the flushes and sends what was counted since the last.
func (c *stepMetrics) Shutdown(ctx context.Context) error {
	select {
	case <-c.stop:
		return nil
	default:
	}
	close(c.stop)
	c.wg.Wait()
	c.flush(ctx)
	return nil
}

// ConsumeTraces counts the steps the spans carry. A bad patch is logged and
// skipped; it never fails the batch, and the batch is never refused.
func (c *stepMetrics) ConsumeTraces(_ context.Context, td ptrace.Traces) error {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				c.consumeSpan(spans.At(k), now)
			}
		}
	}
	return nil
}

// scan is what one walk over a span's attributes found.
type scan struct {
	hasID   bool // step.id, whatever its value
	patches bool // step.patches
	err     error
	id      string
	idHash  uint64  // stepMemory.hash(id)
	rec     stepRec // the anchor's fields that the metrics read
	cost    pcommon.Value
	hasCost bool
	extra   []string
	prev    int32 // the slot of the last step.* key (keyTable.find)
}

// consumeSpan skips a span with neither step.id nor step.patches, and
// walks the attributes of any other once. An anchor's step.* fields are
// read with step.Read's rules (each field as Field.Set converts it): a bad
// value or a missing id rejects the anchor; a value outside its field's
// vocabulary is left out. A span with step.patches goes through step.Read
// itself (the rare path).
//
// One pass over the span's keys finds both: most spans carry no step, and
// for them the pass only compares each key's first bytes with "step.".
// step.* fields without step.id or step.patches count nowhere (step.Read
// rejects them), and are not logged as rejected either.
func (c *stepMetrics) consumeSpan(sp ptrace.Span, now time.Time) {
	attrs := sp.Attributes()
	started := false
	for k, v := range attrs.All() {
		// The one branch taken for nearly every key is the same, so the
		// processor runs ahead to the next keys' memory while this one's
		// bytes are on their way (a filter by key length, whose outcome
		// varies key to key, was slower).
		if len(k) <= len(step.Prefix) || k[:len(step.Prefix)] != step.Prefix {
			continue
		}
		if !started {
			c.startScan()
			started = true
		}
		c.scanAttr(k, v)
	}
	if !started || !c.sc.hasID && !c.sc.patches {
		return
	}
	if c.sc.patches {
		c.consumeRead(sp, attrs, now)
		return
	}
	if c.sc.err == nil && c.sc.id == "" {
		c.sc.err = step.ErrNoID
	}
	if c.sc.err != nil {
		c.reject(sp, c.sc.err)
		return
	}
	st := c.stateHashed(c.sc.id, c.sc.idHash, now)
	st.rec.merge(&c.sc.rec)
	c.anchor(st, sp, c.sc.extra)
	if c.sc.hasCost {
		c.mergeCost(st, c.sc.cost)
	}
	c.count(st, now)
}

// startScan forgets what the walk found on the span before.
func (c *stepMetrics) startScan() {
	c.sc.hasID, c.sc.patches, c.sc.err, c.sc.hasCost, c.sc.id = false, false, nil, false, ""
	c.sc.rec, c.sc.prev = stepRec{}, c.keys.start()
	if c.checkUsed {
		c.check, c.checkUsed = step.Step{}, false
	}
	clear(c.sc.extra)
}

// scanAttr reads one step.* key of the walk (consumeSpan). The
// fields the metrics read are converted here as Field.Set converts them
// (none of them has a vocabulary); any other field is only checked, by
// the coercer Set would use or by Set itself (keyTable's slot kinds).
// The common value types are read inline; any other goes through the
// step package's coercer, which also words the error.
func (c *stepMetrics) scanAttr(k string, v pcommon.Value) {
	i, ok := c.keys.find(c.sc.prev, k)
	if !ok {
		return
	}
	c.sc.prev = i
	sl := &c.keys.slots[i]
	if sl.extra >= 0 {
		c.sc.extra[sl.extra] = v.AsString()
	}
	var err error
	switch sl.kind {
	case slotStr:
		if v.Type() == pcommon.ValueTypeStr {
			c.sc.rec.str[sl.to] = v.Str()
		} else {
			c.sc.rec.str[sl.to], err = step.StringFromValue(v)
		}
	case slotCount:
		var n int64
		if n, err = step.CountFromValue(v); err == nil {
			c.sc.rec.tokens[sl.to], c.sc.rec.has[sl.to] = n, true
		}
	case slotCheckText:
		if !textType(v.Type()) {
			_, err = step.StringFromValue(v)
		}
	case slotStart, slotEnd:
		if v.Type() != pcommon.ValueTypeInt || v.Int() < 0 {
			err = sl.f.Set(&c.check, v) // its error
			c.checkUsed = true
		} else if sl.kind == slotStart {
			c.sc.rec.start = step.Time(v.Int())
		} else {
			c.sc.rec.end = step.Time(v.Int())
		}
	case slotID:
		c.sc.hasID = true
		if v.Type() == pcommon.ValueTypeStr {
			c.sc.id = v.Str()
		} else {
			c.sc.id, err = step.StringFromValue(v)
		}
		// Hashed now rather than in state: the read of the id's bytes,
		// which waits on memory, overlaps the walk of the keys after it.
		c.sc.idHash = c.memory.hash(c.sc.id)
	case slotStatus:
		c.sc.rec.status, err = parseStatus(v)
	case slotCheckCount:
		_, err = step.CountFromValue(v)
	case slotCheckUSD:
		_, err = step.USDFromValue(v)
	case slotCheckProgression:
		err = checkProgression(v)
	case slotCheckTags:
		err = checkTags(v)
	case slotCost:
		c.sc.cost, c.sc.hasCost = v, true
	case slotPatches:
		c.sc.patches = true
	default:
		err = sl.f.Set(&c.check, v)
		c.checkUsed = true
	}
	if err != nil {
		c.scanError(k, err)
	}
}

// scanError keeps the walk's first error, but for a value outside its
// field's vocabulary, which step.Read leaves out, keeping the anchor.
func (c *stepMetrics) scanError(k string, err error) {
	if !errors.Is(err, step.ErrOutOfVocabulary) && c.sc.err == nil {
		c.sc.err = fmt.Errorf("%s: %w", k, err)
	}
}

// textType reports whether step.StringFromValue takes a value of type t.
func textType(t pcommon.ValueType) bool {
	return t == pcommon.ValueTypeStr || t == pcommon.ValueTypeInt || t == pcommon.ValueTypeDouble || t == pcommon.ValueTypeBool
}

// parseStatus is step.ParseStatus(v.AsString()), with Letta's four
// lowercase values, which the processor writes, read without a lookup.
func parseStatus(v pcommon.Value) (step.Status, error) {
	if v.Type() == pcommon.ValueTypeStr {
		switch s := step.Status(v.Str()); s {
		case step.StatusSuccess, step.StatusFailed, step.StatusPending, step.StatusCancelled:
			return s, nil
		}
	}
	return step.ParseStatus(v.AsString())
}

// checkProgression is step.ParseProgression(v.AsString())'s error, with
// the lowercase values read without a lookup.
func checkProgression(v pcommon.Value) error {
	if v.Type() == pcommon.ValueTypeStr {
		switch step.Progression(v.Str()) {
		case step.ProgressionStart, step.ProgressionStreamReceived, step.ProgressionResponseReceived,
			step.ProgressionStepLogged, step.ProgressionLoggedTrace, step.ProgressionFinished:
			return nil
		}
	}
	_, err := step.ParseProgression(v.AsString())
	return err
}

// checkTags is step.TagsFromValue's error without the tags it would
// allocate: a string array is good when every element is a string.
func checkTags(v pcommon.Value) error {
	if v.Type() == pcommon.ValueTypeSlice {
		sl := v.Slice()
		for i := 0; i < sl.Len(); i++ {
			if sl.At(i).Type() != pcommon.ValueTypeStr {
				_, err := step.TagsFromValue(v)
				return err
			}
		}
		return nil
	}
	_, err := step.TagsFromValue(v)
	return err
}

// consumeRead counts the patches of a span that carries step.patches.
func (c *stepMetrics) consumeRead(sp ptrace.Span, attrs pcommon.Map, now time.Time) {
	patches, errs := step.Read(attrs)
	for _, err := range errs {
		c.reject(sp, err)
	}
	anchorID := ""
	if v, ok := attrs.Get(c.idKey); ok && v.Type() == pcommon.ValueTypeStr {
		anchorID = v.Str()
	}
	for i := range patches {
		p := &patches[i]
		st := c.state(p.ID, now)
		st.rec.mergeStep(p)
		if i == 0 && p.ID == anchorID {
			c.anchor(st, sp, c.sc.extra)
			if c.sc.hasCost {
				c.mergeCost(st, c.sc.cost)
			}
		} else {
			c.readPatchCost(st, attrs, p.ID)
		}
		c.count(st, now)
	}
}

func (c *stepMetrics) reject(sp ptrace.Span, err error) {
	c.rejected++
	c.logger.Debug("step metrics: bad step patch skipped",
		zap.Stringer("trace_id", sp.TraceID()), zap.Stringer("span_id", sp.SpanID()), zap.Error(err))
}
