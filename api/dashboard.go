package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// dashboardHTML is the analysts' dashboard: one self-contained page, with
// its styles, script and SVG charts inline, that reads /v1/metrics/*. It
// loads nothing from elsewhere.
//
//go:embed web/dashboard.html
var dashboardHTML []byte

// dashboardCSP lets the page run its inline script and style and call this
// server's API, and nothing else.
const dashboardCSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; " +
	"connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (s *server) dashboard(c *gin.Context) {
	c.Header("Content-Security-Policy", dashboardCSP)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "text/html; charset=utf-8", dashboardHTML)
}
