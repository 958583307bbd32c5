// Package api serves Sift's engine as JSON over HTTP under /v1, with
// problem+json errors, Prometheus metrics and an OpenAPI document.
package api

import (
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/engine/outbound"
	"github.com/siftdesk/sift/models"
)

// DefaultMaxBodyBytes bounds a request body unless Config says otherwise.
const DefaultMaxBodyBytes = 1 << 20

// Config tunes the HTTP layer and names its stores of keys and links.
// Without Keys every /v1 request is refused; without Links, or without
// LinkSecret, private links are unavailable.
type Config struct {
	// MaxBodyBytes bounds request bodies; larger ones get 413. Zero means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// RateLimit is each key's sustained rate, in requests a second, and
	// RateBurst how many it may make at once. Zero means DefaultRateLimit
	// and DefaultRateBurst; a negative RateLimit turns limits off, for
	// browser tokens too.
	RateLimit float64
	RateBurst int
	// TokenRateLimit and TokenRateBurst are the same for each end user of
	// a browser token (each token, when it names none). Zero means
	// DefaultTokenRateLimit and DefaultTokenRateBurst.
	TokenRateLimit float64
	TokenRateBurst int
	// Keys holds the API keys every /v1 request is checked against.
	Keys KeyStore
	// Links holds private access links, and LinkSecret (at least 32
	// bytes, kept secret) signs their tokens.
	Links      LinkStore
	LinkSecret []byte
	// Checks are the dependencies /healthz reports by name (e.g.
	// "database"), each a function that returns nil while it works.
	Checks map[string]func(context.Context) error
	// DemoToken, when set, serves the sample portal pages /demo/customer
	// and /demo/itsm, which use /widget.js: it mints what a portal's
	// backend gives its page, the credential of a demo end user of the
	// portal, and the page passes it to the widget. Unset, those pages
	// are 404.
	DemoToken func(ctx context.Context, portal models.Portal) (string, error)
	// Hooks receive the help desks' webhooks by source name (see hooks.go).
	Hooks map[string]Hook
	// Outbound delivers Sift's events to subscriptions that
	// /v1/subscriptions manages; nil: those routes answer 503.
	Outbound *outbound.Notifier
}

//go:embed openapi.json
var openAPI []byte

// server holds what the handlers share.
type server struct {
	cfg      Config
	engine   *engine.Engine
	keys     KeyStore
	links    *linkService // nil: private links unavailable
	limiters *keyLimiters // nil: no rate limits
	tokens   *keyLimiters // browser tokens' limits; nil: no rate limits
	origins  *allowedOrigins
	log      *slog.Logger
}

// New returns the HTTP handler for the engine. Metrics are registered on
// reg and served, with the rest of reg's collectors, at /metrics.
func New(cfg Config, e *engine.Engine, reg *prometheus.Registry, log *slog.Logger) http.Handler {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	gin.SetMode(gin.ReleaseMode)
	s := &server{cfg: cfg, engine: e, keys: cfg.Keys, log: log.With("component", "api")}
	if s.keys == nil {
		s.keys = noKeys{}
	}
	s.keys = newKeyCache(s.keys)
	if cfg.RateLimit >= 0 {
		if cfg.RateLimit == 0 {
			cfg.RateLimit = DefaultRateLimit
		}
		if cfg.RateBurst <= 0 {
			cfg.RateBurst = DefaultRateBurst
		}
		s.limiters = newKeyLimiters(cfg.RateLimit, cfg.RateBurst)
		s.tokens = newKeyLimiters(cmp.Or(cfg.TokenRateLimit, DefaultTokenRateLimit), cmp.Or(cfg.TokenRateBurst, DefaultTokenRateBurst))
	}
	s.origins = &allowedOrigins{keys: s.keys}
	if cfg.Links != nil && len(cfg.LinkSecret) >= MinLinkSecretBytes {
		s.links = &linkService{store: cfg.Links, secret: cfg.LinkSecret}
	}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// Metrics come first so that they count what recover turns a panic
	// into; behind recover they would never see those 500s.
	r.Use(newHTTPMetrics(reg).middleware, s.recover, s.limitBody)
	r.NoRoute(func(c *gin.Context) {
		writeProblem(c, s.log, models.NotFound("no endpoint %s %s; see /openapi.json", c.Request.Method, c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		c.Header("Content-Type", "application/problem+json")
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, Problem{
			Type: "about:blank", Title: http.StatusText(http.StatusMethodNotAllowed),
			Status: http.StatusMethodNotAllowed, Code: models.CodeInvalid,
			Detail: fmt.Sprintf("%s is not allowed on %s; see /openapi.json", c.Request.Method, c.Request.URL.Path),
		})
	})

	r.GET("/healthz", s.health)
	r.GET("/readyz", s.ready)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	r.GET("/openapi.json", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", openAPI) })
	r.GET("/dashboard", s.dashboard)
	s.widgetRoutes(r)

	// A private link is its own credential: no key.
	r.GET("/v1/links/:token", s.rateLimitByAddress, s.readLink)

	// Pages of other origins call the browser routes with browser tokens:
	// their preflights carry no key.
	for _, route := range BrowserRoutes {
		method, path, _ := strings.Cut(route, " ")
		r.OPTIONS(path, s.preflight(method))
	}
	// A webhook's signature is its credential: no key.
	s.hookRoutes(r)
	v1 := r.Group("/v1", s.cors, s.authenticate, s.rateLimit, s.authorize)
	v1.GET("/suggest", s.suggest)
	v1.GET("/search", s.search)
	v1.POST("/deflect", s.deflect)
	v1.POST("/answer", s.answer)
	v1.GET("/articles/:id", s.getArticle)
	v1.PUT("/articles/:id", s.putArticle)
	v1.DELETE("/articles/:id", s.deleteArticle)
	v1.GET("/tickets/:id", s.getTicket)
	v1.PUT("/tickets/:id", s.putTicket)
	v1.DELETE("/tickets/:id", s.deleteTicket)
	v1.POST("/tickets/:id/links", s.createLink)
	v1.DELETE("/tickets/:id/links/:link", s.revokeLink)
	v1.POST("/classify", s.classify)
	v1.POST("/sentiment", s.sentiment)
	v1.POST("/triage", s.triage)
	v1.GET("/incidents/spikes", s.spikes)
	v1.GET("/incidents", s.listIncidents)
	v1.PUT("/incidents/:id", s.putIncident)
	v1.DELETE("/incidents/:id", s.deleteIncident)
	v1.POST("/events", s.postEvents)
	v1.GET("/metrics/deflection", s.deflectionMetrics)
	v1.GET("/metrics/search", s.searchMetrics)
	v1.GET("/metrics/articles", s.articleMetrics)
	v1.GET("/metrics/gaps", s.gapMetrics)
	v1.GET("/curations", s.listCurations)
	v1.PUT("/curations/:id", s.putCuration)
	v1.DELETE("/curations/:id", s.deleteCuration)
	v1.GET("/orgs", s.listOrgs)
	v1.PUT("/orgs/:id", s.putOrg)
	v1.DELETE("/orgs/:id", s.deleteOrg)
	v1.GET("/synonyms", s.listSynonyms)
	v1.PUT("/synonyms/:id", s.putSynonym)
	v1.DELETE("/synonyms/:id", s.deleteSynonym)
	v1.GET("/keys", s.listKeys)
	v1.POST("/keys", s.createKey)
	v1.DELETE("/keys/:id", s.revokeKey)
	s.subscriptionRoutes(v1)
	return r
}

// recover turns a panic in a handler into a 500 problem and a log entry.
func (s *server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			writeProblem(c, s.log, fmt.Errorf("panic: %v", v))
		}
	}()
	c.Next()
}

// limitBody caps every request body at cfg.MaxBodyBytes.
func (s *server) limitBody(c *gin.Context) {
	if c.Request.ContentLength > s.cfg.MaxBodyBytes {
		writeProblem(c, s.log, models.TooLarge("body", "request body is %d bytes, at most %d allowed", c.Request.ContentLength, s.cfg.MaxBodyBytes))
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes)
	c.Next()
}

// health answers 200 while the server can serve requests. With checks, it
// reports each as ok or unavailable, and the status as degraded when one
// fails: reads served from memory still work then, so a load balancer
// should keep the replica.
func (s *server) health(c *gin.Context) {
	body := s.healthBody(c)
	c.JSON(http.StatusOK, body)
}

// ready answers 200, with the body of /healthz, once every component is
// ready and every dependency answers, and 503 naming what is not until
// then: for a load balancer to send traffic to this replica only when its
// answers are whole.
func (s *server) ready(c *gin.Context) {
	body := s.healthBody(c)
	if body["status"] == "ok" {
		c.JSON(http.StatusOK, body)
		return
	}
	var not []string
	ready := body["ready"].(map[string]string)
	for _, name := range slices.Sorted(maps.Keys(ready)) {
		if ready[name] == engine.Preparing {
			not = append(not, name+" "+ready[name])
		}
	}
	if checks, ok := body["checks"].(map[string]string); ok {
		for _, name := range slices.Sorted(maps.Keys(checks)) {
			if checks[name] != "ok" {
				not = append(not, name+" "+checks[name])
			}
		}
	}
	writeProblem(c, s.log, &models.Error{Code: models.CodeUnavailable, Message: "not ready: " + strings.Join(not, ", ")})
}

// healthBody reports counts, dependencies and each component's readiness;
// status is degraded when a dependency fails, starting while a component
// is being prepared, and ok otherwise.
func (s *server) healthBody(c *gin.Context) gin.H {
	ready := s.engine.Readiness()
	body := gin.H{"status": "ok", "engine": s.engine.Stats(), "ready": ready}
	for _, state := range ready {
		if state == engine.Preparing {
			body["status"] = "starting"
		}
	}
	if len(s.cfg.Checks) > 0 {
		checks := map[string]string{}
		for name, check := range s.cfg.Checks {
			checks[name] = "ok"
			if err := check(c.Request.Context()); err != nil {
				checks[name] = "unavailable"
				body["status"] = "degraded"
				s.log.Warn("health check failed", "check", name, "err", err)
			}
		}
		body["checks"] = checks
	}
	return body
}
