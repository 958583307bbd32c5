package models

import "time"

// Limits of curation rules.
const (
	MaxCurationRules = 500 // rules of one portal (and of both portals)
	MaxCurationItems = 20  // pins, hides and boosts in one rule, each
	MaxBoostFactor   = 10.0
)

// Curation matches.
const (
	CurationExact    = "exact"    // the query's words are the rule's, in order
	CurationContains = "contains" // the query's words hold the rule's, in order
)

// Curation is a rule a support team sets for what a query shows: articles
// pinned at a position, articles hidden, and categories or products
// boosted. It applies to search, deflection (on the draft's subject) and
// type-ahead of one portal, or both, when the query matches it.
type Curation struct {
	ID     string `json:"id"`
	Portal Portal `json:"portal,omitempty"` // empty: both portals
	// Query is the words the rule is for, compared as words: case,
	// accents and punctuation do not matter.
	Query string `json:"query"`
	// Match is CurationExact (the default) or CurationContains.
	Match string   `json:"match,omitempty"`
	Pins  []Pin    `json:"pins,omitempty"`
	Hide  []string `json:"hide,omitempty"` // article ids
	Boost []Boost  `json:"boost,omitempty"`
	// UpdatedBy names the key that last wrote the rule (empty from a
	// file), and UpdatedAt when.
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Pin puts an article at a position (1 is first) of the results.
type Pin struct {
	Article  string `json:"article"`
	Position int    `json:"position"`
}

// Boost multiplies the score of the hits of a category or product (or
// both, when both are set) by Factor; below 1 it demotes them.
type Boost struct {
	Category string  `json:"category,omitempty"`
	Product  string  `json:"product,omitempty"`
	Factor   float64 `json:"factor"`
}

// Normalize trims the query and defaults the match.
func (c *Curation) Normalize() {
	c.Query = collapseSpace(c.Query)
	if c.Match == "" {
		c.Match = CurationExact
	}
}

// Validate reports the first problem with the rule.
func (c *Curation) Validate() error {
	if err := ValidateID(c.ID); err != nil {
		return err
	}
	if c.Portal != "" && c.Portal != PortalCustomer && c.Portal != PortalITSM {
		return Invalid("portal", "must be customer, itsm or empty (both), got %q", c.Portal)
	}
	if c.Query == "" {
		return Invalid("query", "is required")
	}
	if err := checkText("query", c.Query, MaxSearchQueryLength); err != nil {
		return err
	}
	if c.Match != CurationExact && c.Match != CurationContains {
		return Invalid("match", "must be %s or %s, got %q", CurationExact, CurationContains, c.Match)
	}
	if len(c.Pins)+len(c.Hide)+len(c.Boost) == 0 {
		return Invalid("pins", "a rule needs a pin, a hide or a boost")
	}
	if len(c.Pins) > MaxCurationItems || len(c.Hide) > MaxCurationItems || len(c.Boost) > MaxCurationItems {
		return TooLarge("pins", "at most %d pins, hides and boosts each", MaxCurationItems)
	}
	for _, p := range c.Pins {
		if err := ValidateID(p.Article); err != nil {
			return Invalid("pins", "article: %v", err)
		}
		if p.Position < 1 || p.Position > MaxSearchLimit {
			return Invalid("pins", "position must be 1 to %d, got %d", MaxSearchLimit, p.Position)
		}
	}
	for _, id := range c.Hide {
		if err := ValidateID(id); err != nil {
			return Invalid("hide", "%v", err)
		}
	}
	for _, b := range c.Boost {
		if b.Category == "" && b.Product == "" {
			return Invalid("boost", "needs a category or a product")
		}
		if b.Factor <= 0 || b.Factor > MaxBoostFactor {
			return Invalid("boost", "factor must be above 0 and at most %g, got %g", MaxBoostFactor, b.Factor)
		}
	}
	return checkText("updated_by", c.UpdatedBy, MaxLabelLength)
}
