package stepexporter

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/agentsteps/collector/stepexporter/httpstore"
	"github.com/agentsteps/collector/stepexporter/pgstore"
)

// Credentials planted in configs. Each is distinctive, so that finding it
// anywhere in a log line or an error is a leak.
const (
	pgPassword     = "PgPassw0rd-leak-canary"
	httpPassword   = "HttpPassw0rd-leak-canary"
	httpQueryToken = "QueryT0ken-leak-canary"
	httpHeader     = "HeaderS3cret-leak-canary"
	httpAuthHeader = "Bearer AuthT0ken-leak-canary"
)

// observedSettings captures every log line of the exporter, exporterhelper
// included, at every level.
func observedSettings() (exporter.Settings, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.DebugLevel)
	set := nopSettings()
	set.Logger = zap.New(core)
	return set, logs
}

// requireNoSecret fails if any secret appears in a log line (message and
// every field) or in one of the errors.
func requireNoSecret(t *testing.T, logs *observer.ObservedLogs, errs []error, secrets ...string) {
	t.Helper()
	var texts []string
	for _, e := range logs.All() {
		texts = append(texts, fmt.Sprintf("%s %s %v", e.Level, e.Message, e.ContextMap()))
	}
	for _, err := range errs {
		if err != nil {
			texts = append(texts, err.Error(), fmt.Sprintf("%+v", err))
		}
	}
	require.NotEmpty(t, texts, "nothing was logged or returned: the test proves nothing")
	for _, text := range texts {
		for _, s := range secrets {
			require.NotContains(t, text, s)
		}
	}
}

// runUntilFailure starts the exporter and pushes one batch, with fast,
// bounded retries, and returns every error on the way.
func runUntilFailure(t *testing.T, cfg *Config, set exporter.Settings) []error {
	t.Helper()
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.TimeoutConfig.Timeout = 2 * time.Second
	cfg.RetryConfig.InitialInterval, cfg.RetryConfig.MaxInterval = 10*time.Millisecond, 20*time.Millisecond
	cfg.RetryConfig.MaxElapsedTime = 300 * time.Millisecond
	require.NoError(t, cfg.Validate())
	exp, err := NewFactory().CreateTraces(context.Background(), set, cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	errs := []error{exp.Start(ctx, componenttest.NewNopHost())}
	if errs[0] == nil {
		errs = append(errs, exp.ConsumeTraces(ctx, traces(t, spanSpec{anchor: lettaPending(idA)})))
	}
	errs = append(errs, exp.Shutdown(ctx))
	return errs
}

func postgresConfig(dsn string) *Config {
	cfg := createDefaultConfig().(*Config)
	pg := pgstore.NewDefaultConfig()
	pg.DSN = configopaque.String(dsn)
	cfg.Postgres = configoptional.Some(pg)
	return cfg
}

func TestPostgresPasswordNeverReachesLogsOrErrorsOfAnUnreachableServer(t *testing.T) {
	for _, dsn := range []string{
		"postgres://steps:" + pgPassword + "@127.0.0.1:1/steps?sslmode=disable&connect_timeout=1",
		"postgres://steps@127.0.0.1:1/steps?sslmode=disable&connect_timeout=1&password=" + pgPassword,
		"host=127.0.0.1 port=1 user=steps password='" + pgPassword + "' dbname=steps sslmode=disable connect_timeout=1",
	} {
		set, logs := observedSettings()
		errs := runUntilFailure(t, postgresConfig(dsn), set)
		require.Error(t, errs[0], "nothing listens on port 1")
		require.Contains(t, errs[0].Error(), "127.0.0.1", "the error still names the server")
		requireNoSecret(t, logs, errs, pgPassword)
	}
}

// TestPostgresPasswordNeverReachesLogsOrErrorsOfALiveServer connects for
// real (the test server trusts every password) and then fails in the ways
// a live server does: a missing table, a missing database.
func TestPostgresPasswordNeverReachesLogsOrErrorsOfALiveServer(t *testing.T) {
	base := liveDSN(t)
	u, err := url.Parse(base)
	require.NoError(t, err)
	u.User = url.UserPassword(u.User.Username(), pgPassword)

	set, logs := observedSettings()
	cfg := postgresConfig(u.String())
	cfg.Postgres.Get().Table, cfg.Postgres.Get().CreateSchema = "no_such_steps_table", false
	errs := runUntilFailure(t, cfg, set)
	require.ErrorContains(t, errs[0], "does not exist; create it or set create_schema: true", "it did connect")
	requireNoSecret(t, logs, errs, pgPassword)

	missingDB := *u
	missingDB.Path = "/no_such_database_" + pgPassword
	set, logs = observedSettings()
	errs = runUntilFailure(t, postgresConfig(missingDB.String()), set)
	require.Error(t, errs[0])
	requireNoSecret(t, logs, errs, pgPassword)
}

// TestHTTPCredentialsNeverReachLogsOrErrors posts to a server that echoes
// the request (URL, headers) in its error bodies, as debugging proxies do,
// first with a retryable 500, then with a permanent 400.
func TestHTTPCredentialsNeverReachLogsOrErrors(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusBadRequest} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			user, pass, _ := r.BasicAuth()
			_, _ = fmt.Fprintf(w, "refused %s %s:%s %v", r.URL, user, pass, r.Header)
		}))
		u, err := url.Parse(srv.URL)
		require.NoError(t, err)
		u.User = url.UserPassword("steps", httpPassword)
		u.RawQuery = "token=" + httpQueryToken

		cfg := httpConfig(u.String())
		h := cfg.HTTP.Get()
		h.Headers = configopaque.MapList{{Name: "X-Api-Key", Value: httpHeader}, {Name: "Authorization", Value: httpAuthHeader}}
		set, logs := observedSettings()
		errs := runUntilFailure(t, cfg, set)
		srv.Close()
		require.Error(t, errs[1], "status %d", status)
		require.Contains(t, errs[1].Error(), "refused", "the body still explains the refusal")
		requireNoSecret(t, logs, errs, httpPassword, httpQueryToken, httpHeader, strings.TrimPrefix(httpAuthHeader, "Bearer "))
	}
}

// TestCredentialsAreOpaqueInTheConfig checks the types, so that the
// collector's own config printing redacts them too.
func TestCredentialsAreOpaqueInTheConfig(t *testing.T) {
	require.Equal(t, reflect.TypeFor[configopaque.String](), reflect.TypeFor[pgstore.Config]().Field(0).Type)
	h := httpstore.NewDefaultConfig()
	require.IsType(t, configopaque.MapList{}, h.Headers)

	cfg := postgresConfig("postgres://steps:" + pgPassword + "@db:5432/steps")
	hc := httpstore.NewDefaultConfig()
	hc.Endpoint = "https://hooks.example/steps"
	hc.Headers = configopaque.MapList{{Name: "X-Api-Key", Value: httpHeader}}
	cfg.HTTP = configoptional.Some(hc)
	conf := confmap.New()
	require.NoError(t, conf.Marshal(cfg))
	printed := fmt.Sprintf("%v", conf.ToStringMap())
	require.NotContains(t, printed, pgPassword)
	require.NotContains(t, printed, httpHeader)
	require.Contains(t, printed, "[REDACTED]")
}

// liveDSN is the test PostgreSQL, as pgstore's tests find it.
func liveDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("AGENTSTEPS_PG_DSN")
	if dsn != "" {
		return dsn
	}
	const how = "run scripts/pg.sh start and export AGENTSTEPS_PG_DSN=$(scripts/pg.sh dsn)"
	if os.Getenv("CI") != "" || os.Getenv("AGENTSTEPS_REQUIRE_PG") != "" {
		t.Fatal("AGENTSTEPS_PG_DSN is not set, and CI or AGENTSTEPS_REQUIRE_PG requires the PostgreSQL tests: " + how)
	}
	t.Skip("AGENTSTEPS_PG_DSN is not set: " + how)
	return ""
}

// TestHTTPBackendOverTLSWithTheConfiguredCA posts to a TLS server whose
// certificate only the configured CA file vouches for; without that CA
// the client refuses the server.
func TestHTTPBackendOverTLSWithTheConfiguredCA(t *testing.T) {
	var got atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { got.Add(1) }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))

	cfg := httpConfig(srv.URL)
	cfg.RetryConfig.Enabled = false
	cfg.HTTP.Get().TLS.CAFile = caFile
	exp := startExporter(t, cfg, nopSettings(), componenttest.NewNopHost())
	require.NoError(t, exp.ConsumeTraces(context.Background(), traces(t, spanSpec{anchor: lettaPending(idA)})))
	require.NoError(t, exp.Shutdown(context.Background()))
	require.Equal(t, int32(1), got.Load())

	untrusting := httpConfig(srv.URL)
	untrusting.RetryConfig.Enabled = false
	exp = startExporter(t, untrusting, nopSettings(), componenttest.NewNopHost())
	err := exp.ConsumeTraces(context.Background(), traces(t, spanSpec{anchor: lettaPending(idA)}))
	require.ErrorContains(t, err, "certificate")
	require.NoError(t, exp.Shutdown(context.Background()))
	require.Equal(t, int32(1), got.Load())
}
