// Package httpstore POSTs step records, as one JSON array per batch, to an
// HTTP endpoint with the collector's confighttp client. The receiver is
// expected to merge by id (see step.Step.Merge); every record it gets is
// already merged within its batch and finalized.
package httpstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/store"
)

// maxErrorBody bounds how much of a refusal's body goes into the error.
const maxErrorBody = 512

// Store posts to one endpoint.
type Store struct {
	endpoint string
	safe     string // the endpoint without credentials, for messages
	client   *http.Client
}

var _ store.Store = (*Store)(nil)

// New builds the client. It needs the host for the auth extensions, so the
// exporter calls it from Start.
func New(ctx context.Context, cfg Config, host component.Host, set component.TelemetrySettings) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("http: %w", err)
	}
	client, err := cfg.ToClient(ctx, host.GetExtensions(), set)
	if err != nil {
		return nil, fmt.Errorf("http: client for %s: %w", redact(cfg.Endpoint), err)
	}
	return &Store{endpoint: cfg.Endpoint, safe: redact(cfg.Endpoint), client: client}, nil
}

// Upsert posts the batch. 2xx accepts it; 429, 5xx and network errors are
// retryable (honouring Retry-After); any other status is permanent.
func (s *Store) Upsert(ctx context.Context, records []step.Step) (store.Result, error) {
	if len(records) == 0 {
		return store.Result{}, nil
	}
	out := make([]step.Step, len(records))
	for i := range records {
		out[i] = records[i]
		out[i].Finalize()
	}
	body, err := json.Marshal(out)
	if err != nil {
		return store.Result{}, consumererror.NewPermanent(fmt.Errorf("http: encode records: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, bytes.NewReader(body))
	if err != nil {
		return store.Result{}, consumererror.NewPermanent(fmt.Errorf("http: request to %s: %w", s.safe, err))
	}
	req.Header.Set("Content-Type", "application/json")

	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // its text repeats the full URL
			err = ue.Err
		}
		return store.Result{}, fmt.Errorf("http: POST %s: %w", s.safe, err)
	}
	defer func() {
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10) // lets the connection be reused
		_ = resp.Body.Close()
	}()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return store.Result{Inserted: len(records)}, nil
	}
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	sent := resp.Request // as sent, with the headers auth extensions added
	if sent == nil {
		sent = req
	}
	echo := redactEcho(string(bytes.TrimSpace(snippet)), sent, s.endpoint)
	err = fmt.Errorf("http: POST %s: %s: %q", s.safe, resp.Status, echo)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return store.Result{}, exporterhelper.NewThrottleRetry(err, d)
		}
		return store.Result{}, err
	default:
		return store.Result{}, consumererror.NewPermanent(err)
	}
}

// retryAfter reads Retry-After as seconds or an HTTP date (RFC 9110 10.2.3).
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// Close drops idle connections.
func (s *Store) Close(context.Context) error {
	s.client.CloseIdleConnections()
	return nil
}
