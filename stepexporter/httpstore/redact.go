package httpstore

import (
	"net/http"
	"net/url"
	"strings"
)

const redacted = "[REDACTED]"

// minSecret keeps short values (a "1" header, say) from mangling the text.
const minSecret = 4

// harmlessHeaders are sent by the client itself and hold no credential;
// leaving them readable keeps an echoed request useful for debugging.
var harmlessHeaders = map[string]bool{
	"Accept-Encoding": true, "Content-Encoding": true, "Content-Length": true,
	"Content-Type": true, "User-Agent": true,
}

// redactEcho removes from a response body what a server (or a debugging
// proxy) may echo back of the request and is a credential: the value of
// every header sent, those of the headers config and of auth extensions
// alike, and the password and query values of the endpoint.
func redactEcho(body string, sent *http.Request, endpoint string) string {
	var secrets []string
	add := func(s string) {
		if len(s) >= minSecret {
			secrets = append(secrets, s)
		}
	}
	if sent != nil {
		for name, values := range sent.Header {
			if harmlessHeaders[name] {
				continue
			}
			for _, v := range values {
				add(v)
				if _, token, ok := strings.Cut(v, " "); ok { // "Bearer <token>"
					add(token)
				}
			}
		}
	}
	if u, err := url.Parse(endpoint); err == nil {
		if p, ok := u.User.Password(); ok {
			add(p)
			add(url.QueryEscape(p))
		}
		for _, vs := range u.Query() {
			for _, v := range vs {
				add(v)
				add(url.QueryEscape(v))
			}
		}
	}
	for _, s := range secrets {
		body = strings.ReplaceAll(body, s, redacted)
	}
	return body
}
