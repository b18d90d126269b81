package stepserver

import (
	"embed"
	"io/fs"
	"net/http"
)

// The page: plain HTML, CSS and JavaScript, no build step, with uPlot
// vendored from npm (ui/vendor/uplot/README.md).
//
//go:embed ui
var uiFiles embed.FS

// pageCSP allows only this server's own scripts: no inline script, no
// other origin, so a value that slipped into markup still could not run.
// uPlot sizes its elements through inline styles.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// uiHandler serves the page at / and its files under /ui/. They hold no
// data, so they need no token; the API they call does.
func uiHandler() (index, files http.Handler) {
	sub, err := fs.Sub(uiFiles, "ui")
	if err != nil {
		panic(err) // the embedded tree always has ui/
	}
	page, err := fs.ReadFile(sub, "index.html")
	if err != nil {
		panic(err)
	}
	secure := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", pageCSP)
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.Header().Set("Referrer-Policy", "no-referrer")
			h.ServeHTTP(w, r)
		})
	}
	index = secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	}))
	return index, secure(http.StripPrefix("/ui/", http.FileServerFS(sub)))
}
