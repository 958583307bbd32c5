package typeahead

import "sync"

// A query of several words walks one word's entries and must find the
// others in each. When every word is common but few entries hold them all
// ("request the su": thousands of titles with "request", thousands with a
// word starting "su", few with both), the walk examined thousands of
// entries in full. A slotSet of the entries holding each other required
// word lets the walk skip, at the cost of a bit test, the entries that
// cannot match.

// filterAfter is how many of the driver's entries a query examines in full
// before it builds the sets: most queries fill their results sooner, and
// never pay for them.
const filterAfter = 256

// maxFilterEntries and maxFilterLists bound the entries, and the posting
// lists holding them, of a word turned into a slotSet: past them, building
// the set costs more than the tests it saves (a prefix like "0x" completes
// to thousands of one-entry words, each a list to find in the trie).
const (
	maxFilterEntries = 1 << 18
	maxFilterLists   = 1 << 10
)

// slotSet is a set of entry slots, one bit each.
type slotSet []uint64

func (s slotSet) add(slot int32)        { s[slot>>6] |= 1 << (slot & 63) }
func (s slotSet) holds(slot int32) bool { return s[slot>>6]&(1<<(slot&63)) != 0 }

var slotSets sync.Pool // of *slotSet, cleared

// slotSetWords is the length of a slotSet that holds every slot.
func (x *Index) slotSetWords() int { return (len(x.entries) + 63) / 64 }

// newSlotSet returns an empty set large enough for every slot of the index.
func (x *Index) newSlotSet() slotSet {
	n := x.slotSetWords()
	if p, ok := slotSets.Get().(*slotSet); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make(slotSet, n)
}

// release returns sets to the pool, cleared.
func release(sets []slotSet) {
	for _, s := range sets {
		clear(s)
		slotSets.Put(&s)
	}
}

// fill adds to s every entry holding a word that matches t.
func (x *Index) fill(s slotSet, t *token) slotSet {
	for _, list := range x.driverLists(t) {
		for _, p := range list {
			s.add(p.slot)
		}
	}
	return s
}

// filters returns a slotSet for each required token but the driver that
// is small enough to build; entries outside any of them cannot match.
// The sets are shared: callers must not modify them.
func (x *Index) filters(required []*token, driver *token) []slotSet {
	var out []slotSet
	for _, t := range required {
		if t != driver && t.cost <= maxFilterEntries && t.lists <= maxFilterLists {
			out = append(out, x.filterOf(t))
		}
	}
	return out
}

// The set for a word is the same for every query that types it, until an
// entry holding one of its matches comes or goes (a change of popularity
// alone keeps the entry's slot and words), so sets are kept.

// filterCacheBytes bounds the memory of the sets kept, each a bit per
// slot (12.5 KiB at 100,000 entries, so 1,342 sets); when full, a set
// picked at random makes room.
const filterCacheBytes = 16 << 20

// filterCache maps a query word to the set of entries holding a word it
// matches, built when x.members had the value at.
type filterCache struct {
	mu   sync.Mutex
	sets map[matchKey]builtFilter
}

type builtFilter struct {
	set slotSet
	at  uint64
}

// filterOf returns the set of entries holding a word that matches t; the
// caller holds x.mu for reading.
func (x *Index) filterOf(t *token) slotSet {
	key := matchKey{t.text, !t.prefix}
	x.wordSets.mu.Lock()
	f, ok := x.wordSets.sets[key]
	x.wordSets.mu.Unlock()
	if ok && f.at == x.members {
		return f.set
	}
	set := x.fill(make(slotSet, x.slotSetWords()), t)
	x.wordSets.mu.Lock()
	if x.wordSets.sets == nil {
		x.wordSets.sets = map[matchKey]builtFilter{}
	}
	for k := range x.wordSets.sets {
		if (len(x.wordSets.sets)+1)*len(set)*8 <= filterCacheBytes {
			break
		}
		delete(x.wordSets.sets, k) // map order: a random one
	}
	x.wordSets.sets[key] = builtFilter{set, x.members}
	x.wordSets.mu.Unlock()
	return set
}

// admitted reports whether slot is in every set.
func admitted(sets []slotSet, slot int32) bool {
	for _, s := range sets {
		if !s.holds(slot) {
			return false
		}
	}
	return true
}
