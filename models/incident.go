package models

import (
	"slices"
	"strings"
	"time"
)

// Incident statuses.
const (
	IncidentInvestigating = "investigating"
	IncidentIdentified    = "identified"
	IncidentResolved      = "resolved"
)

// Limits of incidents.
const (
	MaxIncidents        = 500  // open and resolved incidents kept
	MaxIncidentMessage  = 2000 // bytes of an incident's public message
	MaxIncidentKeywords = 20
)

// Incident is a known issue agents confirmed (from a spike of tickets, or
// by hand): while it is open, people whose search, type-ahead or ticket
// draft matches it see its notice first, on the portals and for the
// products it affects; a ticket filed anyway is linked to it in triage.
type Incident struct {
	ID string `json:"id"`
	// Portal is the portal the incident is shown on; empty: both.
	Portal Portal `json:"portal,omitempty"`
	// Title and Message are what people see: a short title and a public
	// message (plain text).
	Title   string `json:"title"`
	Message string `json:"message"`
	// Status is IncidentInvestigating, IncidentIdentified or
	// IncidentResolved; a resolved incident is shown nowhere.
	Status string `json:"status"`
	// Visibility is public (customers and employees) or internal
	// (employees only, on the ITSM portal).
	Visibility Visibility `json:"visibility,omitempty"`
	// Products are the products it affects: only end users entitled to
	// one of them see it on the customer portal. None: everyone.
	Products []string `json:"products,omitempty"`
	// Keywords are words and phrases that match it besides its title
	// ("E-423", "camera offline").
	Keywords []string `json:"keywords,omitempty"`
	// Tickets are tickets agents linked to it (a spike's).
	Tickets []string `json:"tickets,omitempty"`
	// UpdatedBy names the key that last wrote it, and UpdatedAt when.
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Open reports whether the incident is still shown.
func (i *Incident) Open() bool { return i.Status != IncidentResolved }

// Normalize trims the text, defaults status and visibility, and
// normalises products.
func (i *Incident) Normalize() {
	i.Title, i.Message = collapseSpace(i.Title), strings.TrimSpace(i.Message)
	if i.Status == "" {
		i.Status = IncidentInvestigating
	}
	if i.Visibility == "" {
		i.Visibility = VisibilityPublic
	}
	i.Products = NormalizeCodes(i.Products)
	var kw []string
	for _, k := range i.Keywords {
		if k = collapseSpace(k); k != "" && !slices.Contains(kw, k) {
			kw = append(kw, k)
		}
	}
	i.Keywords = kw
}

// Validate reports the first problem with the incident.
func (i *Incident) Validate() error {
	if err := ValidateID(i.ID); err != nil {
		return err
	}
	switch {
	case i.Portal != "" && i.Portal != PortalCustomer && i.Portal != PortalITSM:
		return Invalid("portal", "must be customer, itsm or empty (both), got %q", i.Portal)
	case i.Title == "":
		return Invalid("title", "is required")
	case i.Status != IncidentInvestigating && i.Status != IncidentIdentified && i.Status != IncidentResolved:
		return Invalid("status", "must be investigating, identified or resolved, got %q", i.Status)
	case i.Visibility != VisibilityPublic && i.Visibility != VisibilityInternal:
		return Invalid("visibility", "must be public or internal, got %q", i.Visibility)
	case len(i.Keywords) > MaxIncidentKeywords:
		return Invalid("keywords", "has %d, at most %d allowed", len(i.Keywords), MaxIncidentKeywords)
	case len(i.Tickets) > MaxEventArticles:
		return Invalid("tickets", "has %d, at most %d allowed", len(i.Tickets), MaxEventArticles)
	}
	if err := checkTexts(MaxLabelLength, "title", i.Title); err != nil {
		return err
	}
	if err := checkText("message", i.Message, MaxIncidentMessage); err != nil {
		return err
	}
	for _, k := range i.Keywords {
		if err := checkText("keywords", k, MaxLabelLength); err != nil {
			return err
		}
	}
	return ValidateCodes("products", i.Products)
}

// KnownIssue is the notice of an open incident, as a portal shows it.
type KnownIssue struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Message   string    `json:"message"`
	Status    string    `json:"status"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Notice returns the incident's notice.
func (i *Incident) Notice() KnownIssue {
	return KnownIssue{ID: i.ID, Title: i.Title, Message: i.Message, Status: i.Status, UpdatedAt: i.UpdatedAt}
}
