package ticketindex

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/siftdesk/sift/engine/bm25"
	"github.com/siftdesk/sift/models"
)

// Scope is the tickets a search may return: those of a portal, and when
// set, of one organisation and of one requester (compared without case).
type Scope struct {
	Portal    models.Portal
	Org       string
	Requester string
}

// Search returns the k tickets within scope whose subject and body best
// match text, best first. A ticket's score is BM25 over its subject
// (weighted subjectWeight) plus BM25 over its body, each scaled by the
// share of the query's terms the field holds, and the sum by the share of
// the two fields that hold any: a ticket that shares more of the words
// ranks above one that repeats a few.
func (x *Index) Search(text string, k int, scope Scope) []models.TicketHit {
	x.mu.RLock()
	defer x.mu.RUnlock()
	org, knownOrg := x.orgs[scope.Org]
	requester, knownRequester := x.people[strings.ToLower(scope.Requester)]
	portal, knownPortal := x.portals[string(scope.Portal)]
	if !knownOrg || !knownRequester || !knownPortal || k <= 0 {
		return []models.TicketHit{} // no ticket has that organisation, requester or portal
	}
	terms, n := x.queryTerms(text)
	if len(terms) == 0 {
		return []models.TicketHit{}
	}
	acc := x.accumulator()
	defer x.scratch.Put(acc)
	var perWord [numFields]float64 // k1 × b / the field's average length
	for f := range numFields {
		if x.totals[f] > 0 {
			perWord[f] = k1 * b * float64(x.holding[f]) / x.totals[f]
		}
	}
	// The rare terms find the candidates, and a common one (see
	// bm25.CommonWords) only adds to the candidates they found.
	holders := make([]int32, len(terms))
	for i, q := range terms {
		holders[i] = max(x.df[q.id][fieldSubject], x.df[q.id][fieldBody])
	}
	common := bm25.CommonWords(holders, len(x.slots))
	for _, finding := range []bool{true, false} {
		for i, q := range terms {
			if common[i] == finding {
				continue
			}
			var idf [numFields]float64
			for f := range numFields {
				idf[f] = float64(q.count) * bm25.IDF(x.df[q.id][f], int(x.holding[f]))
			}
			for _, p := range x.postings[q.id] {
				d := &x.docs[p.slot]
				if finding {
					if !d.live || d.portal != portal || (scope.Org != "" && d.org != org) || (scope.Requester != "" && d.requester != requester) {
						continue
					}
				} else if !acc.found(p.slot) {
					continue
				}
				for f := range numFields {
					if p.tf[f] > 0 {
						acc.add(p.slot, f, idf[f]*saturate(p.tf[f], d.length[f], perWord[f]), q.count)
					}
				}
			}
		}
	}
	hits := acc.top(x.ids, n, k)
	acc.reset()
	return hits
}

// queryTerm is an indexed term of a query and how many times the query
// says it: a word said twice counts twice.
type queryTerm struct {
	id    uint32
	count uint16
}

// queryTerms returns text's distinct indexed terms, at most
// maxQueryTerms, and the number of words of text they and the words no
// ticket holds make (which match nothing).
func (x *Index) queryTerms(text string) (terms []queryTerm, words int) {
	for _, tok := range x.analyze(text) {
		id, ok := x.termIDs[tok.Term]
		i := slices.IndexFunc(terms, func(q queryTerm) bool { return q.id == id })
		switch {
		case ok && i >= 0:
			if terms[i].count < math.MaxUint16 {
				terms[i].count++
			}
		case ok && len(terms) < maxQueryTerms:
			terms = append(terms, queryTerm{id: id, count: 1})
		case ok:
			continue // past maxQueryTerms
		}
		words++
	}
	return terms, words
}

// saturate is BM25's weight of a term counted tf times in a field of
// length words, where perWord is k1 × b over the field's average length.
func saturate(tf uint16, length float32, perWord float64) float64 {
	t := float64(tf)
	return t * (k1 + 1) / (t + k1*(1-b) + perWord*float64(length))
}

// accumulator is one search's scratch space, by slot: sized to the index
// and reused across searches, so scoring allocates nothing per ticket.
type accumulator struct {
	sum     [][numFields]float32 // BM25 sums by field
	matched [][numFields]uint16  // query words each field holds
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
		acc.matched = make([][numFields]uint16, n)
	}
	return acc
}

// found reports whether slot has a sum.
func (acc *accumulator) found(slot uint32) bool {
	return acc.matched[slot] != [numFields]uint16{}
}

// add adds the BM25 in field f of a query term said count times to slot.
func (acc *accumulator) add(slot uint32, f int, score float64, count uint16) {
	if !acc.found(slot) {
		acc.touched = append(acc.touched, slot)
	}
	acc.sum[slot][f] += float32(score)
	acc.matched[slot][f] = uint16(min(int(acc.matched[slot][f])+int(count), math.MaxUint16))
}

// top scores the touched slots for a query of n terms and returns the k
// best; ties go to the earlier ticket id.
func (acc *accumulator) top(ids []string, n, k int) []models.TicketHit {
	best := make([]models.TicketHit, 0, k+1)
	byScore := func(a, b models.TicketHit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
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
		hit := models.TicketHit{ID: ids[slot], Score: score * fields / numFields}
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
		acc.sum[slot], acc.matched[slot] = [numFields]float32{}, [numFields]uint16{}
	}
	acc.touched = acc.touched[:0]
}
