package ticketindex

import (
	"cmp"
	"math"
	"slices"

	"github.com/siftdesk/sift/models"
)

// Search returns the k tickets within scope whose subject and body best
// match text, best first. A ticket's score is BM25 over its subject
// (weighted subjectWeight) plus BM25 over its body, each scaled by the
// share of the query's terms the field holds, and the sum by the share of
// the two fields that hold any: a ticket that shares more of the words
// ranks above one that repeats a few.
func (x *Index) Search(text string, k int, scope models.TicketScope) []models.TicketHit {
	x.mu.RLock()
	defer x.mu.RUnlock()
	org, known := x.orgs[scope.Org]
	if !known || k <= 0 {
		return []models.TicketHit{} // no ticket has that organisation
	}
	terms := x.queryTerms(text)
	if len(terms) == 0 {
		return []models.TicketHit{}
	}
	acc := x.accumulator()
	defer x.scratch.Put(acc)
	var avg [numFields]float64
	for f := range numFields {
		if x.holding[f] > 0 {
			avg[f] = x.totals[f] / float64(x.holding[f])
		}
	}
	for _, term := range terms {
		var idf [numFields]float64
		for f := range numFields {
			idf[f] = inverseFrequency(x.df[term][f], x.holding[f])
		}
		for _, p := range x.postings[term] {
			d := &x.docs[p.slot]
			if !d.live || d.portal != scope.Portal || (scope.Org != "" && d.org != org) {
				continue
			}
			for f := range numFields {
				if p.tf[f] > 0 {
					acc.add(p.slot, f, idf[f]*saturate(p.tf[f], d.length[f], avg[f]))
				}
			}
		}
	}
	hits := acc.top(x.docs, len(terms), k)
	acc.reset()
	return hits
}

// queryTerms returns the ids of text's distinct indexed terms, at most
// maxQueryTerms; a word no ticket holds matches nothing and is left out.
func (x *Index) queryTerms(text string) []uint32 {
	var out []uint32
	for _, tok := range x.analyze(text) {
		id, ok := x.termIDs[tok.Term]
		if ok && !slices.Contains(out, id) {
			out = append(out, id)
			if len(out) == maxQueryTerms {
				break
			}
		}
	}
	return out
}

// inverseFrequency is BM25's idf of a term held by df of n tickets.
func inverseFrequency(df, n int32) float64 {
	if df <= 0 {
		return 0
	}
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

// saturate is BM25's weight of a term counted tf times in a field of
// length words, where fields average avg words.
func saturate(tf uint16, length float32, avg float64) float64 {
	norm := 1.0
	if avg > 0 {
		norm = 1 - b + b*float64(length)/avg
	}
	t := float64(tf)
	return t * (k1 + 1) / (t + k1*norm)
}

// accumulator is one search's scratch space, by slot: sized to the index
// and reused across searches, so scoring allocates nothing per ticket.
type accumulator struct {
	sum     [][numFields]float32 // BM25 sums by field
	matched [][numFields]uint8   // query terms each field holds
	touched []uint32             // slots with a sum
}

// accumulator returns a clean accumulator for the index's slots.
func (x *Index) accumulator() *accumulator {
	acc, _ := x.scratch.Get().(*accumulator)
	if acc == nil {
		acc = &accumulator{}
	}
	if n := len(x.docs); len(acc.sum) < n {
		acc.sum = make([][numFields]float32, n)
		acc.matched = make([][numFields]uint8, n)
	}
	return acc
}

// add adds one query term's BM25 in field f to slot.
func (acc *accumulator) add(slot uint32, f int, score float64) {
	if acc.matched[slot] == [numFields]uint8{} {
		acc.touched = append(acc.touched, slot)
	}
	acc.sum[slot][f] += float32(score)
	acc.matched[slot][f]++
}

// top scores the touched slots for a query of n terms and returns the k
// best; ties go to the earlier ticket id.
func (acc *accumulator) top(docs []doc, n, k int) []models.TicketHit {
	best := make([]models.TicketHit, 0, k+1)
	byScore := func(a, b models.TicketHit) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.ID, b.ID))
	}
	worst := -1 // index in best of its last hit, once full
	for _, slot := range acc.touched {
		var score, fields float64
		for f := range numFields {
			if m := acc.matched[slot][f]; m > 0 {
				weight := 1.0
				if f == fieldSubject {
					weight = subjectWeight
				}
				score += weight * float64(acc.sum[slot][f]) * float64(m) / float64(n)
				fields++
			}
		}
		hit := models.TicketHit{ID: docs[slot].id, Score: score * fields / numFields}
		switch {
		case len(best) < k:
			best = append(best, hit)
			if len(best) == k {
				worst = lastOf(best, byScore)
			}
		case byScore(hit, best[worst]) < 0:
			best[worst] = hit
			worst = lastOf(best, byScore)
		}
	}
	slices.SortFunc(best, byScore)
	return best
}

// lastOf returns the index of the hit that order puts last.
func lastOf(hits []models.TicketHit, order func(a, b models.TicketHit) int) int {
	last := 0
	for i := range hits {
		if order(hits[i], hits[last]) > 0 {
			last = i
		}
	}
	return last
}

// reset clears the touched slots for the next search.
func (acc *accumulator) reset() {
	for _, slot := range acc.touched {
		acc.sum[slot], acc.matched[slot] = [numFields]float32{}, [numFields]uint8{}
	}
	acc.touched = acc.touched[:0]
}
