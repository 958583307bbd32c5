package api

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/models"
)

// widgetJS is the portal widget: a search box with type-ahead and a
// deflection panel for a ticket form, which a portal's page loads with one
// script tag (usage in its header comment).
//
//go:embed web/widget.js
var widgetJS []byte

// widget is widgetJS as served, compressed once at start.
var widget = newStaticAsset(widgetJS)

// widgetCacheControl lets browsers and CDNs keep the widget five minutes,
// then revalidate it with its ETag.
const widgetCacheControl = "public, max-age=300"

// staticAsset is a file served from memory, as it is and gzipped, each
// with its own strong ETag.
type staticAsset struct {
	plain, gzipped      []byte
	plainETag, gzipETag string
}

// newStaticAsset gzips b and computes the ETags.
func newStaticAsset(b []byte) *staticAsset {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		panic(err) // the level is a valid constant
	}
	// Writes to a bytes.Buffer do not fail.
	zw.Write(b)
	zw.Close()
	sum := sha256.Sum256(b)
	tag := hex.EncodeToString(sum[:12])
	return &staticAsset{plain: b, gzipped: buf.Bytes(), plainETag: `"` + tag + `"`, gzipETag: `"` + tag + `-gz"`}
}

// serve answers with the asset, gzipped when the client accepts gzip, or
// 304 when the client's copy (If-None-Match) is current.
func (a *staticAsset) serve(contentType, cacheControl string) gin.HandlerFunc {
	return func(c *gin.Context) {
		body, etag := a.plain, a.plainETag
		gz := acceptsGzip(c.GetHeader("Accept-Encoding"))
		if gz {
			body, etag = a.gzipped, a.gzipETag
		}
		h := c.Writer.Header()
		h.Set("Cache-Control", cacheControl)
		h.Set("ETag", etag)
		h.Add("Vary", "Accept-Encoding")
		h.Set("X-Content-Type-Options", "nosniff")
		// Portals' pages load it from another origin, also those that
		// require resources to opt in (Cross-Origin-Embedder-Policy).
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		if etagMatches(c.GetHeader("If-None-Match"), etag) {
			c.Status(http.StatusNotModified)
			return
		}
		if gz {
			h.Set("Content-Encoding", "gzip")
		}
		c.Data(http.StatusOK, contentType, body)
	}
}

// acceptsGzip reports whether an Accept-Encoding header accepts gzip:
// named with a q above 0, or left to a "*" with a q above 0.
func acceptsGzip(header string) bool {
	gzipQ, anyQ := -1.0, -1.0
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "gzip", "x-gzip":
			gzipQ = max(gzipQ, q)
		case "*":
			anyQ = max(anyQ, q)
		}
	}
	return gzipQ > 0 || gzipQ < 0 && anyQ > 0
}

// etagMatches reports whether an If-None-Match header names etag (weak
// comparison, as RFC 9110 asks for If-None-Match) or is "*".
func etagMatches(header, etag string) bool {
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// portalHTML is the sample portal page, one template for both portals.
//
//go:embed web/portal.html
var portalHTML string

// portalPage renders portalHTML.
var portalPage = template.Must(template.New("portal").Parse(portalHTML))

// demoPageData is what portalPage shows: the portal, the credential its
// backend minted for the page's demo end user, and the nonce of the
// page's inline script.
type demoPageData struct {
	Portal models.Portal
	Token  string
	Nonce  string
}

// demoCSP lets a sample page run this server's widget and its own inline
// script (by nonce) and call this server, and nothing else. The widget
// injects a stylesheet, hence style-src 'unsafe-inline'.
const demoCSP = "default-src 'none'; script-src 'self' 'nonce-%s'; style-src 'unsafe-inline'; connect-src 'self'; " +
	"img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// widgetRoutes serves /widget.js and, when Config.DemoToken is set, the
// sample portal pages /demo/customer and /demo/itsm. None needs a key.
func (s *server) widgetRoutes(r *gin.Engine) {
	r.GET("/widget.js", widget.serve("text/javascript; charset=utf-8", widgetCacheControl))
	if s.cfg.DemoToken == nil {
		return
	}
	for _, p := range []models.Portal{models.PortalCustomer, models.PortalITSM} {
		r.GET("/demo/"+string(p), s.demoPage(p))
	}
}

// demoPage serves the sample page of portal, with a credential minted by
// Config.DemoToken for its demo end user. The page holds a credential, so
// no cache may keep it.
func (s *server) demoPage(portal models.Portal) gin.HandlerFunc {
	return func(c *gin.Context) {
		token, err := s.cfg.DemoToken(c.Request.Context(), portal)
		if err != nil {
			writeProblem(c, s.log, fmt.Errorf("mint the demo page's token: %w", err))
			return
		}
		var n [16]byte
		rand.Read(n[:])
		nonce := base64.RawURLEncoding.EncodeToString(n[:])
		var page bytes.Buffer
		if err := portalPage.Execute(&page, demoPageData{Portal: portal, Token: token, Nonce: nonce}); err != nil {
			writeProblem(c, s.log, fmt.Errorf("render the demo page: %w", err))
			return
		}
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", fmt.Sprintf(demoCSP, nonce))
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		c.Data(http.StatusOK, "text/html; charset=utf-8", page.Bytes())
	}
}
