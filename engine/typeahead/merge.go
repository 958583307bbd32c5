package typeahead

import "container/heap"

// merger walks several best-first posting lists as one best-first stream,
// each entry once.
type merger struct {
	x        *Index
	lists    [][]posting
	pos      []int
	h        []int   // list indexes, a heap ordered by each list's next entry
	seen     slotSet // entries returned, when there are several lists
	textOnly bool    // skip postings of keywords
	skipped  int     // postings of keywords skipped
}

// newMerger returns a merger of lists; with textOnly, it skips postings
// of keywords (before it checks for repeats, so an entry that holds one
// word as a keyword and another, matching too, in its text still comes).
func (x *Index) newMerger(lists [][]posting, textOnly bool) *merger {
	m := &merger{x: x, lists: lists, pos: make([]int, len(lists)), textOnly: textOnly}
	for i, l := range lists {
		if len(l) > 0 {
			m.h = append(m.h, i)
		}
	}
	if len(m.h) > 1 {
		m.seen = x.newSlotSet()
	}
	heap.Init(m)
	return m
}

// next returns the best entry not yet returned, or false at the end.
func (m *merger) next() (posting, bool) {
	for len(m.h) > 0 {
		i := m.h[0]
		p := m.lists[i][m.pos[i]]
		m.pos[i]++
		if m.pos[i] == len(m.lists[i]) {
			heap.Pop(m)
		} else {
			heap.Fix(m, 0)
		}
		if m.textOnly && !p.text {
			m.skipped++
			continue
		}
		if m.seen != nil {
			if m.seen.holds(p.slot) {
				continue
			}
			m.seen.add(p.slot)
		}
		return p, true
	}
	return posting{}, false
}

// close returns the merger's set to the pool.
func (m *merger) close() {
	if m.seen != nil {
		release([]slotSet{m.seen})
	}
}

func (m *merger) Len() int { return len(m.h) }
func (m *merger) Less(a, b int) bool {
	la, lb := m.h[a], m.h[b]
	return m.x.comparePostings(m.lists[la][m.pos[la]], m.lists[lb][m.pos[lb]]) < 0
}
func (m *merger) Swap(a, b int) { m.h[a], m.h[b] = m.h[b], m.h[a] }
func (m *merger) Push(v any)    { m.h = append(m.h, v.(int)) }
func (m *merger) Pop() any {
	v := m.h[len(m.h)-1]
	m.h = m.h[:len(m.h)-1]
	return v
}
