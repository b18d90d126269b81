package stepserver

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"slices"

	"go.uber.org/zap"

	"github.com/agentsteps/collector/stepexporter/store"
)

// New returns the server's handler over r: the page at / (ui.go) and
// Letta's API under /v1/. Only GET, and PATCH of a step's feedback, are
// routed; anything else is 405 or 404.
func New(cfg Config, r store.StepReader, logger *zap.Logger) http.Handler {
	if logger == nil {
		logger = zap.NewNop()
	}
	a := &api{r: r, logger: logger}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/steps/{$}", a.listSteps)
	mux.HandleFunc("GET /v1/steps", a.listSteps)
	mux.HandleFunc("GET /v1/steps/{step_id}", a.getStep)
	mux.HandleFunc("PATCH /v1/steps/{step_id}/feedback", a.setFeedback)
	mux.HandleFunc("GET /v1/steps/{step_id}/metrics", a.metrics)
	mux.HandleFunc("GET /v1/steps/{step_id}/messages", a.messages)
	mux.HandleFunc("GET /v1/steps/{step_id}/trace", a.trace)
	mux.HandleFunc("GET /v1/runs/{run_id}/steps", a.runSteps)
	api := withCORS(cfg.CORSOrigins, withToken(string(cfg.Token), mux))
	index, files := uiHandler()
	root := http.NewServeMux()
	root.Handle("GET /{$}", index)
	root.Handle("GET /ui/", files)
	root.Handle("/", api)
	return root
}

// withToken requires the bearer token when one is configured. The
// comparison takes the same time however much of the token matches.
func withToken(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r) // a CORS preflight carries no credentials
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="steps"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong bearer token (Authorization: Bearer <token>)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// withCORS answers browsers from the listed origins only.
func withCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && slices.Contains(origins, origin) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", "GET, PATCH")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// writeError answers in FastAPI's shape, which Letta's clients read:
// {"detail": message}.
func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"detail": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true) // <script> in a value never reaches a page raw
	_ = enc.Encode(v)
}

// queryList reads a repeated parameter (FastAPI's List[str] query), also
// as name[] (qs-style clients); empty values are left out.
func queryList(q map[string][]string, name string) []string {
	var out []string
	for _, v := range append(slices.Clone(q[name]), q[name+"[]"]...) {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
