package models

import (
	"strings"
	"time"
)

// Priority is a ticket's urgency.
type Priority string

// Ticket priorities, least urgent first.
const (
	PriorityLow      Priority = "low"
	PriorityMedium   Priority = "medium"
	PriorityHigh     Priority = "high"
	PriorityCritical Priority = "critical"
)

// Priorities lists the valid priorities, least urgent first.
var Priorities = []Priority{PriorityLow, PriorityMedium, PriorityHigh, PriorityCritical}

// Ticket is a support ticket (customer portal) or an incident or service
// request (ITSM portal).
type Ticket struct {
	ID         string    `json:"id"`
	Portal     Portal    `json:"portal"`
	Org        string    `json:"org,omitempty"` // the customer's organisation; empty for employees
	Requester  string    `json:"requester,omitempty"`
	Subject    string    `json:"subject,omitempty"`
	Body       string    `json:"body,omitempty"`
	Category   string    `json:"category,omitempty"`
	Priority   Priority  `json:"priority,omitempty"`
	Group      string    `json:"group,omitempty"`      // assignment group
	Department string    `json:"department,omitempty"` // support, finance, logistics, it, ...
	Status     string    `json:"status,omitempty"`
	Resolution string    `json:"resolution,omitempty"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	// Extra keeps source fields Sift does not model.
	Extra Extra `json:"-"`
}

type ticketFields Ticket

var ticketKeys = []string{"id", "portal", "org", "requester", "subject", "body", "category",
	"priority", "group", "department", "status", "resolution", "created_at", "resolved_at"}

// UnmarshalJSON decodes a ticket, keeping unknown members in Extra.
func (t *Ticket) UnmarshalJSON(data []byte) error {
	var f ticketFields
	extra, err := decodeDated(data, &f, ticketKeys)
	if err != nil {
		return err
	}
	*t = Ticket(f)
	t.Extra = extra
	return nil
}

// MarshalJSON encodes a ticket with its Extra members.
func (t Ticket) MarshalJSON() ([]byte, error) {
	return encodeWithExtra(ticketFields(t), t.Extra)
}

// Normalize trims whitespace and lower-cases the enumerated fields. Call it
// before Validate.
func (t *Ticket) Normalize() {
	t.ID = strings.TrimSpace(t.ID)
	t.Portal = Portal(strings.ToLower(strings.TrimSpace(string(t.Portal))))
	t.Org = strings.TrimSpace(t.Org)
	t.Subject = strings.TrimSpace(t.Subject)
	t.Category = strings.TrimSpace(t.Category)
	t.Priority = Priority(strings.ToLower(strings.TrimSpace(string(t.Priority))))
	t.Group = strings.TrimSpace(t.Group)
	t.Department = strings.ToLower(strings.TrimSpace(t.Department))
	t.Status = strings.ToLower(strings.TrimSpace(t.Status))
}

// Validate reports the first problem with the ticket, naming the field.
func (t *Ticket) Validate() error {
	if err := ValidateID(t.ID); err != nil {
		return err
	}
	if t.Portal == "" {
		return Invalid("portal", "is required: %q or %q", PortalCustomer, PortalITSM)
	}
	if _, err := ParsePortal(string(t.Portal)); err != nil {
		return err
	}
	if t.Subject == "" && t.Body == "" {
		return Invalid("subject", "subject or body is required")
	}
	if t.Priority != "" && !validPriority(t.Priority) {
		return Invalid("priority", "unknown priority %q: want low, medium, high or critical", t.Priority)
	}
	if err := checkTexts(MaxTextBytes, "subject", t.Subject, "body", t.Body, "resolution", t.Resolution); err != nil {
		return err
	}
	if err := checkTexts(MaxLabelLength, "org", t.Org, "requester", t.Requester, "category", t.Category,
		"group", t.Group, "department", t.Department, "status", t.Status); err != nil {
		return err
	}
	if !t.ResolvedAt.IsZero() && !t.CreatedAt.IsZero() && t.ResolvedAt.Before(t.CreatedAt) {
		return Invalid("resolved_at", "is before created_at")
	}
	return nil
}

func validPriority(p Priority) bool {
	for _, ok := range Priorities {
		if p == ok {
			return true
		}
	}
	return false
}
