// Package filestore appends step records to a JSON Lines file with
// size-based rotation. Each Upsert appends the batch's records as merged
// within the batch, so one step can have several lines: a reader merges the
// lines of an id with step.Merge and Finalize, as Get and Recent do here.
package filestore

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	"github.com/agentsteps/collector/pricing"
	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/store"
)

// Store is an open JSON Lines file.
type Store struct {
	cfg     Config
	mu      sync.Mutex
	f       *os.File
	size    int64
	pricing *pricing.Engine // prices records as they are read back; nil: off
}

// SetPricing makes the reader price each merged record (step.Step.Price):
// the file holds patches, so a step whose model and usage were written in
// different batches is priced once they are merged.
func (s *Store) SetPricing(e *pricing.Engine) { s.pricing = e }

var (
	_ store.Store  = (*Store)(nil)
	_ store.Reader = (*Store)(nil)
)

// Open creates the file (0600) and its directory (0700) when missing and
// appends to it.
func Open(cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Path), 0o700); err != nil {
		return nil, fmt.Errorf("file: create the directory of %s: %w", cfg.Path, err)
	}
	s := &Store{cfg: cfg}
	if err := s.openFile(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) openFile() error {
	f, err := os.OpenFile(s.cfg.Path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("file: open %s: %w", s.cfg.Path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("file: %s: %w", s.cfg.Path, err)
	}
	s.f, s.size = f, fi.Size()
	// A crash can leave half a line; end it so the next record starts on a
	// line of its own (readers skip the broken one).
	if s.size > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, s.size-1); err == nil && last[0] != '\n' {
			if _, err := f.Write([]byte{'\n'}); err == nil {
				s.size++
			}
		}
	}
	return nil
}

// Upsert appends one line per record and syncs the file, so that a batch
// acknowledged to the queue is on disk. A failed write may leave part of
// the batch behind; the retry appends it again and readers merge by id.
func (s *Store) Upsert(_ context.Context, records []step.Step) (store.Result, error) {
	if len(records) == 0 {
		return store.Result{}, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i := range records {
		r := records[i]
		r.Finalize()
		if err := enc.Encode(&r); err != nil {
			return store.Result{}, fmt.Errorf("file: encode step %s: %w", r.ID, err)
		}
		appendStages(&buf, r.Stages)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return store.Result{}, fmt.Errorf("file: %s is closed", s.cfg.Path)
	}
	if s.cfg.MaxBytes > 0 && s.size > 0 && s.size+int64(buf.Len()) > s.cfg.MaxBytes {
		if err := s.rotate(); err != nil {
			return store.Result{}, err
		}
	}
	n, err := s.f.Write(buf.Bytes())
	s.size += int64(n)
	if err == nil {
		err = s.f.Sync()
	}
	if err != nil {
		return store.Result{}, fmt.Errorf("file: write %s: %w", s.cfg.Path, err)
	}
	return store.Result{Inserted: len(records)}, nil
}

// rotate shifts path.N-1 to path.N down to path to path.1, dropping what
// falls past max_backups, and starts an empty file.
func (s *Store) rotate() error {
	if err := s.f.Close(); err != nil {
		return fmt.Errorf("file: close %s: %w", s.cfg.Path, err)
	}
	s.f = nil
	if s.cfg.MaxBackups == 0 {
		if err := os.Remove(s.cfg.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("file: rotate %s: %w", s.cfg.Path, err)
		}
	}
	for i := s.cfg.MaxBackups; i >= 1; i-- {
		err := os.Rename(s.backup(i-1), s.backup(i))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("file: rotate %s: %w", s.cfg.Path, err)
		}
	}
	return s.openFile()
}

func (s *Store) backup(i int) string {
	if i == 0 {
		return s.cfg.Path
	}
	return s.cfg.Path + "." + strconv.Itoa(i)
}

// Close closes the file.
func (s *Store) Close(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// Get merges the lines of these ids across the file and its backups.
func (s *Store) Get(_ context.Context, ids []string) ([]step.Step, error) {
	all, err := s.readAll()
	if err != nil {
		return nil, err
	}
	var out []step.Step
	for _, id := range ids {
		if r, ok := all[id]; ok {
			out = append(out, r)
			delete(all, id)
		}
	}
	return out, nil
}

// Recent merges every line and returns the latest start_time first.
func (s *Store) Recent(_ context.Context, limit int) ([]step.Step, error) {
	all, err := s.readAll()
	if err != nil {
		return nil, err
	}
	out := make([]step.Step, 0, len(all))
	for _, r := range all {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b step.Step) int {
		if a.StartTime != b.StartTime {
			if a.StartTime == 0 || (b.StartTime != 0 && a.StartTime < b.StartTime) {
				return 1
			}
			return -1
		}
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out[:min(limit, len(out))], nil
}

func (s *Store) readAll() (map[string]step.Step, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := map[string]step.Step{}
	for i := s.cfg.MaxBackups; i >= 0; i-- {
		if err := mergeFile(s.backup(i), all); err != nil {
			return nil, err
		}
	}
	for id, r := range all {
		r.Finalize()
		r.PriceCost(s.pricing)
		all[id] = r
	}
	return all, nil
}

// mergeFile merges every well-formed line of path into all. Broken lines
// (a write cut short by a crash) are skipped.
func mergeFile(path string, all map[string]step.Step) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("file: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var rec step.Step
			if json.Unmarshal(line, &rec) == nil && rec.ID != "" {
				rec.Stages = readStages(line)
				m := all[rec.ID]
				m.Merge(&rec)
				all[rec.ID] = m
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("file: read %s: %w", path, err)
		}
	}
}

// appendStages adds the record's stages to the line just encoded in buf, as
// "stages": {"field": stage}, so that readers merging lines by id apply the
// staged rule. It is the one key of a line that is not a record field.
func appendStages(buf *bytes.Buffer, st step.Stages) {
	if len(st) == 0 {
		return
	}
	b, _ := json.Marshal(st)    // a map of small ints: cannot fail
	buf.Truncate(buf.Len() - 2) // "}\n"
	buf.WriteString(`,"stages":`)
	buf.Write(b)
	buf.WriteString("}\n")
}

func readStages(line []byte) step.Stages {
	var v struct {
		Stages step.Stages `json:"stages"`
	}
	if json.Unmarshal(line, &v) != nil || len(v.Stages) == 0 {
		return nil
	}
	return v.Stages
}
