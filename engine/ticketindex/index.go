// Package ticketindex is the in-memory full-text index that similar-ticket
// search reads: BM25 over a ticket's subject and body, the subject
// weighted above the body, within a scope (a portal, and an organisation
// for customer tickets). It scores every ticket a query's terms reach in
// one pass over flat posting lists, so finding the tickets most like a new
// one among 100,000 takes a few milliseconds where the general full-text
// index (bleve) takes tens.
//
// It holds no file: the engine fills it from the store in the background
// at start (until then similar tickets come from the full-text index) and
// keeps it up to date with every write.
package ticketindex

import (
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/siftdesk/sift/engine/bm25"
	"github.com/siftdesk/sift/models"
)

// The fields of a ticket that are searched.
const (
	fieldSubject = iota
	fieldBody
	numFields
)

// subjectWeight is how much a term in a ticket's subject counts against
// the same term in its body: the subject says what the ticket is about.
const subjectWeight = 4.0

// BM25's parameters: how fast a term's count saturates, and how much a
// long field is discounted.
const (
	k1 = 1.2
	b  = 0.75
)

// maxQueryTerms bounds the distinct terms of a query that are scored.
const maxQueryTerms = 64

// Index is an in-memory BM25 index of tickets. It is safe for concurrent
// use: searches share a read lock, writes take it alone.
type Index struct {
	analyze bm25.Analyzer

	mu       sync.RWMutex
	termIDs  map[string]uint32
	postings [][]posting        // by term id, in slot order
	df       [][numFields]int32 // by term id: live tickets holding the term in each field
	docs     []doc              // by slot
	ids      []string           // by slot
	held     [][]held           // by slot: the ticket's distinct terms, to take it out again
	slots    map[string]uint32  // live tickets' slots, by id
	orgs     map[string]uint32  // organisations, interned; 0 is none
	people   map[string]uint32  // requesters in lower case, interned; 0 is none
	portals  map[string]uint32  // portals, interned
	totals   [numFields]float64 // field lengths summed over live tickets
	holding  [numFields]int32   // live tickets whose field holds a term
	dead     int                // deleted slots still in posting lists
	scratch  sync.Pool          // *accumulator, sized to the slots

	// Until Loaded, written records the ids written since the index was
	// made, so that a ticket read from the store at start never replaces
	// a newer write or brings back a deleted ticket.
	loaded  bool
	written map[string]bool
}

// posting is one ticket's count of a term in each field.
type posting struct {
	slot uint32
	tf   [numFields]uint16
}

// doc is what scoring and the scope read of a ticket, kept flat by slot
// and small, so a search that touches many tickets stays in cache.
type doc struct {
	length    [numFields]float32
	org       uint32
	requester uint32
	portal    uint32 // interned
	live      bool
}

// held is a term of a ticket and the fields that hold it, one bit each.
type held struct {
	term   uint32
	fields uint8
}

// New returns an empty index that analyzes text with analyze.
func New(analyze bm25.Analyzer) *Index {
	return &Index{
		analyze: analyze,
		termIDs: map[string]uint32{},
		slots:   map[string]uint32{},
		orgs:    map[string]uint32{"": 0},
		people:  map[string]uint32{"": 0},
		portals: map[string]uint32{},
		written: map[string]bool{},
	}
}

// Len returns the number of tickets in the index.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.slots)
}

// Put adds tickets, or replaces them by id.
func (x *Index) Put(tickets ...*models.Ticket) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, t := range tickets {
		if !x.loaded {
			x.written[t.ID] = true
		}
		x.remove(t.ID)
		x.add(t)
	}
	x.compactIfSparse()
}

// Delete removes tickets by id; an unknown id is ignored.
func (x *Index) Delete(ids ...string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, id := range ids {
		if !x.loaded {
			x.written[id] = true
		}
		x.remove(id)
	}
	x.compactIfSparse()
}

// Load adds a ticket read from the store while the index is filled at
// start, unless a write has put or deleted it since the index was made:
// that write is newer.
func (x *Index) Load(t *models.Ticket) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.written[t.ID] {
		x.remove(t.ID)
		x.add(t)
	}
}

// MarkLoaded ends the filling at start: from now on the index answers
// for every ticket.
func (x *Index) MarkLoaded() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.loaded, x.written = true, nil
	x.compactIfSparse()
}

// Loaded reports whether the index has been filled (MarkLoaded).
func (x *Index) Loaded() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.loaded
}

// add indexes t in a new slot.
func (x *Index) add(t *models.Ticket) {
	slot := uint32(len(x.docs))
	d := doc{portal: intern(x.portals, string(t.Portal)), live: true,
		org: intern(x.orgs, t.Org), requester: intern(x.people, strings.ToLower(t.Requester))}
	counts := map[uint32][numFields]uint16{}
	for f, text := range [numFields]string{fieldSubject: t.Subject, fieldBody: t.Body} {
		toks := x.analyze(text)
		d.length[f] = float32(len(toks))
		x.totals[f] += float64(len(toks))
		if len(toks) > 0 {
			x.holding[f]++
		}
		for _, tok := range toks {
			id := x.termID(tok.Term)
			c := counts[id]
			if c[f] < math.MaxUint16 {
				c[f]++
			}
			counts[id] = c
		}
	}
	terms := make([]held, 0, len(counts))
	for id, c := range counts {
		h := held{term: id}
		for f := range numFields {
			if c[f] > 0 {
				x.df[id][f]++
				h.fields |= 1 << f
			}
		}
		terms = append(terms, h)
		x.postings[id] = append(x.postings[id], posting{slot: slot, tf: c})
	}
	x.docs = append(x.docs, d)
	x.ids = append(x.ids, t.ID)
	x.held = append(x.held, terms)
	x.slots[t.ID] = slot
}

// remove takes the ticket with id out of the statistics and the scope;
// its postings stay, dead, until the index is compacted.
func (x *Index) remove(id string) {
	slot, ok := x.slots[id]
	if !ok {
		return
	}
	d := &x.docs[slot]
	for _, h := range x.held[slot] {
		for f := range numFields {
			if h.fields&(1<<f) != 0 {
				x.df[h.term][f]--
			}
		}
	}
	for f := range numFields {
		x.totals[f] -= float64(d.length[f])
		if d.length[f] > 0 {
			x.holding[f]--
		}
	}
	d.live, x.held[slot] = false, nil
	delete(x.slots, id)
	x.dead++
}

// intern returns value's number in values, giving it the next if it is
// new.
func intern(values map[string]uint32, value string) uint32 {
	n, ok := values[value]
	if !ok {
		n = uint32(len(values))
		values[value] = n
	}
	return n
}

// termID returns the id of term, giving it one if it is new.
func (x *Index) termID(term string) uint32 {
	id, ok := x.termIDs[term]
	if !ok {
		id = uint32(len(x.postings))
		x.termIDs[term] = id
		x.postings = append(x.postings, nil)
		x.df = append(x.df, [numFields]int32{})
	}
	return id
}

// compactIfSparse drops dead slots from the posting lists once they are a
// quarter of all, renumbering the live ones.
func (x *Index) compactIfSparse() {
	if x.dead < 1024 || x.dead*4 < len(x.docs) {
		return
	}
	renumber := make([]uint32, len(x.docs))
	docs := make([]doc, 0, len(x.slots))
	ids := make([]string, 0, len(x.slots))
	held := make([][]held, 0, len(x.slots))
	for old, d := range x.docs {
		if d.live {
			renumber[old] = uint32(len(docs))
			x.slots[x.ids[old]] = uint32(len(docs))
			docs, ids, held = append(docs, d), append(ids, x.ids[old]), append(held, x.held[old])
		}
	}
	for term, list := range x.postings {
		kept := list[:0]
		for _, p := range list {
			if x.docs[p.slot].live {
				p.slot = renumber[p.slot]
				kept = append(kept, p)
			}
		}
		x.postings[term] = slices.Clip(kept)
	}
	x.docs, x.ids, x.held, x.dead = docs, ids, held, 0
}
