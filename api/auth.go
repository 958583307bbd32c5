package api

import (
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/models"
)

// The headers in which a portal names the end user it acts for. Only a
// portal key may send them; from any other key they are refused, never
// trusted.
const (
	HeaderUser     = "X-Sift-User"     // the end user's id, opaque to Sift
	HeaderOrg      = "X-Sift-Org"      // the end user's organisation: the tickets they share
	HeaderTier     = "X-Sift-Tier"     // the end user's product tier, a code
	HeaderProducts = "X-Sift-Products" // the products they are entitled to: codes separated by commas
)

var endUserHeaders = []string{HeaderUser, HeaderOrg, HeaderTier, HeaderProducts}

// HeaderPortal, in an answer, names the portal whose view it is: the one
// asked for, the key's own, or the customer portal by default.
const HeaderPortal = "X-Sift-Portal"

// principalKey is where authenticate leaves the request's principal in
// the gin context.
const principalKey = "sift.principal"

// authenticate reads the Bearer key, looks it up by its hash and leaves
// the request's principal, with the end user a portal key names, in the
// context. A missing, unknown or revoked key is a 401 with a
// WWW-Authenticate challenge. Keys are never logged.
func (s *server) authenticate(c *gin.Context) {
	secret, ok := bearer(c.GetHeader("Authorization"))
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="sift"`)
		writeProblem(c, s.log, models.Unauthorized("send an API key: Authorization: Bearer sk_..."))
		return
	}
	if isBrowserToken(secret) {
		s.authenticateToken(c, secret)
		return
	}
	if origin := c.GetHeader("Origin"); origin != "" && !sameOrigin(c.Request, origin) {
		// A page of another origin holds an API key: it acts for any end
		// user of its portal, so it must never be in a page.
		writeProblem(c, s.log, models.Forbidden("Authorization", "an API key may not be sent from a web page of another origin (%s): mint a browser token for the page (README, Put it in your portal)", origin))
		return
	}
	hash := HashKey(secret)
	key, err := s.keys.KeyByHash(c.Request.Context(), hash)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		writeProblem(c, s.log, err)
		return
	}
	// The lookup is by hash; compare the stored hash in constant time all
	// the same, so that no store's lookup can answer for a near miss.
	if err != nil || subtle.ConstantTimeCompare(key.Hash, hash) != 1 || key.Revoked() {
		c.Header("WWW-Authenticate", `Bearer realm="sift", error="invalid_token"`)
		writeProblem(c, s.log, models.Unauthorized("the API key is unknown or revoked"))
		return
	}
	p := key.Principal()
	if err := readEndUser(c.Request.Header, &p); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	c.Set(principalKey, p)
	c.Next()
}

// tokenKey is where authenticateToken leaves, in the gin context, the
// rate-limit bucket of a request made with a browser token.
const tokenKey = "sift.token"

// authenticateToken authenticates a browser token: it must parse, name a
// live portal key that signed it, be within its lifetime, narrow its key
// (portal, origins), come from a page of an origin it and its key allow
// (or of Sift's own), and carry no X-Sift-* headers (the token names the
// end user). A bad token is a 401 with an invalid_token challenge; a
// token that would widen its key, or is used from a page it does not
// allow, a 403.
func (s *server) authenticateToken(c *gin.Context, tok string) {
	unauthorized := func(msg string) {
		c.Header("WWW-Authenticate", `Bearer realm="sift", error="invalid_token"`)
		writeProblem(c, s.log, models.Unauthorized("%s", msg))
	}
	t, err := parseBrowserToken(tok)
	if err != nil {
		unauthorized(err.Error())
		return
	}
	key, err := s.keys.KeyByID(c.Request.Context(), t.kid)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		writeProblem(c, s.log, err)
		return
	}
	if err != nil || key.Revoked() || key.Role != models.RolePortal {
		unauthorized("the browser token's key is unknown, revoked or not a portal key")
		return
	}
	if err := t.verify(key, time.Now()); err != nil {
		unauthorized(err.Error())
		return
	}
	for _, name := range endUserHeaders {
		if _, ok := c.Request.Header[name]; ok {
			writeProblem(c, s.log, models.Forbidden(name, "a browser token names its end user; a request with one may not send %s", name))
			return
		}
	}
	p := key.Principal()
	if err := t.claims.narrow(key, &p); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	if origin := c.GetHeader("Origin"); origin != "" && !sameOrigin(c.Request, origin) {
		if !slices.Contains(key.Origins, origin) || len(t.claims.Origins) > 0 && !slices.Contains(t.claims.Origins, origin) {
			writeProblem(c, s.log, models.Forbidden("Origin", "pages of %s may not use this browser token (its key allows %s)", origin, originList(key.Origins)))
			return
		}
	} else if origin == "" && len(t.claims.Origins) > 0 {
		writeProblem(c, s.log, models.Forbidden("Origin", "this browser token is for pages of %s, and the request comes from no page", originList(t.claims.Origins)))
		return
	}
	// Rate limits apply per end user of the key (per token when it names
	// none): a page cannot use up its portal's key.
	bucket := "token:" + t.kid + ":user:" + p.User
	if p.User == "" {
		bucket = "token:" + t.kid + ":" + hex.EncodeToString(t.mac[:8])
	}
	c.Set(principalKey, p)
	c.Set(tokenKey, bucket)
	c.Next()
}

// originList names origins in an error.
func originList(origins []string) string {
	if len(origins) == 0 {
		return "no other origin"
	}
	return strings.Join(origins, ", ")
}

// bearer returns the credentials of an "Authorization: Bearer X" header.
func bearer(h string) (string, bool) {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(h), " ")
	cred = strings.TrimSpace(cred)
	return cred, ok && strings.EqualFold(scheme, "Bearer") && cred != ""
}

// readEndUser fills the end user of a portal key's request from its
// headers, validated. Other keys may not send them.
func readEndUser(h http.Header, p *models.Principal) error {
	if p.Role != models.RolePortal {
		for _, name := range endUserHeaders {
			if _, ok := h[name]; ok {
				return models.Forbidden(name, "only a portal key may name an end user; a %s key may not send %s", p.Role, name)
			}
		}
		return nil
	}
	p.User = strings.TrimSpace(h.Get(HeaderUser))
	p.Org = strings.TrimSpace(h.Get(HeaderOrg))
	p.Tier = strings.ToLower(strings.TrimSpace(h.Get(HeaderTier)))
	if v := h.Get(HeaderProducts); v != "" {
		p.Products = models.NormalizeCodes(strings.Split(v, ","))
	}
	return checkEndUser(p, HeaderUser, HeaderOrg, HeaderTier, HeaderProducts)
}

// checkEndUser validates the end user of p, naming each part's source
// (a header, or a token's claim) in errors.
func checkEndUser(p *models.Principal, user, org, tier, products string) error {
	if err := models.CheckLabel(user, p.User); err != nil {
		return err
	}
	if err := models.CheckLabel(org, p.Org); err != nil {
		return err
	}
	if p.Tier != "" {
		if err := models.ValidateCode(tier, p.Tier); err != nil {
			return err
		}
	}
	return models.ValidateCodes(products, p.Products)
}

// principal returns the request's principal; authenticate put it there.
// A request that did not pass authenticate gets the zero principal, whose
// empty role may do nothing.
func principal(c *gin.Context) models.Principal {
	p, _ := c.Get(principalKey)
	who, _ := p.(models.Principal)
	return who
}
