package stepprocessor

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"
)

// heldStore keeps the requests the processor holds in a storage extension
// (the `storage` key), so that a collector killed while it holds traces
// sends them on when it starts again instead of losing them: the front
// tier already had them acknowledged.
//
// Each request is kept under "request/<n>", n counting up from 1, before
// ConsumeTraces returns, and deleted once all its traces are released and
// passed downstream. "lo" and "hi" bound the numbers that may still be
// kept, so a start reads only those (a storage need not list its keys).
type heldStore struct {
	client storage.Client
	id     string // the processor's id, which holds the claim below

	mu     sync.Mutex // serialises writes, so hi on disk never goes back
	lo, hi uint64     // the requests kept are among [lo, hi); hi is the next number
	live   map[uint64]struct{}
}

const (
	heldKeyLo = "lo"
	heldKeyHi = "hi"
)

func heldKey(n uint64) string { return "request/" + strconv.FormatUint(n, 10) }

// heldClaims: the processor ids whose store is open in this process. A
// processor is created once per pipeline, and two instances of one id
// would share one storage client name.
var heldClaims sync.Map

// openHeldStore opens the store of processor id in the storage extension
// named by the `storage` key. Errors name the key and the fix.
func openHeldStore(ctx context.Context, host component.Host, storageID, id component.ID) (*heldStore, error) {
	ext, ok := host.GetExtensions()[storageID]
	if !ok {
		return nil, fmt.Errorf("storage: no extension %q is running; configure it under extensions: (e.g. file_storage) and list it in service::extensions", storageID)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("storage: extension %q is not a storage extension; name one such as file_storage", storageID)
	}
	if _, taken := heldClaims.LoadOrStore(id.String(), true); taken {
		return nil, fmt.Errorf("storage: processor %q with storage is in more than one pipeline; give each pipeline a step processor of its own name (e.g. %s/a, %s/b)", id, id.Type(), id.Type())
	}
	client, err := se.GetClient(ctx, component.KindProcessor, id, "traces")
	if err != nil {
		heldClaims.Delete(id.String())
		return nil, fmt.Errorf("storage: extension %q gives no client: %w", storageID, err)
	}
	s := &heldStore{client: client, id: id.String(), live: map[uint64]struct{}{}}
	if s.lo, err = s.getIndex(ctx, heldKeyLo); err == nil {
		s.hi, err = s.getIndex(ctx, heldKeyHi)
	}
	if err != nil {
		s.close(ctx)
		return nil, fmt.Errorf("storage: reading the held requests from %q: %w", storageID, err)
	}
	return s, nil
}

func (s *heldStore) getIndex(ctx context.Context, key string) (uint64, error) {
	v, err := s.client.Get(ctx, key)
	switch {
	case err != nil:
		return 0, err
	case v == nil:
		return 1, nil
	case len(v) != 8:
		return 0, fmt.Errorf("%q holds %d bytes, not 8: not this processor's storage", key, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

func index(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// replay hands each kept request to fn, oldest first, and keeps it. A
// request that no longer unmarshals is deleted and reported in bad.
func (s *heldStore) replay(ctx context.Context, fn func(n uint64, td ptrace.Traces)) (kept int, bad []error, err error) {
	var u ptrace.ProtoUnmarshaler
	for n := s.lo; n < s.hi; n++ {
		data, err := s.client.Get(ctx, heldKey(n))
		if err != nil {
			return kept, bad, fmt.Errorf("storage: reading held request %d: %w", n, err)
		}
		if data == nil {
			continue // its traces went downstream before the stop
		}
		td, err := u.UnmarshalTraces(data)
		if err != nil {
			bad = append(bad, fmt.Errorf("held request %d does not unmarshal and is dropped: %w", n, err))
			if err := s.client.Delete(ctx, heldKey(n)); err != nil {
				return kept, bad, fmt.Errorf("storage: deleting held request %d: %w", n, err)
			}
			continue
		}
		s.live[n] = struct{}{}
		kept++
		fn(n, td)
	}
	return kept, bad, nil
}

// put keeps td and returns its number.
func (s *heldStore) put(ctx context.Context, td ptrace.Traces) (uint64, error) {
	var m ptrace.ProtoMarshaler
	data, err := m.MarshalTraces(td)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.hi
	if err := s.client.Batch(ctx, storage.SetOperation(heldKey(n), data), storage.SetOperation(heldKeyHi, index(n+1))); err != nil {
		return 0, err
	}
	s.hi = n + 1
	s.live[n] = struct{}{}
	return n, nil
}

// drop deletes the given requests and moves lo past the ones gone.
func (s *heldStore) drop(ctx context.Context, ns []uint64) error {
	if len(ns) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ops := make([]*storage.Operation, 0, len(ns)+1)
	for _, n := range ns {
		delete(s.live, n)
		ops = append(ops, storage.DeleteOperation(heldKey(n)))
	}
	lo := s.lo
	for lo < s.hi {
		if _, ok := s.live[lo]; ok {
			break
		}
		lo++
	}
	if lo != s.lo {
		ops = append(ops, storage.SetOperation(heldKeyLo, index(lo)))
	}
	if err := s.client.Batch(ctx, ops...); err != nil {
		return err
	}
	s.lo = lo
	return nil
}

// write applies ops in one transaction.
func (s *heldStore) write(ctx context.Context, ops ...*storage.Operation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client.Batch(ctx, ops...)
}

// close closes the client and gives up the claim on the processor's id.
func (s *heldStore) close(ctx context.Context) error {
	defer heldClaims.Delete(s.id)
	if err := s.client.Close(ctx); err != nil {
		return errors.Join(errors.New("storage: closing the client"), err)
	}
	return nil
}

// openStore opens the processor's storage and puts back into the buffer
// what a stop without Shutdown (a kill, a crash) left in it. Its traces are
// held for wait again; those that had gone downstream already are sent
// again, which the exporters' upsert by id makes harmless.
func (p *stepProcessor) openStore(ctx context.Context, host component.Host) error {
	s, err := openHeldStore(ctx, host, *p.cfg.Storage, p.id)
	if err != nil {
		return err
	}
	p.store = s // releases during the replay delete what they complete
	outlines := 0
	if p.sk != nil {
		if outlines, err = p.loadOutlines(ctx); err != nil {
			p.store = nil
			_ = s.close(ctx)
			return fmt.Errorf("storage: reading the kept outlines from %q: %w", *p.cfg.Storage, err)
		}
	}
	spans := 0
	kept, bad, err := s.replay(ctx, func(n uint64, td ptrace.Traces) {
		spans += td.SpanCount()
		if early := p.buf.addKept(td, time.Now(), n); early.n > 0 {
			p.release(context.Background(), early, true)
		}
	})
	for _, e := range bad {
		p.logger.Error("a held request in storage is unreadable and dropped", zap.Stringer("storage", p.cfg.Storage), zap.Error(e))
	}
	if err != nil {
		p.store = nil
		_ = s.close(ctx)
		return err
	}
	if kept+outlines > 0 {
		p.logger.Info("took back the requests held and the outlines kept when the collector last stopped",
			zap.Stringer("storage", p.cfg.Storage), zap.Int("requests", kept), zap.Int("spans", spans), zap.Int("outlines", outlines))
	}
	return nil
}

// forget deletes from storage the requests a release completed.
func (p *stepProcessor) forget(ctx context.Context, r released) {
	if err := p.store.drop(ctx, p.buf.sent(r)); err != nil {
		// They stay kept, and are sent again after a restart: no loss.
		p.logger.Warn("released requests could not be deleted from storage", zap.Stringer("storage", p.cfg.Storage), zap.Error(err))
	}
}
