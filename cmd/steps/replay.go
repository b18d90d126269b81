package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

const replayUsage = `Usage: steps replay [flags] FILE...

Sends OTLP/JSON trace files to a collector, one OTLP export request per
line (as the collector's file exporter writes them), or one request for a
file holding a single pretty-printed object. Lines are sent in order.

With --repeat N the files are sent N times. The first copy keeps its ids;
every other copy gets fresh random trace and span ids (parents and links
follow), so each copy is a distinct trace. Letta steps keep the step_id
recorded in their attributes, so their copies merge into the same records.

A bad file or line is reported with its name and number; the rest is sent.
The exit code is 1 when anything was not sent.
`

// Consecutive failed requests after which replay stops: the collector is
// most likely not there, and every further request would fail the same way.
const maxConsecutiveFailures = 10

type replayOptions struct {
	endpoint string
	protocol string
	repeat   int
	rate     float64
	timeout  time.Duration
}

func runReplay(args []string, stdout, stderr io.Writer) int {
	var o replayOptions
	fs := newFlagSet("replay", replayUsage, stderr)
	fs.StringVar(&o.endpoint, "endpoint", "", "collector OTLP endpoint, host:port (default 127.0.0.1:4317 for grpc, 127.0.0.1:4318 for http)")
	fs.StringVar(&o.protocol, "protocol", "grpc", "OTLP transport: grpc, or http (protobuf POST to /v1/traces)")
	fs.IntVar(&o.repeat, "repeat", 1, "send the files this many times, each copy with fresh ids")
	fs.Float64Var(&o.rate, "rate", 0, "at most this many requests per second (0: as fast as the collector takes them)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "timeout of one request")
	if ok, code := parseFlags(fs, args, stdout); !ok {
		return code
	}
	if err := o.complete(fs.NArg()); err != nil {
		fmt.Fprintf(stderr, "steps replay: %v\n", err)
		return 2
	}

	var batches []traceBatch
	failed := false
	for _, path := range fs.Args() {
		b, errs := readTraceBatches(path)
		for _, err := range errs {
			fmt.Fprintf(stderr, "steps replay: %v\n", err)
			failed = true
		}
		batches = append(batches, b...)
	}
	if len(batches) == 0 {
		fmt.Fprintln(stderr, "steps replay: nothing to send")
		return 1
	}

	sender, err := newTraceSender(o.protocol, o.endpoint)
	if err != nil {
		fmt.Fprintf(stderr, "steps replay: %v\n", err)
		return 2
	}
	defer sender.close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	st, err := replay(ctx, sender, batches, o, stderr)
	fmt.Fprintf(stdout, "sent %d requests (%d spans) to %s over %s in %s\n",
		st.requests, st.spans, o.endpoint, o.protocol, st.elapsed.Round(time.Millisecond))
	if err != nil {
		fmt.Fprintf(stderr, "steps replay: %v\n", err)
		return 1
	}
	if failed || st.failed > 0 {
		return 1
	}
	return 0
}

func (o *replayOptions) complete(nargs int) error {
	switch {
	case nargs == 0:
		return errors.New("no FILE given; see steps replay --help")
	case o.protocol != "grpc" && o.protocol != "http":
		return fmt.Errorf("--protocol %q: use grpc or http", o.protocol)
	case o.repeat < 1:
		return fmt.Errorf("--repeat must be >= 1 (got %d)", o.repeat)
	case o.rate < 0:
		return fmt.Errorf("--rate must be >= 0 requests per second (got %g); 0 means no limit", o.rate)
	case o.timeout <= 0:
		return fmt.Errorf("--timeout must be > 0 (got %s)", o.timeout)
	}
	if o.endpoint == "" {
		o.endpoint = map[string]string{"grpc": "127.0.0.1:4317", "http": "127.0.0.1:4318"}[o.protocol]
	}
	return nil
}

type replayStats struct {
	requests, spans, failed int
	elapsed                 time.Duration
}

// replay sends every batch, repeat times, at most rate requests per second.
// A failed request is reported and the next one is tried; it returns an
// error only when it gives up.
func replay(ctx context.Context, sender traceSender, batches []traceBatch, o replayOptions, stderr io.Writer) (replayStats, error) {
	var st replayStats
	start := time.Now()
	pace := newPacer(o.rate)
	consecutive := 0
	for c := 1; c <= o.repeat; c++ {
		var remap *idRemapper
		if c > 1 {
			remap = newIDRemapper()
		}
		for _, b := range batches {
			td := b.traces
			if remap != nil {
				td = ptrace.NewTraces()
				b.traces.CopyTo(td)
				remap.apply(td)
			}
			if err := pace.wait(ctx); err != nil {
				st.elapsed = time.Since(start)
				return st, err
			}
			rctx, cancel := context.WithTimeout(ctx, o.timeout)
			err := sender.send(rctx, td)
			cancel()
			if err != nil {
				st.failed++
				consecutive++
				fmt.Fprintf(stderr, "steps replay: %s:%d (copy %d): %v\n", b.file, b.line, c, err)
				if ctx.Err() != nil {
					st.elapsed = time.Since(start)
					return st, fmt.Errorf("interrupted: %w", ctx.Err())
				}
				if consecutive >= maxConsecutiveFailures {
					st.elapsed = time.Since(start)
					return st, fmt.Errorf("giving up after %d failed requests in a row; is the collector listening on %s (%s)?", consecutive, o.endpoint, o.protocol)
				}
				continue
			}
			consecutive = 0
			st.requests++
			st.spans += td.SpanCount()
		}
	}
	st.elapsed = time.Since(start)
	return st, nil
}

// pacer spaces calls evenly at a rate per second; rate 0 never waits.
type pacer struct {
	interval time.Duration
	next     time.Time
}

func newPacer(rate float64) *pacer {
	if rate == 0 {
		return &pacer{}
	}
	return &pacer{interval: time.Duration(float64(time.Second) / rate)}
}

func (p *pacer) wait(ctx context.Context) error {
	if p.interval == 0 {
		return ctx.Err()
	}
	now := time.Now()
	if p.next.After(now) {
		t := time.NewTimer(p.next.Sub(now))
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		now = p.next
	}
	p.next = now.Add(p.interval)
	return nil
}
