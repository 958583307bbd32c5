package models

import (
	"maps"
	"slices"
)

// Portal names the front end a request comes from. It decides what the
// request may see.
type Portal string

// The two portals Sift serves.
const (
	PortalCustomer Portal = "customer" // external customers: public articles only, no tickets
	PortalITSM     Portal = "itsm"     // employees: public and internal articles
)

// ParsePortal validates s as a portal name. An empty string means the
// customer portal, the one that sees least.
func ParsePortal(s string) (Portal, error) {
	switch Portal(s) {
	case "", PortalCustomer:
		return PortalCustomer, nil
	case PortalITSM:
		return PortalITSM, nil
	}
	return "", Invalid("portal", "unknown portal %q: want %q or %q", s, PortalCustomer, PortalITSM)
}

// Visibility says who may read an article.
type Visibility string

// Article visibilities.
const (
	VisibilityPublic   Visibility = "public"   // everyone, both portals
	VisibilityInternal Visibility = "internal" // employees only (the ITSM portal)
)

// ParseVisibility validates s; empty means public.
func ParseVisibility(s string) (Visibility, error) {
	switch Visibility(s) {
	case "", VisibilityPublic:
		return VisibilityPublic, nil
	case VisibilityInternal:
		return VisibilityInternal, nil
	}
	return "", Invalid("visibility", "unknown visibility %q: want %q or %q", s, VisibilityPublic, VisibilityInternal)
}

// Visibilities returns the article visibilities a portal may read, least
// privileged first.
func (p Portal) Visibilities() []Visibility {
	if p == PortalITSM {
		return []Visibility{VisibilityPublic, VisibilityInternal}
	}
	return []Visibility{VisibilityPublic}
}

// CanSeeArticle reports whether the portal may read an article with
// visibility v.
func (p Portal) CanSeeArticle(v Visibility) bool {
	for _, ok := range p.Visibilities() {
		if ok == v {
			return true
		}
	}
	return false
}

// CanSeeTickets reports whether the portal may read tickets at all. Ticket
// access for individual principals arrives with access control; until then
// only the ITSM (employee) portal sees tickets, and only its own.
func (p Portal) CanSeeTickets() bool { return p == PortalITSM }

// String implements fmt.Stringer.
func (p Portal) String() string { return string(p) }

// Covers reports whether a rule of portal rule (empty: both portals)
// applies to portal p; an empty p takes every rule.
func (p Portal) Covers(rule Portal) bool {
	return p == "" || rule == "" || rule == p
}

// RulesFor returns the rules of byID that apply to portal p (see Covers),
// in id order.
func RulesFor[T any](byID map[string]T, p Portal, portalOf func(T) Portal) []T {
	var out []T
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		if rule := byID[id]; p.Covers(portalOf(rule)) {
			out = append(out, rule)
		}
	}
	return out
}
