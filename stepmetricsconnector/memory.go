package stepmetricsconnector

// stepMemory is the step memory: the states of the steps seen lately, by
// step id, with the least recently seen forgotten past max steps. The
// recency list runs through the states themselves, so that remembering a
// new step costs one allocation and one map insert (hashicorp's simplelru,
// used before, costs an entry per step and a second lookup).
type stepMemory struct {
	byID map[string]*stepState
	max  int
	// newest and oldest end the recency list (stepState.newer, older).
	newest, oldest *stepState
}

func newStepMemory(maxSteps int) *stepMemory {
	return &stepMemory{byID: map[string]*stepState{}, max: maxSteps}
}

// Get returns the state of step id and marks it the most recently seen.
func (m *stepMemory) Get(id string) (*stepState, bool) {
	st, ok := m.byID[id]
	if ok && st != m.newest {
		m.unlink(st)
		m.pushNewest(st)
	}
	return st, ok
}

// Peek returns the state of step id without marking it seen.
func (m *stepMemory) Peek(id string) (*stepState, bool) {
	st, ok := m.byID[id]
	return st, ok
}

// Add remembers st as step id's state, the most recently seen, in place
// of any state id had, and forgets the least recently seen step past max.
func (m *stepMemory) Add(id string, st *stepState) {
	if old, ok := m.byID[id]; ok {
		m.unlink(old)
	}
	m.addNew(id, st)
}

// addNew is Add for an id the memory does not hold, which the caller has
// just looked up: it saves Add's second lookup.
func (m *stepMemory) addNew(id string, st *stepState) {
	st.id = id
	m.byID[id] = st
	m.pushNewest(st)
	if len(m.byID) > m.max {
		m.RemoveOldest()
	}
}

// Oldest returns the least recently seen state.
func (m *stepMemory) Oldest() (*stepState, bool) { return m.oldest, m.oldest != nil }

// RemoveOldest forgets the least recently seen step.
func (m *stepMemory) RemoveOldest() {
	if st := m.oldest; st != nil {
		m.unlink(st)
		delete(m.byID, st.id)
	}
}

// Len is the number of steps remembered.
func (m *stepMemory) Len() int { return len(m.byID) }

func (m *stepMemory) pushNewest(st *stepState) {
	st.older, st.newer = m.newest, nil
	if m.newest != nil {
		m.newest.newer = st
	} else {
		m.oldest = st
	}
	m.newest = st
}

func (m *stepMemory) unlink(st *stepState) {
	if st.newer != nil {
		st.newer.older = st.older
	} else {
		m.newest = st.older
	}
	if st.older != nil {
		st.older.newer = st.newer
	} else {
		m.oldest = st.newer
	}
	st.newer, st.older = nil, nil
}
