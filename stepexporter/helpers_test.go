package stepexporter

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/internal/metadata"
	"github.com/agentsteps/collector/stepexporter/sqlitestore"
)

// spanSpec is one span of a test batch: its anchored step, the patches it
// carries for other steps, and raw step.* attributes (for bad values).
type spanSpec struct {
	anchor  *step.Step
	patches []step.Step
	raw     map[string]any
}

func traces(t *testing.T, specs ...spanSpec) ptrace.Traces {
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	for i, sp := range specs {
		s := spans.AppendEmpty()
		s.SetName("chat")
		s.SetTraceID(pcommon.TraceID{1, 2, 3, byte(i)})
		s.SetSpanID(pcommon.SpanID{9, byte(i)})
		if sp.anchor != nil {
			step.Write(s.Attributes(), sp.anchor)
		}
		for j := range sp.patches {
			step.AppendPatch(s.Attributes(), &sp.patches[j])
		}
		require.NoError(t, s.Attributes().FromRaw(mergeRaw(s.Attributes().AsRaw(), sp.raw)))
	}
	return td
}

func mergeRaw(a, b map[string]any) map[string]any {
	for k, v := range b {
		a[k] = v
	}
	return a
}

// sqliteConfig writes to a fresh file, with no queue so that ConsumeTraces
// returns the backend's answer.
func sqliteConfig(t testing.TB) (*Config, string) {
	cfg := createDefaultConfig().(*Config)
	path := filepath.Join(t.TempDir(), "steps.db")
	sq := sqlitestore.NewDefaultConfig()
	sq.Path = path
	cfg.SQLite = configoptional.Some(sq)
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	return cfg, path
}

func startExporter(t testing.TB, cfg *Config, set exporter.Settings, host component.Host) exporter.Traces {
	t.Helper()
	require.NoError(t, cfg.Validate())
	exp, err := NewFactory().CreateTraces(context.Background(), set, cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), host))
	return exp
}

func nopSettings() exporter.Settings { return exportertest.NewNopSettings(metadata.Type) }

func readSQLite(t *testing.T, path string, ids ...string) map[string]step.Step {
	t.Helper()
	s, err := sqlitestore.Open(context.Background(), sqlitestore.Config{Path: path})
	require.NoError(t, err)
	defer s.Close(context.Background())
	got, err := s.Get(context.Background(), ids)
	require.NoError(t, err)
	out := map[string]step.Step{}
	for _, g := range got {
		out[g.ID] = g
	}
	return out
}

// memStorage is a storage extension whose data outlives its clients, like
// file_storage's files outlive a collector process.
type memStorage struct {
	component.StartFunc
	component.ShutdownFunc
	mu   sync.Mutex
	data map[string][]byte
}

func (m *memStorage) GetClient(context.Context, component.Kind, component.ID, string) (storage.Client, error) {
	return m, nil
}

func (m *memStorage) Get(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.data[key], nil
}

func (m *memStorage) Set(_ context.Context, key string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[key] = append([]byte(nil), value...)
	return nil
}

func (m *memStorage) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, key)
	return nil
}

func (m *memStorage) Batch(ctx context.Context, ops ...*storage.Operation) error {
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			op.Value, _ = m.Get(ctx, op.Key)
		case storage.Set:
			_ = m.Set(ctx, op.Key, op.Value)
		case storage.Delete:
			_ = m.Delete(ctx, op.Key)
		}
	}
	return nil
}

func (m *memStorage) Close(context.Context) error { return nil }

type hostWith map[component.ID]component.Component

func (h hostWith) GetExtensions() map[component.ID]component.Component { return h }

var _ component.Host = hostWith(nil)
