package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"go.opentelemetry.io/collector/config/configopaque"
	"go.uber.org/zap"

	"github.com/agentsteps/collector/stepexporter/store"
	"github.com/agentsteps/collector/stepserver"
)

const serveUsage = `Usage: steps serve (--sqlite PATH | --postgres DSN) [--listen HOST:PORT]

Serves the store's Step records over HTTP until interrupted: Letta's Step
API (GET /v1/steps/, GET /v1/steps/{step_id}, PATCH .../feedback, GET
.../metrics, GET /v1/runs/{run_id}/steps), which @letta-ai/letta-client and
letta-client read with their base URL set to the printed address.

It only reads the store, except for feedback, which it stores so that no
later merge from spans replaces it. It listens on loopback unless told
otherwise. With AGENTSTEPS_SERVE_TOKEN set in the environment, every
request must carry Authorization: Bearer <token>; the token is never
printed. Browsers from other origins are refused unless --cors-origins
lists them.
`

// tokenEnv holds the bearer token: an environment variable, not a flag, so
// that it never shows in the process list.
const tokenEnv = "AGENTSTEPS_SERVE_TOKEN"

func runServe(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runServeContext(ctx, args, stdout, stderr)
}

// runServeContext serves until ctx ends, then shuts down and returns 0.
func runServeContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o listOptions
	cfg := stepserver.NewDefaultConfig()
	var origins string
	fs := newFlagSet("serve", serveUsage, stderr)
	fs.StringVar(&o.sqlitePath, "sqlite", "", "serve the SQLite file at `PATH` (as in the exporter's sqlite::path)")
	fs.StringVar(&o.postgresDSN, "postgres", "", "serve PostgreSQL at `DSN` (as in the exporter's postgres::dsn)")
	fs.StringVar(&o.pgTable, "table", "steps", "PostgreSQL table (as in postgres::table)")
	fs.StringVar(&o.pgSchema, "schema", "public", "PostgreSQL schema (as in postgres::schema)")
	fs.StringVar(&cfg.Listen, "listen", stepserver.DefaultListen, "listen on `HOST:PORT` (port 0 picks a free one)")
	fs.StringVar(&origins, "cors-origins", "", "comma-separated `ORIGINS` whose pages may call the API")
	if ok, code := parseFlags(fs, args, stdout); !ok {
		return code
	}
	o.limit = 1
	if err := o.validate(fs.NArg()); err != nil {
		fmt.Fprintf(stderr, "steps serve: %v\n", err)
		return 2
	}
	cfg.Token = configopaque.String(os.Getenv(tokenEnv))
	for _, s := range strings.Split(origins, ",") {
		if s = strings.TrimSpace(s); s != "" {
			cfg.CORSOrigins = append(cfg.CORSOrigins, s)
		}
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "steps serve: %v\n", err)
		return 2
	}

	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	reader, closeReader, err := openReader(openCtx, o)
	if err != nil {
		fmt.Fprintf(stderr, "steps serve: %v\n", err)
		return 1
	}
	defer closeReader()
	sr, ok := reader.(store.StepReader)
	if !ok {
		fmt.Fprintf(stderr, "steps serve: %s cannot be served\n", o.source())
		return 1
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		fmt.Fprintf(stderr, "steps serve: --listen %s: %v\n", cfg.Listen, err)
		return 1
	}
	logger, _ := zap.NewProduction()
	srv := &http.Server{Handler: stepserver.New(cfg, sr, logger), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "steps serve: %s on http://%s/ (Letta's API at http://%s/v1/steps/)\n", o.source(), ln.Addr(), ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		shutCtx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		err = srv.Shutdown(shutCtx)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "steps serve: %v\n", o.redact(err))
		return 1
	}
	return 0
}
