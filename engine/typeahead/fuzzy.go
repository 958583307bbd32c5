package typeahead

// match is a trie node whose letters are within dist edits of a query word.
type match struct {
	n    *node
	dist int
}

// fuzzy finds the nodes whose path is within max edits of q, counting a
// swap of two neighbouring letters as one edit (optimal string alignment).
// A word whose first letter differs from q's may hold only that one edit.
//
// With whole set, only nodes that end a word count: the word matches q.
// Otherwise every node counts, since its whole subtree completes the prefix
// q; a node below a match is reported only when it is strictly closer.
func (n *node) fuzzy(q []rune, max int, whole bool) []match {
	if max == 0 {
		found := n.find(string(q))
		if found == nil || whole && found.term < 0 {
			return nil
		}
		return []match{{found, 0}}
	}
	s := fuzzySearch{q: q, max: max, whole: whole}
	s.rows = make([][]int, 1, len(q)+max+2)
	s.rows[0] = make([]int, len(q)+1)
	for j := range s.rows[0] {
		s.rows[0][j] = j
	}
	if first := n.child(q[0]); first != nil {
		s.visit(first, q[0], 1, max+1)
	}
	// A typo in the first letter is the only one allowed: the walk then
	// explores every branch of the trie, and one edit prunes it quickly.
	s.max = 1
	for i, k := range n.kids {
		if n.keys[i] != q[0] {
			s.visit(k, n.keys[i], 1, s.max+1)
		}
	}
	return s.out
}

type fuzzySearch struct {
	q     []rune
	max   int
	whole bool
	rows  [][]int // rows[d] is the edit-distance row at depth d
	path  []rune  // path[d-1] is the letter at depth d
	out   []match
}

// visit scores node n, reached by letter c at depth d. best is the distance
// of the closest match above n (max+1 if none).
func (s *fuzzySearch) visit(n *node, c rune, d, best int) {
	m := len(s.q)
	if len(s.rows) <= d {
		s.rows = append(s.rows, make([]int, m+1))
	}
	if len(s.path) < d {
		s.path = append(s.path, c)
	}
	s.path[d-1] = c
	prev, row := s.rows[d-1], s.rows[d]
	row[0] = d
	low := row[0]
	for j := 1; j <= m; j++ {
		cost := 1
		if s.q[j-1] == c {
			cost = 0
		}
		v := min(prev[j]+1, row[j-1]+1, prev[j-1]+cost)
		if d > 1 && j > 1 && s.q[j-1] == s.path[d-2] && s.q[j-2] == c {
			v = min(v, s.rows[d-2][j-2]+1)
		}
		row[j] = v
		low = min(low, v)
	}
	dist := row[m]
	if s.whole {
		if n.term >= 0 && dist <= s.max {
			s.out = append(s.out, match{n, dist})
		}
	} else if dist <= s.max && dist < best {
		s.out = append(s.out, match{n, dist})
		best = dist
	}
	if low > s.max {
		return
	}
	for i, k := range n.kids {
		s.visit(k, n.keys[i], d+1, best)
	}
}
