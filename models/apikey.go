package models

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// APIKey is a stored API key: everything about it but its secret, of which
// only a hash is kept.
type APIKey struct {
	ID string `json:"id"`
	// Prefix is the start of the secret, enough for a person to tell keys
	// apart and never enough to use one.
	Prefix string `json:"prefix"`
	Name   string `json:"name,omitempty"`
	Role   Role   `json:"role"`
	// Portal binds a portal key (required) or an agent key (optional) to
	// one portal.
	Portal    Portal    `json:"portal,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	// Hash is the SHA-256 of the secret; it is never shown.
	Hash []byte `json:"hash,omitempty"`
	// Origins are the web origins ("https://help.example.com") whose pages
	// may call Sift with the key's browser tokens (CORS); none: no page of
	// another origin may. Portal keys only.
	Origins []string `json:"origins,omitempty"`
	// TokenKey verifies the key's browser tokens: the HMAC-SHA256 of
	// TokenKeyLabel under the secret, which the portal's backend derives
	// from the secret to sign them. Portal keys only; it is never shown.
	TokenKey []byte `json:"token_key,omitempty"`
}

// TokenKeyLabel is what a portal key's token-signing key is derived from:
// HMAC-SHA256(key = the API key's secret, message = TokenKeyLabel).
const TokenKeyLabel = "sift browser token v1"

// MaxKeyOrigins bounds the origins of one key.
const MaxKeyOrigins = 20

// MaxKeyNameLength bounds an API key's name.
const MaxKeyNameLength = 200

// Revoked reports whether the key was revoked.
func (k *APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// Validate checks the key's role, portal binding and name.
func (k *APIKey) Validate() error {
	if _, err := ParseRole(string(k.Role)); err != nil {
		return err
	}
	if err := checkText("name", k.Name, MaxKeyNameLength); err != nil {
		return err
	}
	if i := strings.IndexFunc(k.Name, unicode.IsControl); i >= 0 {
		// A line break or an escape sequence in a name could forge a row of
		// sift keys list, or a line of a log.
		r, _ := utf8.DecodeRuneInString(k.Name[i:])
		return Invalid("name", "contains the control character %q at byte %d", r, i)
	}
	if err := ValidateOrigins("origins", k.Origins); err != nil {
		return err
	}
	if len(k.Origins) > 0 && k.Role != RolePortal {
		return Invalid("origins", "only portal keys serve pages of other origins, not %s keys", k.Role)
	}
	switch {
	case k.Role == RolePortal && k.Portal == "":
		return Invalid("portal", "a portal key must be bound to a portal: customer or itsm")
	case k.Portal == "":
		return nil
	case k.Role != RolePortal && k.Role != RoleAgent:
		return Invalid("portal", "only portal and agent keys are bound to a portal, not %s keys", k.Role)
	}
	if k.Portal != PortalCustomer && k.Portal != PortalITSM {
		return Invalid("portal", "unknown portal %q: want %q or %q", k.Portal, PortalCustomer, PortalITSM)
	}
	return nil
}

// Principal returns the principal of a request made with the key, before
// any end user is named.
func (k *APIKey) Principal() Principal {
	return Principal{KeyID: k.ID, Role: k.Role, Portal: k.Portal}
}

// Link is a private access link to one ticket: whoever holds its token may
// read that ticket's status and the public articles suggested for it,
// until it expires or is revoked.
type Link struct {
	ID       string `json:"id"`
	TicketID string `json:"ticket_id"`
	// Ticket is the fingerprint of the ticket the link was issued for
	// (see TicketFingerprint): a ticket deleted and created again under
	// the same id, by another organisation even, is not it. Links made
	// before it was kept have none, and follow the id alone.
	Ticket    string    `json:"ticket,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	CreatedBy string    `json:"created_by"` // the id of the key that made it
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// Link lifetimes.
const (
	DefaultLinkTTL = 7 * 24 * time.Hour
	MaxLinkTTL     = 90 * 24 * time.Hour
)

// TicketFingerprint identifies one ticket beyond its id, which may be
// reused after a delete: a hash of its portal, organisation, requester and
// creation time, which a re-created ticket does not share unless it is
// the same ticket imported again.
func TicketFingerprint(t *Ticket) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{string(t.Portal), t.Org, t.Requester, t.CreatedAt.UTC().Format(time.RFC3339Nano)}, "\x00")))
	return hex.EncodeToString(sum[:12])
}

// ValidateOrigins checks web origins: at most MaxKeyOrigins, each a
// scheme (http or https), a host and an optional port, with no path, as a
// browser sends them in its Origin header ("https://help.example.com",
// "http://localhost:3000").
func ValidateOrigins(field string, origins []string) error {
	if len(origins) > MaxKeyOrigins {
		return Invalid(field, "has %d origins, at most %d allowed", len(origins), MaxKeyOrigins)
	}
	for _, o := range origins {
		u, err := url.Parse(o)
		if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil ||
			u.Path != "" || u.RawQuery != "" || u.Fragment != "" || o != strings.ToLower(o) {
			return Invalid(field, "%q is not a web origin: want scheme://host[:port] in lower case, as https://help.example.com", o)
		}
	}
	return nil
}
