package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/agentsteps/collector/stepexporter/sqlitestore"
	"github.com/agentsteps/collector/stepexporter/store"
)

// openReader opens the store named by the flags for reading. Errors never
// carry the DSN's password.
func openReader(ctx context.Context, o listOptions) (store.Reader, func(), error) {
	if o.sqlitePath != "" {
		// The store creates a missing file; listing a mistyped path should
		// say so instead of showing an empty new database.
		if _, err := os.Stat(o.sqlitePath); err != nil {
			return nil, nil, fmt.Errorf("--sqlite %s: %w; give the file of the exporter's sqlite::path", o.sqlitePath, errors.Unwrap(err))
		}
		cfg := sqlitestore.NewDefaultConfig()
		cfg.Path = o.sqlitePath
		s, err := sqlitestore.Open(ctx, cfg)
		if err != nil {
			return nil, nil, err
		}
		return s, func() { _ = s.Close(context.Background()) }, nil
	}
	r, closeFn, err := openPostgresReader(ctx, o)
	if err != nil {
		return nil, nil, fmt.Errorf("--postgres %s: %v", redactDSN(o.postgresDSN), o.redact(err))
	}
	return r, closeFn, nil
}

// source names the store for messages, without credentials.
func (o listOptions) source() string {
	if o.sqlitePath != "" {
		return o.sqlitePath
	}
	return redactDSN(o.postgresDSN)
}

// redact removes the DSN's password from an error text, wherever a driver
// may have quoted it.
func (o listOptions) redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if pw := dsnPassword(o.postgresDSN); pw != "" {
		msg = strings.ReplaceAll(msg, pw, "xxxxx")
	}
	msg = kvPassword.ReplaceAllString(msg, "${1}xxxxx")
	return errors.New(msg)
}

// kvPassword matches password=... in a key=value DSN, quoted or not.
var kvPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// redactDSN hides the password of a URL or key=value DSN.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.Redacted()
	}
	return kvPassword.ReplaceAllString(dsn, "${1}xxxxx")
}

func dsnPassword(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		if pw, ok := u.User.Password(); ok {
			return pw
		}
		return u.Query().Get("password")
	}
	if m := kvPassword.FindStringSubmatch(dsn); m != nil {
		return strings.Trim(m[2], "'")
	}
	return ""
}
