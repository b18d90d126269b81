package httpstore

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer/consumererror"

	"github.com/agentsteps/collector/step"
)

func newStore(t *testing.T, endpoint string, edit ...func(*Config)) *Store {
	t.Helper()
	cfg := NewDefaultConfig()
	cfg.Endpoint = endpoint
	for _, e := range edit {
		e(&cfg)
	}
	s, err := New(context.Background(), cfg, componenttest.NewNopHost(), componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close(context.Background())) })
	return s
}

var twoRecords = []step.Step{
	{ID: "step-a", PromptTokens: step.Int(2), CompletionTokens: step.Int(3)},
	{ID: "step-b", Status: step.StatusSuccess},
}

func TestUpsertPostsAJSONArrayOfFinalizedRecords(t *testing.T) {
	var got []step.Step
	var contentType, secret string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		contentType, secret = r.Header.Get("Content-Type"), r.Header.Get("X-Api-Key")
		require.NoError(t, json.NewDecoder(r.Body).Decode(&got))
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	s := newStore(t, srv.URL, func(c *Config) {
		c.Headers = configopaque.MapList{{Name: "X-Api-Key", Value: "s3cret"}}
	})
	res, err := s.Upsert(context.Background(), twoRecords)
	require.NoError(t, err)
	require.Equal(t, 2, res.Inserted)
	require.Equal(t, "application/json", contentType)
	require.Equal(t, "s3cret", secret)
	require.Len(t, got, 2)
	require.Equal(t, int64(5), *got[0].TotalTokens)
}

func TestUpsertCompressesWhenConfigured(t *testing.T) {
	var encoding string
	var got []step.Step
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		encoding = r.Header.Get("Content-Encoding")
		zr, err := gzip.NewReader(r.Body)
		require.NoError(t, err)
		require.NoError(t, json.NewDecoder(zr).Decode(&got))
	}))
	defer srv.Close()
	s := newStore(t, srv.URL, func(c *Config) { c.Compression = configcompression.TypeGzip })
	_, err := s.Upsert(context.Background(), twoRecords)
	require.NoError(t, err)
	require.Equal(t, "gzip", encoding)
	require.Len(t, got, 2)
}

func TestServerErrorIsRetryableAndSucceedsLater(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls++
		if calls == 1 {
			http.Error(w, "database restarting", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	s := newStore(t, srv.URL)
	_, err := s.Upsert(context.Background(), twoRecords)
	require.ErrorContains(t, err, "500 Internal Server Error")
	require.ErrorContains(t, err, "database restarting")
	require.False(t, consumererror.IsPermanent(err))
	_, err = s.Upsert(context.Background(), twoRecords)
	require.NoError(t, err)
}

func TestTooManyRequestsIsRetryable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	_, err := newStore(t, srv.URL).Upsert(context.Background(), twoRecords)
	require.ErrorContains(t, err, "429")
	require.False(t, consumererror.IsPermanent(err))
}

func TestClientErrorIsPermanent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "schema mismatch", http.StatusBadRequest)
	}))
	defer srv.Close()
	_, err := newStore(t, srv.URL).Upsert(context.Background(), twoRecords)
	require.ErrorContains(t, err, "400 Bad Request")
	require.True(t, consumererror.IsPermanent(err))
}

func TestSlowServerIsBoundedByTheContext(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := newStore(t, srv.URL).Upsert(ctx, twoRecords)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.False(t, consumererror.IsPermanent(err))
	require.Less(t, time.Since(start), 5*time.Second)
}

func TestGarbageResponseIsRetryable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		require.NoError(t, err)
		_, _ = buf.WriteString("\x00\x01garbage that is not HTTP\r\n\r\n")
		_ = buf.Flush()
		_ = conn.Close()
	}))
	defer srv.Close()
	_, err := newStore(t, srv.URL).Upsert(context.Background(), twoRecords)
	require.Error(t, err)
	require.False(t, consumererror.IsPermanent(err))
}

func TestGarbageBodyOnSuccessIsAccepted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "\x00not json{{{")
	}))
	defer srv.Close()
	res, err := newStore(t, srv.URL).Upsert(context.Background(), twoRecords)
	require.NoError(t, err)
	require.Equal(t, 2, res.Inserted)
}

func TestErrorsNeverShowCredentialsOfTheEndpoint(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	endpoint := "http://alice:hunter2@" + srv.Listener.Addr().String() + "/steps?token=tok3n"
	s := newStore(t, endpoint)
	_, err := s.Upsert(context.Background(), twoRecords)
	require.ErrorContains(t, err, "401")
	srv.Close()
	_, err2 := s.Upsert(context.Background(), twoRecords)
	require.Error(t, err2)
	for _, e := range []error{err, err2} {
		require.NotContains(t, e.Error(), "hunter2")
		require.NotContains(t, e.Error(), "tok3n")
		require.NotContains(t, e.Error(), "alice")
	}
}

func TestRetryAfterAcceptsSecondsAndDates(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	d, ok := retryAfter("7", now)
	require.True(t, ok)
	require.Equal(t, 7*time.Second, d)
	d, ok = retryAfter(now.Add(10*time.Second).Format(http.TimeFormat), now)
	require.True(t, ok)
	require.Equal(t, 10*time.Second, d)
	_, ok = retryAfter("soon", now)
	require.False(t, ok)
}

func TestConfigValidateNamesTheKey(t *testing.T) {
	for endpoint, want := range map[string]string{
		"":                       "endpoint must be set",
		"ftp://x/y":              "endpoint must be an http:// or https:// URL",
		"http://u:pw@host:port/": "endpoint must be an http:// or https:// URL",
	} {
		cfg := NewDefaultConfig()
		cfg.Endpoint = endpoint
		err := cfg.Validate()
		require.ErrorContains(t, err, want, endpoint)
		require.NotContains(t, err.Error(), "pw", endpoint)
	}
}
