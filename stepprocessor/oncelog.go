package stepprocessor

import "sync"

// maxLoggedKeys bounds a onceLog: past it nothing more is remembered (or
// logged), so a stream of made-up scope names cannot grow the processor's
// memory. The metrics still count every occurrence.
const maxLoggedKeys = 1024

// onceLog remembers which keys were logged, so that a warning shows once per
// key (an emitter's token contradictions, a scope's unclaimed model-call
// spans) and not once per span.
type onceLog struct {
	mu   sync.Mutex
	seen map[string]struct{}
}

// first reports whether key is seen for the first time, and remembers it.
func (l *onceLog) first(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.seen[key]; ok || len(l.seen) >= maxLoggedKeys {
		return false
	}
	if l.seen == nil {
		l.seen = map[string]struct{}{}
	}
	l.seen[key] = struct{}{}
	return true
}
