package pgstore

import (
	"errors"
	"regexp"
	"strings"
)

const redacted = "[REDACTED]"

// Passwords as they appear in the two DSN forms: the userinfo of a URL and
// a password=... pair, quoted or not.
var (
	urlPassword = regexp.MustCompile(`(://[^:/@\s]*:)([^@\s]*)@`)
	kvPassword  = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s]+)`)
)

// redactor removes the DSN and its password from text that came from the
// driver or the server: both may echo a connection string.
type redactor struct{ secrets []string }

func newRedactor(dsn, password string) redactor {
	var r redactor
	for _, s := range []string{dsn, password} {
		if len(s) >= 3 { // shorter strings would mangle ordinary words
			r.secrets = append(r.secrets, s)
		}
	}
	for _, m := range urlPassword.FindAllStringSubmatch(dsn, -1) {
		if len(m[2]) >= 3 {
			r.secrets = append(r.secrets, m[2])
		}
	}
	for _, m := range kvPassword.FindAllStringSubmatch(dsn, -1) {
		if len(m[2]) >= 3 {
			r.secrets = append(r.secrets, m[2], strings.Trim(m[2], "'"))
		}
	}
	return r
}

func (r redactor) redact(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, redacted)
	}
	s = urlPassword.ReplaceAllString(s, "${1}"+redacted+"@")
	return kvPassword.ReplaceAllString(s, "${1}"+redacted)
}

// redactedError shows a cleaned message and keeps the original for
// errors.Is and errors.As (context.Canceled, *pgconn.PgError).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func (r redactor) wrap(err error) error {
	if err == nil {
		return nil
	}
	var already *redactedError
	if errors.As(err, &already) && already == err {
		return err
	}
	return &redactedError{msg: r.redact(err.Error()), err: err}
}
