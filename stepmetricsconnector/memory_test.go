package stepmetricsconnector

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStepMemoryForgetsTheLeastRecentlySeen: past max steps the step seen
// longest ago goes; Get counts as seen, Peek does not; Add over a known
// id replaces its state.
func TestStepMemoryForgetsTheLeastRecentlySeen(t *testing.T) {
	m := newStepMemory(3)
	m.RemoveOldest() // empty: nothing happens
	for _, id := range []string{"a", "b", "c"} {
		m.Add(id, &stepState{})
	}
	_, ok := m.Get("a") // a is now the newest; b the oldest
	require.True(t, ok)
	_, ok = m.Peek("b") // no change
	require.True(t, ok)
	m.Add("d", &stepState{})
	require.Equal(t, 3, m.Len())
	_, ok = m.Peek("b")
	require.False(t, ok, "b was seen longest ago")

	fresh := &stepState{}
	m.Add("c", fresh) // replaces c, which becomes the newest
	require.Equal(t, 3, m.Len())
	got, _ := m.Peek("c")
	require.Same(t, fresh, got)

	var order []string
	for m.Len() > 0 {
		st, ok := m.Oldest()
		require.True(t, ok)
		order = append(order, st.id)
		m.RemoveOldest()
	}
	require.Equal(t, []string{"a", "d", "c"}, order)
	_, ok = m.Oldest()
	require.False(t, ok)
}

// TestStepMemoryTellsCollidingIdsApart: ids whose hashes collide (every
// hash bit masked off) are still found, replaced and forgotten one by one.
func TestStepMemoryTellsCollidingIdsApart(t *testing.T) {
	m := newStepMemory(3)
	m.mask = 0
	states := map[string]*stepState{}
	for _, id := range []string{"a", "b", "c"} {
		states[id] = &stepState{}
		m.Add(id, states[id])
	}
	require.Len(t, m.byHash, 1)
	for id, want := range states {
		got, ok := m.Peek(id)
		require.True(t, ok, id)
		require.Same(t, want, got, id)
	}
	fresh := &stepState{}
	m.Add("b", fresh) // replaces b, in the middle of the chain
	got, _ := m.Peek("b")
	require.Same(t, fresh, got)
	require.Equal(t, 3, m.Len())
	m.Add("d", &stepState{}) // a, the oldest, goes
	_, ok := m.Peek("a")
	require.False(t, ok)
	for _, id := range []string{"c", "b", "d"} {
		_, ok := m.Peek(id)
		require.True(t, ok, id)
		m.RemoveOldest()
		_, ok = m.Peek(id)
		require.False(t, ok, id)
	}
	require.Zero(t, m.Len())
	require.Empty(t, m.byHash)
}

// TestStepMemoryReusesForgottenStates: a forgotten state is the next new
// step's, zeroed, and states come a block at a time.
func TestStepMemoryReusesForgottenStates(t *testing.T) {
	m := newStepMemory(1)
	a := m.alloc()
	a.rec.str[recModel], a.done = "gpt", true
	m.addNew(m.hash("a"), "a", a, nil)
	b := m.alloc()
	require.NotSame(t, a, b)
	m.addNew(m.hash("b"), "b", b, nil) // a, past max, is forgotten
	_, ok := m.Peek("a")
	require.False(t, ok)
	c := m.alloc()
	require.Same(t, a, c, "the forgotten state is reused")
	require.Equal(t, stepState{}, *c)
	require.Len(t, m.block, stateBlock-2)
}
