package api

import (
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/models"
)

// Role sets of the route table.
var (
	selfService  = []models.Role{models.RolePortal, models.RoleAgent, models.RoleAdmin}
	ticketWork   = []models.Role{models.RoleAgent, models.RoleAdmin}
	metricsRoles = []models.Role{models.RoleAnalyst, models.RoleAdmin}
	adminOnly    = []models.Role{models.RoleAdmin}
)

// RouteRoles is the one table of who may call what: for every
// authenticated route ("METHOD /path" as registered), the roles allowed.
// A route missing here is refused to everyone. What each role then sees
// (portal, organisation, entitlements) the engine decides.
var RouteRoles = map[string][]models.Role{
	"GET /v1/suggest":                    selfService,
	"GET /v1/search":                     selfService,
	"POST /v1/deflect":                   selfService,
	"POST /v1/answer":                    selfService,
	"GET /v1/articles/:id":               selfService,
	"PUT /v1/articles/:id":               adminOnly,
	"DELETE /v1/articles/:id":            adminOnly,
	"GET /v1/tickets/:id":                selfService,
	"PUT /v1/tickets/:id":                adminOnly,
	"DELETE /v1/tickets/:id":             adminOnly,
	"POST /v1/tickets/:id/links":         selfService,
	"DELETE /v1/tickets/:id/links/:link": selfService,
	"POST /v1/classify":                  ticketWork,
	"POST /v1/sentiment":                 ticketWork,
	"POST /v1/triage":                    ticketWork,
	"GET /v1/incidents/spikes":           ticketWork,
	"GET /v1/incidents":                  ticketWork,
	"PUT /v1/incidents/:id":              ticketWork,
	"DELETE /v1/incidents/:id":           ticketWork,
	"POST /v1/events":                    {models.RolePortal, models.RoleAdmin},
	"GET /v1/metrics/deflection":         metricsRoles,
	"GET /v1/metrics/search":             metricsRoles,
	"GET /v1/metrics/articles":           metricsRoles,
	"GET /v1/metrics/gaps":               {models.RoleAgent, models.RoleAnalyst, models.RoleAdmin},
	"GET /v1/curations":                  adminOnly,
	"PUT /v1/curations/:id":              adminOnly,
	"DELETE /v1/curations/:id":           adminOnly,
	"GET /v1/orgs":                       adminOnly,
	"PUT /v1/orgs/:id":                   adminOnly,
	"DELETE /v1/orgs/:id":                adminOnly,
	"GET /v1/synonyms":                   adminOnly,
	"PUT /v1/synonyms/:id":               adminOnly,
	"DELETE /v1/synonyms/:id":            adminOnly,
	"GET /v1/keys":                       adminOnly,
	"POST /v1/keys":                      adminOnly,
	"DELETE /v1/keys/:id":                adminOnly,
	"GET /v1/subscriptions":              adminOnly,
	"POST /v1/subscriptions":             adminOnly,
	"DELETE /v1/subscriptions/:id":       adminOnly,
	"GET /v1/deliveries":                 adminOnly,
}

// authorize refuses, with 403, a principal whose role may not call the
// route.
func (s *server) authorize(c *gin.Context) {
	route := c.Request.Method + " " + c.FullPath()
	who := principal(c)
	if _, token := c.Get(tokenKey); token && !browserRoute(route) {
		writeProblem(c, s.log, models.Forbidden("Authorization", "a browser token may call only %s; %s needs the portal's key, from its backend", strings.Join(BrowserRoutes, ", "), route))
		return
	}
	if !slices.Contains(RouteRoles[route], who.Role) {
		writeProblem(c, s.log, models.Forbidden("", "%s keys may not call %s; allowed: %s", who.Role, route, roleList(RouteRoles[route])))
		return
	}
	c.Next()
}

func roleList(roles []models.Role) string {
	if len(roles) == 0 {
		return "nobody"
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}
