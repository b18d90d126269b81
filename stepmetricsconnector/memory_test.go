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
