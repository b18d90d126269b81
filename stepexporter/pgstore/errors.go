package pgstore

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/collector/consumer/consumererror"
)

// isDataError reports a server error caused by one row's values: a data
// exception (class 22), an integrity violation (class 23) or a program
// limit (class 54: an id too long for the primary key's index entry).
// Retrying the same rows cannot help, but the other rows of the batch can
// still go in.
func isDataError(err error) bool {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || len(pg.Code) < 2 {
		return false
	}
	switch pg.Code[:2] {
	case "22", "23", "54":
		return true
	}
	return false
}

// isPermanent reports errors that a retry of the same batch cannot fix: bad
// data, and SQL the table cannot take (class 42: a column was dropped or
// changed type under us; class 21: cardinality). Connection failures,
// shutdowns (57P*), resource limits (53), lock and serialization conflicts
// (40, 55) and timeouts are worth a retry.
func isPermanent(err error) bool {
	if isDataError(err) {
		return true
	}
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || len(pg.Code) < 2 {
		return false
	}
	switch pg.Code[:2] {
	case "42", "21", "0A", "2B":
		return true
	}
	return false
}

// classify marks permanent errors for the exporterhelper, after the
// message has been cleaned of secrets.
func (s *Store) classify(err error) error {
	if err == nil {
		return nil
	}
	wrapped := s.redact.wrap(err)
	if isPermanent(err) {
		return consumererror.NewPermanent(wrapped)
	}
	return wrapped
}
