package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/siftdesk/sift/models"
)

// A browser token lets a portal's page call Sift directly for one end
// user: a JSON Web Token (RFC 7519) signed with HMAC-SHA256 (JWS "HS256"),
// which the portal's backend mints without calling Sift, from its portal
// key:
//
//	header  {"alg":"HS256","typ":"JWT","kid":"<the key's id>"}
//	payload TokenClaims as JSON
//	signature HMAC-SHA256(TokenSigningKey(secret), base64url(header) "." base64url(payload))
//
// The three parts, base64url without padding, joined by dots. The token
// acts as its key does for the end user it names, on the browser
// endpoints only; it can only narrow what the key may see (its portal is
// the key's, its origins are among the key's), and revoking the key kills
// every token it signed.

// MaxTokenLifetime is the longest a browser token may live: its exp at
// most this far after the moment Sift checks it.
const MaxTokenLifetime = 24 * time.Hour

// tokenLeeway forgives clocks that disagree by this much, for exp and nbf.
const tokenLeeway = 30 * time.Second

// maxBrowserTokenBytes bounds a browser token; a longer one is refused
// unread.
const maxBrowserTokenBytes = 4096

// TokenClaims are what a browser token says: the end user (as a portal
// sends them in X-Sift-* headers) and the token's bounds.
type TokenClaims struct {
	// Subject is the end user's id (X-Sift-User), Org their organisation
	// (X-Sift-Org), Tier and Products their entitlements.
	Subject  string   `json:"sub,omitempty"`
	Org      string   `json:"org,omitempty"`
	Tier     string   `json:"tier,omitempty"`
	Products []string `json:"products,omitempty"`
	// Portal, when set, must be the key's portal.
	Portal string `json:"portal,omitempty"`
	// Origins are the web origins whose pages may use the token, each one
	// of the key's; none: any of the key's (and same-origin pages).
	Origins []string `json:"origins,omitempty"`
	// ExpiresAt (required), IssuedAt and NotBefore are Unix seconds.
	ExpiresAt int64 `json:"exp"`
	IssuedAt  int64 `json:"iat,omitempty"`
	NotBefore int64 `json:"nbf,omitempty"`
}

// tokenHeader is a browser token's JOSE header.
type tokenHeader struct {
	Alg string `json:"alg"`
	Typ string `json:"typ,omitempty"`
	Kid string `json:"kid"`
}

// TokenSigningKey derives the key that signs a portal key's browser
// tokens from the key's secret: HMAC-SHA256 of models.TokenKeyLabel under
// the secret. A portal's backend computes it once; Sift keeps it with the
// key.
func TokenSigningKey(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(models.TokenKeyLabel))
	return m.Sum(nil)
}

// MintToken makes a browser token for the end user and bounds of claims,
// signed for the portal key with this id and secret: what a portal's
// backend does (README, "Put it in your portal", shows it in Go and in
// JavaScript). It checks nothing that Sift checks on use.
func MintToken(keyID, secret string, claims TokenClaims) (string, error) {
	header, err := json.Marshal(tokenHeader{Alg: "HS256", Typ: "JWT", Kid: keyID})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	signed := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	return signed + "." + enc.EncodeToString(tokenMAC(TokenSigningKey(secret), signed)), nil
}

func tokenMAC(key []byte, signed string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(signed))
	return m.Sum(nil)
}

// isBrowserToken tells a browser token from an API key: three dot-joined
// parts, not an sk_ secret.
func isBrowserToken(cred string) bool {
	return strings.Count(cred, ".") == 2 && !strings.HasPrefix(cred, secretPrefix)
}

// errMalformedToken is every token that does not parse: one error, so
// that a probe learns nothing of which part failed.
var errMalformedToken = errors.New("not a valid browser token (want a JWT signed with HS256 by a portal key)")

// parsedToken is a token read but not yet verified.
type parsedToken struct {
	kid    string
	claims TokenClaims
	signed string // header "." payload, as sent
	mac    []byte
}

// parseBrowserToken reads a token's parts. Any input that is not a well
// formed HS256 token returns errMalformedToken, never a panic.
func parseBrowserToken(tok string) (parsedToken, error) {
	if len(tok) > maxBrowserTokenBytes || !isTokenText(tok) {
		return parsedToken{}, errMalformedToken
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return parsedToken{}, errMalformedToken
	}
	enc := base64.RawURLEncoding.Strict()
	head, err1 := enc.DecodeString(parts[0])
	payload, err2 := enc.DecodeString(parts[1])
	mac, err3 := enc.DecodeString(parts[2])
	var h tokenHeader
	var c TokenClaims
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(head, &h) != nil || json.Unmarshal(payload, &c) != nil {
		return parsedToken{}, errMalformedToken
	}
	// Only HS256: "none" and the other algorithms are refused, whatever
	// the token claims.
	if h.Alg != "HS256" || h.Kid == "" || h.Typ != "" && h.Typ != "JWT" {
		return parsedToken{}, errMalformedToken
	}
	return parsedToken{kid: h.Kid, claims: c, signed: parts[0] + "." + parts[1], mac: mac}, nil
}

// verify checks the token against the key that signed it and the time:
// the signature, then expiry, lifetime and not-before. The error names
// what failed; the key is one that may sign tokens (a live portal key).
func (t parsedToken) verify(k models.APIKey, now time.Time) error {
	if len(k.TokenKey) == 0 {
		return fmt.Errorf("key %s was created before browser tokens: create a new portal key to sign them", k.ID)
	}
	if !hmac.Equal(t.mac, tokenMAC(k.TokenKey, t.signed)) {
		return errors.New("the browser token's signature does not match its key")
	}
	c := t.claims
	switch {
	case c.ExpiresAt == 0:
		return errors.New("the browser token has no exp: give every token an expiry")
	case now.After(time.Unix(c.ExpiresAt, 0).Add(tokenLeeway)):
		return fmt.Errorf("the browser token expired at %s", time.Unix(c.ExpiresAt, 0).UTC().Format(time.RFC3339))
	case time.Unix(c.ExpiresAt, 0).After(now.Add(MaxTokenLifetime + tokenLeeway)):
		return fmt.Errorf("the browser token expires at %s, more than %s from now: mint shorter-lived tokens",
			time.Unix(c.ExpiresAt, 0).UTC().Format(time.RFC3339), MaxTokenLifetime)
	case c.NotBefore != 0 && time.Unix(c.NotBefore, 0).After(now.Add(tokenLeeway)):
		return fmt.Errorf("the browser token is not valid before %s", time.Unix(c.NotBefore, 0).UTC().Format(time.RFC3339))
	}
	return nil
}

// narrow applies the token's claims to its key's principal: the portal
// must be the key's and the origins among the key's; the end user is the
// token's, validated as X-Sift-* headers are.
func (c TokenClaims) narrow(k models.APIKey, p *models.Principal) error {
	if c.Portal != "" && models.Portal(c.Portal) != k.Portal {
		return models.Forbidden("portal", "the browser token is for portal %q, and its key is bound to %s", c.Portal, k.Portal)
	}
	if err := models.ValidateOrigins("origins", c.Origins); err != nil {
		return err
	}
	for _, o := range c.Origins {
		if !slices.Contains(k.Origins, o) {
			return models.Forbidden("origins", "the browser token names origin %s, which its key does not allow", o)
		}
	}
	p.User, p.Org, p.Tier = strings.TrimSpace(c.Subject), strings.TrimSpace(c.Org), strings.ToLower(strings.TrimSpace(c.Tier))
	if len(c.Products) > 0 {
		p.Products = models.NormalizeCodes(c.Products)
	}
	return checkEndUser(p, "sub", "org", "tier", "products")
}
