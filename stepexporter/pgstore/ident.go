package pgstore

import (
	"fmt"

	"github.com/jackc/pgx/v5"
)

// maxIdentifier is PostgreSQL's NAMEDATALEN - 1: longer names are silently
// truncated by the server, so two configs could name one table.
const maxIdentifier = 63

// validIdentifier accepts what PostgreSQL accepts unquoted, in any case:
// a letter or _ first, then letters, digits, _ or $. Everything reaches SQL
// quoted as well, so this is a second wall against injection, and it keeps
// names predictable for people who query the table by hand.
func validIdentifier(name string) error {
	if name == "" {
		return fmt.Errorf("must be set (for example steps)")
	}
	if len(name) > maxIdentifier {
		return fmt.Errorf("%.20q... is %d bytes long; use at most %d", name, len(name), maxIdentifier)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		letter := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if letter || (i > 0 && (c == '$' || (c >= '0' && c <= '9'))) {
			continue
		}
		return fmt.Errorf("%q is not a plain identifier; use letters, digits and _ only, starting with a letter or _", name)
	}
	return nil
}

// quote returns the identifier quoted for SQL.
func quote(parts ...string) string { return pgx.Identifier(parts).Sanitize() }
