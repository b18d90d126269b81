package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// traceSender sends one OTLP export request and reports spans the receiver
// refused as an error.
type traceSender interface {
	send(ctx context.Context, td ptrace.Traces) error
	close() error
}

func newTraceSender(protocol, endpoint string) (traceSender, error) {
	switch protocol {
	case "grpc":
		return newGRPCSender(endpoint)
	case "http":
		return newHTTPSender(endpoint)
	}
	return nil, fmt.Errorf("--protocol %q: use grpc or http", protocol)
}

type grpcSender struct {
	conn   *grpc.ClientConn
	client ptraceotlp.GRPCClient
}

func newGRPCSender(endpoint string) (*grpcSender, error) {
	if strings.Contains(endpoint, "://") {
		return nil, fmt.Errorf("--endpoint %q: for grpc give host:port, without a scheme", endpoint)
	}
	// Plain text, like the collector's own loopback receivers.
	conn, err := grpc.NewClient(endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("--endpoint %q: %w", endpoint, err)
	}
	return &grpcSender{conn: conn, client: ptraceotlp.NewGRPCClient(conn)}, nil
}

func (s *grpcSender) send(ctx context.Context, td ptrace.Traces) error {
	resp, err := s.client.Export(ctx, ptraceotlp.NewExportRequestFromTraces(td))
	if err != nil {
		return err
	}
	return partialSuccessError(resp)
}

func (s *grpcSender) close() error { return s.conn.Close() }

type httpSender struct {
	url    string
	client *http.Client
}

// newHTTPSender accepts host:port or a URL; without a path, the request goes
// to the OTLP default /v1/traces.
func newHTTPSender(endpoint string) (*httpSender, error) {
	raw := endpoint
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("--endpoint %q: give host:port or http://host:port/v1/traces", endpoint)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces"
	}
	return &httpSender{url: u.String(), client: &http.Client{}}, nil
}

func (s *httpSender) send(ctx context.Context, td ptrace.Traces) error {
	body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s: %s", s.url, resp.Status, bytes.TrimSpace(respBody[:min(len(respBody), 512)]))
	}
	out := ptraceotlp.NewExportResponse()
	if err := out.UnmarshalProto(respBody); err != nil {
		// A 2xx is success; an unreadable body only hides partial success.
		return nil
	}
	return partialSuccessError(out)
}

func (s *httpSender) close() error {
	s.client.CloseIdleConnections()
	return nil
}

func partialSuccessError(resp ptraceotlp.ExportResponse) error {
	ps := resp.PartialSuccess()
	if ps.RejectedSpans() == 0 {
		return nil
	}
	return fmt.Errorf("the collector rejected %d spans: %s", ps.RejectedSpans(), ps.ErrorMessage())
}
