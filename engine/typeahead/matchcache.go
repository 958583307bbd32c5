package typeahead

import (
	"slices"
	"sync"
)

// Finding the trie nodes within a few edits of a query word is a walk of
// the trie with an edit-distance row per node, a tenth of a query's work.
// People type the same words again and again, so the nodes each word
// matched are kept. Only a new word changes the trie's letters, so only
// that empties the cache; entries coming and going do not.

// maxCachedWords bounds the cache; when full it starts again empty.
const maxCachedWords = 1 << 14

type matchKey struct {
	word  string
	whole bool
}

// matchCache maps a query word to its matches. It has its own lock, since
// the queries that fill it hold the index's lock only for reading.
type matchCache struct {
	mu sync.Mutex
	m  map[matchKey][]match
}

// matches returns the trie nodes within maxEdits of word: whole words when
// whole is set, prefixes otherwise. The caller holds x.mu, for reading or
// writing. The result is shared: callers must not modify it.
func (x *Index) matches(word string, whole bool) []match {
	key := matchKey{word, whole}
	x.cache.mu.Lock()
	found, ok := x.cache.m[key]
	x.cache.mu.Unlock()
	if ok {
		return found
	}
	runes := []rune(word)
	found = x.root.fuzzy(runes, maxEdits(runes), whole)
	if whole {
		found = x.withStem(found, word)
	}
	x.cache.mu.Lock()
	if x.cache.m == nil || len(x.cache.m) >= maxCachedWords {
		x.cache.m = map[matchKey][]match{}
	}
	x.cache.m[key] = found
	x.cache.mu.Unlock()
	return found
}

// withStem adds to the matches of a whole word every indexed word of the
// same stem, as exact matches: "printers" matches "printer", "reset"
// matches "resetting", and "charged" "charges".
func (x *Index) withStem(found []match, word string) []match {
	s := stem(word)
	forms := x.stems[s]
	if n := x.root.find(s); n != nil && n.term >= 0 {
		forms = append(slices.Clip(forms), n.term) // the stem is a word itself
	}
	for _, id := range forms {
		n := x.root.find(x.words[id])
		i := slices.IndexFunc(found, func(m match) bool { return m.n == n })
		if i < 0 {
			found = append(found, match{n, 0})
		} else {
			found[i].dist = 0
		}
	}
	return found
}

// forgetMatches empties the cache; the caller holds x.mu for writing,
// having added a word to the trie.
func (x *Index) forgetMatches() {
	x.cache.mu.Lock()
	x.cache.m = nil
	x.cache.mu.Unlock()
}
