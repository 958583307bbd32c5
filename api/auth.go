package api

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

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
	if err := models.CheckLabel(HeaderUser, p.User); err != nil {
		return err
	}
	if err := models.CheckLabel(HeaderOrg, p.Org); err != nil {
		return err
	}
	if p.Tier != "" {
		if err := models.ValidateCode(HeaderTier, p.Tier); err != nil {
			return err
		}
	}
	return models.ValidateCodes(HeaderProducts, p.Products)
}

// principal returns the request's principal; authenticate put it there.
// A request that did not pass authenticate gets the zero principal, whose
// empty role may do nothing.
func principal(c *gin.Context) models.Principal {
	p, _ := c.Get(principalKey)
	who, _ := p.(models.Principal)
	return who
}
