package models

import (
	"strings"
	"unicode"
)

// Limits of a team's synonym rules.
const (
	MaxSynonymPhrases     = 12  // phrases in one rule, the input included
	MaxSynonymPhraseBytes = 100 // bytes in one phrase
	MaxSynonymPhraseWords = 4   // words in one phrase
	MaxSynonymRules       = 500 // rules of one portal (and those of both portals)
)

// Synonym is a synonym rule a support team defines, applied to the
// searches, deflections and type-ahead of one portal (or both): a
// multi-way rule makes every phrase of Synonyms stand for every other
// ("laptop, notebook"); a one-way rule, with Input, makes Input also find
// Synonyms but not the other way round ("macbook" finds "laptop",
// "laptop" does not find "macbook").
type Synonym struct {
	ID       string   `json:"id"`
	Portal   Portal   `json:"portal,omitempty"` // empty: both portals
	Input    string   `json:"input,omitempty"`  // one-way rules only
	Synonyms []string `json:"synonyms"`
	// UpdatedBy names the key that last wrote the rule (empty from a
	// file).
	UpdatedBy string `json:"updated_by,omitempty"`
}

// Normalize trims the phrases and drops empty ones.
func (s *Synonym) Normalize() {
	s.Input = collapseSpace(s.Input)
	phrases := s.Synonyms[:0]
	for _, p := range s.Synonyms {
		if p = collapseSpace(p); p != "" {
			phrases = append(phrases, p)
		}
	}
	s.Synonyms = phrases
}

// Validate reports the first problem with the rule.
func (s *Synonym) Validate() error {
	if err := ValidateID(s.ID); err != nil {
		return err
	}
	if s.Portal != "" && s.Portal != PortalCustomer && s.Portal != PortalITSM {
		return Invalid("portal", "must be customer, itsm or empty (both), got %q", s.Portal)
	}
	least, most := 2, MaxSynonymPhrases
	if s.Input != "" {
		least, most = 1, MaxSynonymPhrases-1
		if err := checkPhrase("input", s.Input); err != nil {
			return err
		}
	}
	if n := len(s.Synonyms); n < least || n > most {
		return Invalid("synonyms", "needs %d to %d phrases, got %d", least, most, n)
	}
	for _, p := range s.Synonyms {
		if err := checkPhrase("synonyms", p); err != nil {
			return err
		}
	}
	return checkText("updated_by", s.UpdatedBy, MaxLabelLength)
}

// checkPhrase checks one phrase of a synonym rule.
func checkPhrase(field, p string) error {
	if err := checkText(field, p, MaxSynonymPhraseBytes); err != nil {
		return err
	}
	words := strings.FieldsFunc(p, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '’' })
	switch {
	case len(words) == 0:
		return Invalid(field, "phrase %q has no words", p)
	case len(words) > MaxSynonymPhraseWords:
		return Invalid(field, "phrase %q has %d words, at most %d allowed", p, len(words), MaxSynonymPhraseWords)
	}
	return nil
}
