package models

import (
	"slices"
	"strings"
)

// Role is what an API key may do. RolePortal keys belong to a portal's
// backend acting for its end users; the others to people and tools of the
// company running Sift.
type Role string

// The roles of API keys, least privileged last but one: an analyst reads
// metrics only.
const (
	RolePortal  Role = "portal"  // a portal backend: self-service for its end users, on its own portal
	RoleAgent   Role = "agent"   // support agents' tools: self-service, triage and tickets of their portal
	RoleAnalyst Role = "analyst" // metrics and the dashboard; never ticket text
	RoleAdmin   Role = "admin"   // everything, writes and key management included
)

// Roles lists every role.
var Roles = []Role{RolePortal, RoleAgent, RoleAnalyst, RoleAdmin}

// ParseRole validates s as a role.
func ParseRole(s string) (Role, error) {
	if r := Role(s); slices.Contains(Roles, r) {
		return r, nil
	}
	return "", Invalid("role", "unknown role %q: want portal, agent, analyst or admin", s)
}

// Entitlements are what an end user of the customer portal has bought:
// a tier and products. They unlock articles restricted to products or tiers.
// Values are codes: lower case, letters, digits and . _ : - only.
type Entitlements struct {
	Tier     string   `json:"tier,omitempty"`
	Products []string `json:"products,omitempty"`
}

// MaxEntitlementCodes bounds the products (or tiers) of an article or of
// an end user.
const MaxEntitlementCodes = 50

// NormalizeCodes lower-cases and trims product or tier codes, dropping
// repeated ones, and sorts them. An empty code is kept (once), for
// ValidateCodes to refuse: dropping it would turn products [""] into no
// restriction at all, an article every customer sees.
func NormalizeCodes(codes []string) []string {
	out := normalizeTags(codes)
	if slices.ContainsFunc(codes, func(c string) bool { return strings.TrimSpace(c) == "" }) {
		out = append(out, "")
	}
	slices.Sort(out)
	return out
}

// ValidateCodes checks product or tier codes (normalised) of field.
func ValidateCodes(field string, codes []string) error {
	if len(codes) > MaxEntitlementCodes {
		return Invalid(field, "has %d values, at most %d allowed", len(codes), MaxEntitlementCodes)
	}
	for _, c := range codes {
		if err := ValidateCode(field, c); err != nil {
			return err
		}
	}
	return nil
}

// ValidateCode checks one product or tier code: 1 to MaxLabelLength
// characters from lower-case letters, digits and . _ : -.
func ValidateCode(field, code string) error {
	if code == "" {
		return Invalid(field, "has an empty value")
	}
	if len(code) > MaxLabelLength {
		return Invalid(field, "value is %d bytes long, at most %d allowed", len(code), MaxLabelLength)
	}
	for _, r := range code {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == ':' || r == '-'
		if !ok {
			return Invalid(field, "%q contains %q: use lower-case letters, digits and . _ : - only", code, r)
		}
	}
	return nil
}

// Principal is who makes a request: the role of its API key, the portal
// the key is bound to, and for portal keys the end user the portal acts
// for, as the portal named them.
type Principal struct {
	KeyID string
	Role  Role
	// Portal is the portal the key is bound to: always set for portal keys,
	// optional for agents (empty: an agent of both portals), empty for
	// analysts and admins.
	Portal Portal
	// User, Org and Entitlements describe the end user a portal key acts
	// for; they are empty for every other role.
	User string
	Org  string
	Entitlements
}

// Staff reports whether the principal works for the company running Sift
// (agents and admins), and so sees every product and tier.
func (p Principal) Staff() bool { return p.Role == RoleAgent || p.Role == RoleAdmin }

// ResolvePortal returns the portal a request works on: the one requested
// (empty meaning the key's own portal, or the customer portal for unbound
// keys). A key bound to a portal may not ask for the other one.
func (p Principal) ResolvePortal(requested string) (Portal, error) {
	if p.Portal != "" && (requested == "" || Portal(requested) == p.Portal) {
		return p.Portal, nil
	}
	want, err := ParsePortal(requested)
	if err != nil {
		return "", err
	}
	if p.Portal != "" && want != p.Portal {
		return "", Forbidden("portal", "this key is bound to the %s portal and may not ask for %q", p.Portal, requested)
	}
	return want, nil
}

// Audience returns what the principal may read on a portal: its articles
// by visibility and, for a customer, by entitlements.
func (p Principal) Audience(portal Portal) Audience {
	a := Audience{Portal: portal, Staff: p.Staff()}
	if p.Role == RolePortal {
		a.Entitlements = p.Entitlements
	}
	return a
}

// OrgSharing reports whether an organisation of a portal shares its
// tickets among its users.
type OrgSharing func(portal Portal, org string) bool

// CanSeeTicket reports whether the principal may read a ticket: admins
// all, agents those of their portal, analysts none, and a portal key, on
// its portal, what the end user it acts for may see: the tickets they
// filed (the ticket's requester is the user, compared without case), and
// when their organisation shares its tickets (shares says so) those of
// the organisation. A portal key that names no end user sees none.
func (p Principal) CanSeeTicket(t *Ticket, shares OrgSharing) bool {
	switch p.Role {
	case RoleAdmin:
		return true
	case RoleAgent:
		return p.Portal == "" || t.Portal == p.Portal
	case RolePortal:
		if t.Portal != p.Portal {
			return false
		}
		if p.User != "" && strings.EqualFold(t.Requester, p.User) {
			return true
		}
		return p.Org != "" && t.Org == p.Org && shares != nil && shares(p.Portal, p.Org)
	}
	return false
}

// RequesterPrincipal returns the principal of a ticket's requester: an
// end user of its portal and organisation, who sees what CanSeeTicket
// lets them.
func (t *Ticket) RequesterPrincipal() Principal {
	return Principal{Role: RolePortal, Portal: t.Portal, User: t.Requester, Org: t.Org}
}

// CanWorkTickets reports whether the principal may triage and analyse the
// tickets of a portal: admins, and agents of that portal.
func (p Principal) CanWorkTickets(portal Portal) bool {
	return p.Role == RoleAdmin || p.Role == RoleAgent && (p.Portal == "" || p.Portal == portal)
}

// Audience is what one request may read. The zero value is a customer of
// the customer portal with no entitlements: public articles restricted to
// no product or tier, and nothing else.
type Audience struct {
	Portal Portal
	// Staff is set for agents and admins, who see every product and tier.
	Staff bool
	// Entitlements are the customer's; they unlock restricted articles.
	Entitlements
}

// Filter returns the article filter the indexes apply for the audience.
// Employees (the ITSM portal) and staff see every product and tier;
// customers only what their entitlements allow.
func (a Audience) Filter() ArticleFilter {
	f := ArticleFilter{Visibilities: a.Portal.Visibilities()}
	if !a.Staff && a.Portal != PortalITSM {
		e := a.Entitlements
		f.Entitled = &e
	}
	return f
}

// CanSeeArticle reports whether the audience may read an article.
func (a Audience) CanSeeArticle(art *Article) bool {
	return a.Filter().Allows(art.Visibility, art.Products, art.Tiers)
}

// ArticleFilter is what an index applies so that it returns only articles
// an audience may read. The zero value admits nothing.
type ArticleFilter struct {
	// Visibilities are the visibilities admitted; none admits nothing.
	Visibilities []Visibility
	// Entitled, when set, admits an article restricted to products only if
	// one of them is among Entitled.Products, and restricted to tiers only
	// if Entitled.Tier is one of them. Nil admits every product and tier.
	Entitled *Entitlements
}

// Allows reports whether the filter admits an article with this
// visibility, products and tiers.
func (f ArticleFilter) Allows(v Visibility, products, tiers []string) bool {
	return slices.Contains(f.Visibilities, v) && f.Entitles(products, tiers)
}

// Entitles reports whether the filter's entitlements admit an article
// with these products and tiers, whatever its visibility.
func (f ArticleFilter) Entitles(products, tiers []string) bool {
	if f.Entitled == nil {
		return true
	}
	if len(products) > 0 && !slices.ContainsFunc(products, func(p string) bool { return slices.Contains(f.Entitled.Products, p) }) {
		return false
	}
	return len(tiers) == 0 || f.Entitled.Tier != "" && slices.Contains(tiers, f.Entitled.Tier)
}

// Restriction is an article's product and tier restriction in one string,
// "products=a,b;tiers=x", empty for an unrestricted article: a compact form
// for indexes that keep one attribute string per document.
func Restriction(products, tiers []string) string {
	if len(products) == 0 && len(tiers) == 0 {
		return ""
	}
	return "products=" + strings.Join(products, ",") + ";tiers=" + strings.Join(tiers, ",")
}

// ParseRestriction is the inverse of Restriction.
func ParseRestriction(s string) (products, tiers []string) {
	p, t, _ := strings.Cut(s, ";")
	split := func(s, prefix string) []string {
		s = strings.TrimPrefix(s, prefix)
		if s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	return split(p, "products="), split(t, "tiers=")
}

// CheckLabel checks a free-text label such as an organisation's name:
// valid UTF-8 of at most MaxLabelLength bytes.
func CheckLabel(field, s string) error { return checkText(field, s, MaxLabelLength) }
