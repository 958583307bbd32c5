package api

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/models"
)

// BrowserRoutes are the routes a portal's page may call itself, with a
// browser token and across origins (CORS): type-ahead, search,
// deflection, answers, articles and events. Every other route refuses
// browser tokens.
var BrowserRoutes = []string{
	"GET /v1/suggest",
	"GET /v1/search",
	"POST /v1/deflect",
	"POST /v1/answer",
	"GET /v1/articles/:id",
	"POST /v1/events",
}

// corsMaxAge is how long a browser may keep a preflight's answer.
const corsMaxAge = 10 * time.Minute

// originsTTL is how long the set of origins some key allows is kept before
// the key store is read again: how late a key created elsewhere (another
// replica) is honoured in preflights here. Keys made or revoked through
// this server take effect at once.
const originsTTL = 30 * time.Second

// sameOrigin reports whether origin (an Origin header) is the origin the
// request was sent to: a page Sift serves itself, which needs no CORS.
func sameOrigin(r *http.Request, origin string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && u.Host == r.Host
}

// allowedOrigins is the set of web origins some live portal key allows,
// read from the key store and kept for originsTTL: what a preflight, which
// carries no key, is answered by. Each request is then checked against its
// own key's origins.
type allowedOrigins struct {
	keys KeyStore
	mu   sync.Mutex
	set  map[string]bool
	at   time.Time
}

// allows reports whether a live portal key allows origin.
func (a *allowedOrigins) allows(ctx context.Context, origin string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.set == nil || time.Since(a.at) > originsTTL {
		keys, err := a.keys.Keys(ctx)
		if err != nil && a.set != nil {
			return a.set[origin] // the store is down: keep what was known
		}
		a.set, a.at = map[string]bool{}, time.Now()
		for _, k := range keys {
			if !k.Revoked() && k.Role == models.RolePortal {
				for _, o := range k.Origins {
					a.set[o] = true
				}
			}
		}
	}
	return a.set[origin]
}

// forget drops the set, so that the next request reads the keys again.
func (a *allowedOrigins) forget() {
	a.mu.Lock()
	a.set = nil
	a.mu.Unlock()
}

// cors answers cross-origin requests to the browser routes: a page of an
// origin that a portal key allows gets Access-Control-Allow-Origin (on
// errors too, so the page can read a 401 and fetch a new token); whether
// that page's token may be used is checked with the request's own key. A
// request from elsewhere gets no CORS headers, so the browser keeps the
// answer from the page.
func (s *server) cors(c *gin.Context) {
	origin := c.GetHeader("Origin")
	route := c.Request.Method + " " + c.FullPath()
	if origin != "" && browserRoute(route) && !sameOrigin(c.Request, origin) && s.origins.allows(c.Request.Context(), origin) {
		h := c.Writer.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", "Retry-After, "+HeaderPortal)
	}
	c.Writer.Header().Add("Vary", "Origin")
	c.Next()
}

// preflight answers a CORS preflight (OPTIONS) for a browser route: 204
// with the methods and headers a page may send when a portal key allows
// the origin, 403 without CORS headers otherwise.
func (s *server) preflight(method string) gin.HandlerFunc {
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		c.Writer.Header().Add("Vary", "Origin")
		if origin == "" || !s.origins.allows(c.Request.Context(), origin) {
			writeProblem(c, s.log, models.Forbidden("Origin", "no portal key allows pages of %q to call Sift; give the key the origin (POST /v1/keys origins, sift keys create --origins)", origin))
			return
		}
		h := c.Writer.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Methods", method+", OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		h.Set("Access-Control-Max-Age", strconv.Itoa(int(corsMaxAge.Seconds())))
		c.AbortWithStatus(http.StatusNoContent)
	}
}

// browserRoute reports whether a route ("METHOD /path") is one of
// BrowserRoutes.
func browserRoute(route string) bool { return slices.Contains(BrowserRoutes, route) }
