package stepprocessor

import (
	"context"
	"encoding/hex"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/agentsteps/collector/stepprocessor/internal/metadata"
)

var fileStorageID = component.MustNewID("file_storage")

// storageHost is a host running the real file_storage extension on dir, as
// a collector with `extensions: [file_storage]` does. Each call is a new
// extension instance, as a restarted collector has.
type storageHost struct {
	component.Host
	exts map[component.ID]component.Component
}

func (h storageHost) GetExtensions() map[component.ID]component.Component { return h.exts }

func newStorageHost(t testing.TB, dir string) storageHost {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return storageHost{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{fileStorageID: ext}}
}

// startDurable starts a step processor of id step/durable, holding traces
// for an hour unless maxTraces pushes them out, kept in host's storage.
func startDurable(t *testing.T, host component.Host, maxTraces int) (*stepProcessor, *consumertest.TracesSink) {
	t.Helper()
	cfg := createDefaultConfig()
	cfg.Fields = plainFields
	cfg.Wait = time.Hour
	cfg.MaxTraces = maxTraces
	cfg.Storage = &fileStorageID
	require.NoError(t, cfg.Validate())
	sink := &consumertest.TracesSink{}
	set := processortest.NewNopSettings(metadata.Type)
	set.ID = component.MustNewIDWithName("step", "durable")
	p, err := newStepProcessor(set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), host))
	return p, sink
}

// kill drops p as a SIGKILL would: no Shutdown, nothing released; only
// what the operating system does for a dead process, closing its files.
func kill(t *testing.T, p *stepProcessor) {
	t.Helper()
	p.stopLoop()
	require.NoError(t, p.store.close(context.Background()))
	p.tel.shutdown()
}

func stepOf(trace byte) spanSpec {
	return spanSpec{trace: trace, span: 1, attrs: map[string]any{"model": "m", "input_tokens": int(trace)}}
}

// keptRecords merges what sink received, as the exporter would.
func keptRecords(t *testing.T, sink *consumertest.TracesSink) map[string]int64 {
	t.Helper()
	h := &harness{sink: sink}
	out := map[string]int64{}
	for id, r := range h.records(t) {
		out[id] = *r.PromptTokens
	}
	return out
}

// TestStorageKeepsHeldStepsAcrossAKill: a processor killed while it holds
// traces, already acknowledged upstream, loses none of them: the next one
// started on the same storage directory sends them on.
func TestStorageKeepsHeldStepsAcrossAKill(t *testing.T) {
	dir := t.TempDir()
	p1, sink1 := startDurable(t, newStorageHost(t, dir), 100)
	require.NoError(t, p1.ConsumeTraces(context.Background(), tracesOf(stepOf(1), stepOf(2))))
	require.NoError(t, p1.ConsumeTraces(context.Background(), tracesOf(stepOf(3))))
	require.Zero(t, sink1.SpanCount(), "held for the wait")
	kill(t, p1)

	p2, sink2 := startDurable(t, newStorageHost(t, dir), 100)
	require.Equal(t, 3, p2.buf.len(), "the held traces are held again")
	require.NoError(t, p2.Shutdown(context.Background()))
	require.Equal(t, map[string]int64{idOf(1, 1): 1, idOf(2, 1): 2, idOf(3, 1): 3}, keptRecords(t, sink2))

	// What went downstream is deleted: a third start has nothing to send.
	p3, sink3 := startDurable(t, newStorageHost(t, dir), 100)
	require.Zero(t, p3.buf.len())
	require.NoError(t, p3.Shutdown(context.Background()))
	require.Zero(t, sink3.SpanCount())
}

// TestStorageDeletesARequestOnceAllItsTracesWentDownstream: a request is
// kept while any of its traces is held, and only that long.
func TestStorageDeletesARequestOnceAllItsTracesWentDownstream(t *testing.T) {
	dir := t.TempDir()
	// max_traces 2: each new trace pushes the oldest out, early.
	p1, sink1 := startDurable(t, newStorageHost(t, dir), 2)
	ctx := context.Background()
	require.NoError(t, p1.ConsumeTraces(ctx, tracesOf(stepOf(1), stepOf(2)))) // request A
	require.NoError(t, p1.ConsumeTraces(ctx, tracesOf(stepOf(3))))            // B: trace 1 out, A still holds 2
	require.NoError(t, p1.ConsumeTraces(ctx, tracesOf(stepOf(4))))            // C: trace 2 out, A done
	require.Equal(t, map[string]int64{idOf(1, 1): 1, idOf(2, 1): 2}, keptRecords(t, sink1))
	require.Equal(t, map[uint64]struct{}{2: {}, 3: {}}, p1.store.live, "A (1) deleted; B and C kept")
	require.Equal(t, uint64(2), p1.store.lo)
	kill(t, p1)

	p2, sink2 := startDurable(t, newStorageHost(t, dir), 100)
	require.NoError(t, p2.Shutdown(context.Background()))
	require.Equal(t, map[string]int64{idOf(3, 1): 3, idOf(4, 1): 4}, keptRecords(t, sink2),
		"only the traces still held at the kill are sent again")
}

// TestStorageReplaysARequestPartlySentWhole: a request some of whose
// traces went downstream before the kill is sent again whole; its
// released steps come out as they were, so the exporters' upsert by id
// stores them once.
func TestStorageReplaysARequestPartlySentWhole(t *testing.T) {
	dir := t.TempDir()
	p1, sink1 := startDurable(t, newStorageHost(t, dir), 2)
	ctx := context.Background()
	require.NoError(t, p1.ConsumeTraces(ctx, tracesOf(stepOf(1), stepOf(2))))
	require.NoError(t, p1.ConsumeTraces(ctx, tracesOf(stepOf(3)))) // trace 1 out
	before := keptRecords(t, sink1)
	kill(t, p1)

	p2, sink2 := startDurable(t, newStorageHost(t, dir), 100)
	require.NoError(t, p2.Shutdown(context.Background()))
	after := keptRecords(t, sink2)
	require.Equal(t, map[string]int64{idOf(1, 1): 1, idOf(2, 1): 2, idOf(3, 1): 3}, after)
	require.Equal(t, before[idOf(1, 1)], after[idOf(1, 1)])
}

// TestStorageThatFailsRefusesTheRequest: a request that cannot be kept is
// not acknowledged, so the sender keeps and retries it.
func TestStorageThatFailsRefusesTheRequest(t *testing.T) {
	p, sink := startDurable(t, newStorageHost(t, t.TempDir()), 100)
	require.NoError(t, p.store.client.Close(context.Background())) // the storage goes away
	err := p.ConsumeTraces(context.Background(), tracesOf(stepOf(1)))
	require.ErrorContains(t, err, `step processor: keeping the request in storage "file_storage"`)
	require.Zero(t, p.buf.len(), "a refused request is not held")
	p.stopLoop()
	p.tel.shutdown()
	heldClaims.Delete(p.id.String())
	require.Zero(t, sink.SpanCount())
}

// TestStorageMistakesNameTheKey: a storage that is missing, not a storage,
// or shared by two pipelines fails the start with the key and the fix.
func TestStorageMistakesNameTheKey(t *testing.T) {
	start := func(host component.Host) error {
		cfg := createDefaultConfig()
		cfg.Storage = &fileStorageID
		set := processortest.NewNopSettings(metadata.Type)
		p, err := newStepProcessor(set, cfg, consumertest.NewNop())
		require.NoError(t, err)
		err = p.Start(context.Background(), host)
		if err != nil {
			p.tel.shutdown()
		} else {
			t.Cleanup(func() { require.NoError(t, p.Shutdown(context.Background())) })
		}
		return err
	}
	require.ErrorContains(t, start(componenttest.NewNopHost()),
		`storage: no extension "file_storage" is running; configure it under extensions:`)

	f := extensiontest.NewNopFactory()
	nop, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), f.CreateDefaultConfig())
	require.NoError(t, err)
	require.ErrorContains(t, start(storageHost{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{fileStorageID: nop}}),
		`storage: extension "file_storage" is not a storage extension`)

	host := newStorageHost(t, t.TempDir())
	require.NoError(t, start(host))
	require.ErrorContains(t, start(host), `storage: processor "step" with storage is in more than one pipeline`)
}

// TestStorageKeepsOutlinesAcrossAKill: steps released before a kill still
// get the context of an ancestor that arrives after the restart, and a
// step arriving after the restart still inherits from an ancestor
// released before it, as without the kill.
func TestStorageKeepsOutlinesAcrossAKill(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	p1, sink1 := startDurable(t, newStorageHost(t, dir), 100)
	require.NoError(t, p1.ConsumeTraces(ctx, tracesOf(spanSpec{trace: 1, span: 2, parent: 1, attrs: map[string]any{"model": "m", "agent": "own"}})))
	require.NoError(t, p1.ConsumeTraces(ctx, tracesOf(
		spanSpec{trace: 2, span: 1, attrs: map[string]any{"agent": "agent-a"}},
		spanSpec{trace: 2, span: 2, parent: 1},
	)))
	p1.release(ctx, p1.buf.takeAll(), false)
	require.Equal(t, 3, sink1.SpanCount(), "both traces released before the kill")
	kill(t, p1)

	p2, sink2 := startDurable(t, newStorageHost(t, dir), 100)
	require.Equal(t, 2, p2.sk.len(), "the outlines of both traces are back")
	require.Zero(t, p2.buf.len(), "nothing was held at the kill")
	require.NoError(t, p2.ConsumeTraces(ctx, tracesOf(spanSpec{trace: 1, span: 1, attrs: map[string]any{"agent": "late-agent", "user": "late-user"}})))
	require.NoError(t, p2.ConsumeTraces(ctx, tracesOf(spanSpec{trace: 2, span: 3, parent: 2, attrs: map[string]any{"model": "m"}})))
	require.NoError(t, p2.Shutdown(ctx))
	h := &harness{sink: sink2}
	r := h.records(t)
	require.Equal(t, "late-user", r[idOf(1, 2)].UserID, "the late ancestor's context patch reaches the step released before the kill")
	require.Empty(t, r[idOf(1, 2)].AgentID, "the patch leaves the step's own agent alone")
	require.Equal(t, "agent-a", r[idOf(2, 3)].AgentID, "a late step inherits from an ancestor released before the kill")
}

// TestKeptOutlineRoundTrips: what encodeOutline writes decodes to the same
// outline, and a cut value is an error, not a panic.
func TestKeptOutlineRoundTrips(t *testing.T) {
	tr := pcommon.TraceID{9, 1}
	o := &outline{trace: tr, touched: time.Unix(1767225600, 123), nodes: map[pcommon.SpanID]node{
		{1}: {anchor: -1, ctx: &stepContext{AgentID: "a", RunID: "r", Tags: []string{"x", "y"}}},
		{2}: {parent: pcommon.SpanID{1}, anchor: 0},
	}, anchors: []anchorRef{{key: spanKey{trace: tr, span: pcommon.SpanID{2}}, id: "step-1", llm: true, mask: maskAgent | maskRun}}}
	v := encodeOutline(o)
	got, err := decodeOutline(hex.EncodeToString(tr[:]), v)
	require.NoError(t, err)
	require.Equal(t, o.touched.UnixNano(), got.touched.UnixNano())
	require.Equal(t, o.nodes, got.nodes)
	require.Equal(t, o.anchors, got.anchors)
	for i := range v {
		_, err := decodeOutline(hex.EncodeToString(tr[:]), v[:i])
		require.Error(t, err, "cut at %d", i)
	}
	_, err = decodeOutline("zz", v)
	require.ErrorContains(t, err, "no trace id")
}
