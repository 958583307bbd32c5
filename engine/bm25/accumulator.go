package bm25

import (
	"cmp"
	"slices"
	"strings"
)

// accumulator is one search's scratch space, by slot: sized to the index
// and reused across searches, so scoring allocates nothing per article.
type accumulator struct {
	fields  []fieldSums // a group's sums while it is scored
	touched []uint32    // slots with fields set
	score   []float32   // the article's score so far
	partial []float32   // the current level's parts, summed
	parts   []uint8     // how many of the current level's parts matched
	hits    []uint32    // slots with a score
	docs    []*doc      // the index's docs, for ties
	// match is, by term id, 1 + the index of a common word's match while
	// scoreCommon reads the articles found; 0 otherwise.
	match []int32
}

// fieldSums are an article's BM25 sums in each field for one group, and
// which of the group's words each field holds.
type fieldSums struct {
	sum  [numFields]float32
	mask [numFields]uint64
}

// accumulator returns a clean accumulator for the index's slots.
func (x *Index) accumulator() *accumulator {
	acc, _ := x.scratch.Get().(*accumulator)
	if acc == nil {
		acc = &accumulator{}
	}
	if n := len(x.docs); len(acc.score) < n {
		acc.fields = make([]fieldSums, n)
		acc.score = make([]float32, n)
		acc.partial = make([]float32, n)
		acc.parts = make([]uint8, n)
	}
	if n := len(x.terms); len(acc.match) < n {
		acc.match = make([]int32, n+n/4)
	}
	acc.docs = x.docs
	return acc
}

// addTerm adds to slot, whose meta is m, the BM25 in each field and in
// the whole article of a word that slot holds tf times in each field,
// with the word's weight w in each and its bit in the group.
func (acc *accumulator) addTerm(slot uint32, tf [fieldAll]uint16, m *docMeta, w [numFields]float64, bit uint64, avg [numFields]float64) {
	s := &acc.fields[slot]
	if s.mask[fieldAll] == 0 {
		acc.touched = append(acc.touched, slot)
	}
	all := 0
	for f, c := range tf {
		if c > 0 {
			s.sum[f] += float32(w[f] * saturate(c, m.length[f], avg[f]))
			s.mask[f] |= bit
			all += int(c)
		}
	}
	s.sum[fieldAll] += float32(w[fieldAll] * saturate(uint16(min(all, 1<<16-1)), m.length[fieldAll], avg[fieldAll]))
	s.mask[fieldAll] |= bit
}

// add adds one matched part to slot's current level.
func (acc *accumulator) add(slot uint32, score float64) {
	if acc.parts[slot] == 0 && acc.score[slot] == 0 {
		acc.hits = append(acc.hits, slot)
	}
	acc.partial[slot] += float32(score)
	acc.parts[slot]++
}

// close ends a level of n parts (the groups of a query, or the query and
// its equivalents): an article's score becomes what it had, which counts
// as one part when it matched, plus the level's parts, scaled by the share
// of parts it matched.
func (acc *accumulator) close(n int) {
	for _, slot := range acc.hits {
		matched := float32(acc.parts[slot])
		if acc.score[slot] > 0 {
			matched++
		}
		acc.score[slot] = (acc.score[slot] + acc.partial[slot]) * matched / float32(n)
		acc.partial[slot], acc.parts[slot] = 0, 0
	}
}

// top returns the hits from offset to offset+limit, best first; equal
// scores go by article id.
func (acc *accumulator) top(offset, limit int) []uint32 {
	k := offset + limit
	if k <= 0 {
		return nil
	}
	better := func(a, b uint32) int {
		if c := cmp.Compare(acc.score[b], acc.score[a]); c != 0 {
			return c
		}
		return strings.Compare(acc.docs[a].id, acc.docs[b].id)
	}
	best := make([]uint32, 0, k+1)
	for _, slot := range acc.hits {
		if len(best) == k && better(slot, best[k-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(best, slot, better)
		best = slices.Insert(best, i, slot)
		if len(best) > k {
			best = best[:k]
		}
	}
	if offset >= len(best) {
		return nil
	}
	return best[offset:]
}

// reset clears what the search left, for the next one.
func (acc *accumulator) reset() {
	for _, slot := range acc.hits {
		acc.score[slot] = 0
	}
	acc.hits = acc.hits[:0]
	acc.docs = nil
}
