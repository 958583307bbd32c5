package models

import (
	"strings"
	"time"
)

// MaxOrgs bounds the organisations Sift keeps settings for.
const MaxOrgs = 100_000

// Org is what Sift knows of an organisation of end users (a customer
// company, or a department of the ITSM portal's employees): whether its
// users share their tickets. An end user always sees the tickets they
// filed; the tickets of the others of their organisation only when the
// organisation shares them, as Zendesk's shared organisations do. An
// organisation Sift has no record of shares nothing, so B2C consumers,
// who belong to no organisation, see their own tickets only.
type Org struct {
	// ID is the organisation as tickets (Ticket.Org) and end users (the
	// portal's X-Sift-Org, a token's org claim) name it: any label, such
	// as "Acme Ltd".
	ID string `json:"id"`
	// Portal is the portal whose organisation this is; empty: both.
	Portal Portal `json:"portal,omitempty"`
	// Name is a display name, optional.
	Name string `json:"name,omitempty"`
	// SharesTickets lets every user of the organisation see the tickets
	// of the others.
	SharesTickets bool `json:"shares_tickets"`
	// UpdatedBy names the key that last wrote the record (empty from a
	// file), and UpdatedAt when.
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Normalize trims the id, as Ticket.Normalize trims a ticket's org, and
// the name.
func (o *Org) Normalize() {
	o.ID = strings.TrimSpace(o.ID)
	o.Name = collapseSpace(o.Name)
}

// Validate reports the first problem with the record.
func (o *Org) Validate() error {
	if o.ID == "" {
		return Invalid("id", "is required")
	}
	if err := CheckLabel("id", o.ID); err != nil {
		return err
	}
	if o.Portal != "" && o.Portal != PortalCustomer && o.Portal != PortalITSM {
		return Invalid("portal", "must be customer, itsm or empty (both), got %q", o.Portal)
	}
	return CheckLabel("name", o.Name)
}
