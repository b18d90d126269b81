package stepmetricsconnector

import "hash/maphash"

// stepMemory is the step memory: the states of the steps seen lately, by
// step id, with the least recently seen forgotten past max steps. The
// recency list runs through the states themselves, so that remembering a
// new step costs one allocation and one map insert (hashicorp's simplelru,
// used before, costs an entry per step and a second lookup).
//
// The map is keyed by a 64-bit hash of the id, computed once per lookup
// and reused by the insert that follows it: a string-keyed map hashes the
// id on the lookup, again on the insert and again each time it grows. Ids
// whose hashes collide are chained through stepState.sameHash and told
// apart by the id itself.
//
// States are allocated stateBlock at a time and a forgotten state is kept
// for the next new step, so that a new step costs no allocation of its
// own: the free states never number more than max, the bound the memory
// holds anyway.
type stepMemory struct {
	byHash map[uint64]*stepState
	seed   maphash.Seed
	// mask is ANDed into every hash: all ones, but tests clear bits to make
	// ids collide.
	mask uint64
	n    int // states held
	max  int
	// newest and oldest end the recency list (stepState.newer, older).
	newest, oldest *stepState
	// free is the list of forgotten states (linked by stepState.newer);
	// block is what is left of the last block allocated.
	free  *stepState
	block []stepState
}

// stateBlock is how many states one allocation makes: 63 states of 384
// bytes and the runtime's 8-byte header fill its 24 KiB size class (64
// would take the next, 27 KiB: 42 bytes a step lost), under its
// large-object size.
const stateBlock = 63

// alloc returns a zero state for a new step.
func (m *stepMemory) alloc() *stepState {
	if st := m.free; st != nil {
		m.free, st.newer = st.newer, nil
		return st
	}
	if len(m.block) == 0 {
		m.block = make([]stepState, stateBlock)
	}
	st := &m.block[0]
	m.block = m.block[1:]
	return st
}

func newStepMemory(maxSteps int) *stepMemory {
	return &stepMemory{byHash: map[uint64]*stepState{}, seed: maphash.MakeSeed(), mask: ^uint64(0), max: maxSteps}
}

// hash is the map key of step id.
func (m *stepMemory) hash(id string) uint64 { return maphash.String(m.seed, id) & m.mask }

// find returns the state of step id, whose hash is h, and the first state
// of h's chain (nil when no id has hash h) for addNew.
func (m *stepMemory) find(h uint64, id string) (st, head *stepState) {
	head = m.byHash[h]
	for st = head; st != nil && st.id != id; st = st.sameHash {
	}
	return st, head
}

// Get returns the state of step id and marks it the most recently seen.
func (m *stepMemory) Get(id string) (*stepState, bool) {
	st, _ := m.find(m.hash(id), id)
	if st != nil {
		m.touch(st)
	}
	return st, st != nil
}

// touch marks st the most recently seen.
func (m *stepMemory) touch(st *stepState) {
	if st != m.newest {
		m.unlink(st)
		m.pushNewest(st)
	}
}

// Peek returns the state of step id without marking it seen.
func (m *stepMemory) Peek(id string) (*stepState, bool) {
	st, _ := m.find(m.hash(id), id)
	return st, st != nil
}

// Add remembers st as step id's state, the most recently seen, in place
// of any state id had, and forgets the least recently seen step past max.
func (m *stepMemory) Add(id string, st *stepState) {
	h := m.hash(id)
	if old, _ := m.find(h, id); old != nil {
		m.remove(old)
	}
	_, head := m.find(h, id)
	m.addNew(h, id, st, head)
}

// addNew is Add for an id the memory does not hold, whose hash h the
// caller has just looked up (find), finding head: it saves Add's second
// lookup.
func (m *stepMemory) addNew(h uint64, id string, st, head *stepState) {
	st.id = id
	st.sameHash = head // nil but for a collision
	m.byHash[h] = st
	m.n++
	m.pushNewest(st)
	if m.n > m.max {
		m.RemoveOldest()
	}
}

// Oldest returns the least recently seen state.
func (m *stepMemory) Oldest() (*stepState, bool) { return m.oldest, m.oldest != nil }

// RemoveOldest forgets the least recently seen step.
func (m *stepMemory) RemoveOldest() {
	if st := m.oldest; st != nil {
		m.remove(st)
	}
}

// remove forgets st, which the caller must not use again: its memory
// goes to the next new step.
func (m *stepMemory) remove(st *stepState) {
	m.unlink(st)
	m.n--
	h := m.hash(st.id) // hashed again rather than kept: 8 bytes a step
	head := m.byHash[h]
	switch {
	case head == st && st.sameHash == nil:
		delete(m.byHash, h)
	case head == st:
		m.byHash[h] = st.sameHash
	default:
		for p := head; p != nil; p = p.sameHash {
			if p.sameHash == st {
				p.sameHash = st.sameHash
				break
			}
		}
	}
	*st = stepState{newer: m.free} // its strings are garbage now
	m.free = st
}

// Len is the number of steps remembered.
func (m *stepMemory) Len() int { return m.n }

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
