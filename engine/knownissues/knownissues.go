// Package knownissues keeps the incidents agents confirmed and finds the
// open ones a search, a type-ahead prefix or a ticket draft is about, so
// that a portal shows "we know, we are on it" before anything else.
//
// An incident is about a text when all the words (stems) of one of its
// keywords are in the text, or when the text holds at least two thirds of
// the words of its title and two of them at least. Words are compared as
// the article index analyses them (stopwords out, stems), so "cameras went
// offline" matches the keyword "camera offline". For type-ahead, the last
// word may be the start of one. Only incidents the audience may see
// match: internal ones on the ITSM portal only, and on the customer
// portal those of products the customer is entitled to (or of none). It
// is safe for concurrent use.
package knownissues

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"github.com/siftdesk/sift/models"
)

// Set is the incidents, by id, with the words they are matched by.
type Set struct {
	analyze func(string) []string
	mu      sync.RWMutex
	byID    map[string]entry
}

// entry is an incident and its phrases as sets of stems: its keywords,
// then its title.
type entry struct {
	incident models.Incident
	keywords [][]string
	title    []string
}

// New returns an empty set that reads text with analyze (a text to its
// stems, in order).
func New(analyze func(string) []string) *Set {
	return &Set{analyze: analyze, byID: map[string]entry{}}
}

// Put adds or replaces incidents.
func (s *Set) Put(incidents ...models.Incident) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, i := range incidents {
		e := entry{incident: i, title: unique(s.analyze(i.Title))}
		for _, k := range i.Keywords {
			if stems := unique(s.analyze(k)); len(stems) > 0 {
				e.keywords = append(e.keywords, stems)
			}
		}
		s.byID[i.ID] = e
	}
}

// Remove forgets an incident; an unknown id is no error.
func (s *Set) Remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, id)
}

// List returns the incidents of a portal (its own and both portals'), or
// all of them for an empty portal, resolved ones included, in id order.
func (s *Set) List(p models.Portal) []models.Incident {
	s.mu.RLock()
	defer s.mu.RUnlock()
	all := make(map[string]models.Incident, len(s.byID))
	for id, e := range s.byID {
		all[id] = e.incident
	}
	return models.RulesFor(all, p, func(i models.Incident) models.Portal { return i.Portal })
}

// Matching returns the open incidents the audience may see that text is
// about, most recently updated first. With prefix, the text's last word
// may be the start of an incident's word (type-ahead).
func (s *Set) Matching(a models.Audience, text string, prefix bool) []models.Incident {
	words := s.analyze(text)
	if len(words) == 0 {
		return nil
	}
	last := ""
	if prefix {
		last = words[len(words)-1]
	}
	has := func(stem string) bool {
		return slices.Contains(words, stem) || last != "" && strings.HasPrefix(stem, last)
	}
	f := a.Filter()
	s.mu.RLock()
	var out []models.Incident
	for _, e := range s.byID {
		i := e.incident
		if !i.Open() || !a.Portal.Covers(i.Portal) || !f.Allows(i.Visibility, i.Products, nil) {
			continue
		}
		if e.matches(has) {
			out = append(out, i)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(x, y models.Incident) int {
		if c := y.UpdatedAt.Compare(x.UpdatedAt); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
	return out
}

// matches reports whether a text whose stems has reports holds one of the
// incident's keywords whole, or most of its title.
func (e entry) matches(has func(string) bool) bool {
	for _, k := range e.keywords {
		if !slices.ContainsFunc(k, func(stem string) bool { return !has(stem) }) {
			return true
		}
	}
	held := 0
	for _, stem := range e.title {
		if has(stem) {
			held++
		}
	}
	return held >= 2 && 3*held >= 2*len(e.title)
}

// unique returns stems without repeats, in order.
func unique(stems []string) []string {
	var out []string
	for _, s := range stems {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
