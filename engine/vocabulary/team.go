package vocabulary

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/siftdesk/sift/models"
)

// Team is the synonym rules a support team defined (models.Synonym) over
// a base vocabulary: the vocabulary of each portal is the base with the
// rules of that portal and of both, in id order. It is safe for
// concurrent use; reads take no lock.
type Team struct {
	base  *Vocabulary
	mu    sync.Mutex // orders writes
	rules map[string]models.Synonym
	built atomic.Pointer[map[models.Portal]*Vocabulary]
}

// NewTeam returns a Team without rules over base.
func NewTeam(base *Vocabulary) *Team {
	t := &Team{base: base, rules: map[string]models.Synonym{}}
	t.build()
	return t
}

// For returns the vocabulary of a portal.
func (t *Team) For(p models.Portal) *Vocabulary {
	if v := (*t.built.Load())[p]; v != nil {
		return v
	}
	return t.base
}

// Check reports whether s could be added: an error naming the problem
// when a phrase is not one the vocabulary can hold.
func (t *Team) Check(s models.Synonym) error {
	_, err := (&Vocabulary{byHead: map[string][]member{}}).With([]Rule{rule(s)})
	if err != nil {
		return models.Invalid("synonyms", "%s", strings.TrimPrefix(err.Error(), "rule 0: "))
	}
	return nil
}

// Put adds rules or replaces those of the same ids; a rule the
// vocabulary cannot hold is left out and reported, the others are kept.
func (t *Team) Put(rules ...models.Synonym) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var errs []string
	for _, s := range rules {
		if err := t.Check(s); err != nil {
			errs = append(errs, fmt.Sprintf("synonym rule %q: %v", s.ID, err))
			continue
		}
		t.rules[s.ID] = s
	}
	t.build()
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// Remove removes the rule of this id, if there is one.
func (t *Team) Remove(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.rules, id)
	t.build()
}

// Rules returns the rules that apply to a portal (its own and those of
// both portals), or every rule for an empty portal, in id order.
func (t *Team) Rules(p models.Portal) []models.Synonym {
	t.mu.Lock()
	defer t.mu.Unlock()
	return models.RulesFor(t.rules, p, func(s models.Synonym) models.Portal { return s.Portal })
}

// build makes each portal's vocabulary from the base and the rules.
func (t *Team) build() {
	built := map[models.Portal]*Vocabulary{}
	for _, p := range []models.Portal{models.PortalCustomer, models.PortalITSM} {
		var rules []Rule
		for _, s := range models.RulesFor(t.rules, p, func(s models.Synonym) models.Portal { return s.Portal }) {
			rules = append(rules, rule(s))
		}
		v, err := t.base.With(rules)
		if err != nil {
			v = t.base // unreachable: every rule was checked
		}
		built[p] = v
	}
	t.built.Store(&built)
}

func rule(s models.Synonym) Rule {
	if s.Input == "" {
		return Rule{Phrases: s.Synonyms}
	}
	return Rule{Input: s.Input, Phrases: s.Synonyms}
}
