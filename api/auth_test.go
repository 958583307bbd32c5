package api_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/models"
)

// TestEveryRouteNeedsAKey checks that every /v1 route but the private
// link, the help desks' webhooks and the CORS preflights refuses a
// request without a key, or with an unknown one, with 401 and a Bearer
// challenge, and that the open routes stay open. Preflights exist for the browser routes only.
func TestEveryRouteNeedsAKey(t *testing.T) {
	s := loadedServer(t)
	for _, r := range s.gin().Routes() {
		target := strings.NewReplacer(":id", pubReset, ":link", "l1", ":token", "x.y").Replace(r.Path)
		name := r.Method + " " + r.Path
		_, authenticated := api.RouteRoles[name]
		if r.Method == http.MethodOptions {
			if !slices.ContainsFunc(api.BrowserRoutes, func(b string) bool { return strings.HasSuffix(b, " "+r.Path) }) || authenticated {
				t.Errorf("%s: a preflight of a route that is not a browser route, or in the role table", name)
			}
			continue
		}
		if !strings.HasPrefix(r.Path, "/v1/") || r.Path == "/v1/links/:token" || r.Path == "/v1/hooks/:source" {
			if authenticated {
				t.Errorf("%s is open but in the role table", name)
			}
			continue
		}
		if !authenticated {
			t.Errorf("%s is not in the role table: it would be refused to everyone", name)
		}
		for _, key := range []string{"", "sk_" + strings.Repeat("A", 43)} {
			got := s.as(key).do(r.Method, target, nil)
			checkProblem(t, got, http.StatusUnauthorized, models.CodeUnauthorized, "")
			if ch := got.Header.Get("WWW-Authenticate"); !strings.HasPrefix(ch, "Bearer ") {
				t.Errorf("%s with key %q: WWW-Authenticate %q", name, key, ch)
			}
		}
	}
	for _, path := range []string{"/healthz", "/metrics", "/openapi.json", "/dashboard"} {
		s.as("").do(http.MethodGet, path, nil).mustStatus(t, http.StatusOK)
	}
	// A malformed Authorization header is a missing key, not a crash.
	for _, h := range []string{"Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "sk_x", "Bearer  "} {
		req := newRequest(t, http.MethodGet, "/v1/suggest?q=a", nil)
		req.Header.Set("Authorization", h)
		checkProblem(t, s.as("").doRequest(req), http.StatusUnauthorized, models.CodeUnauthorized, "")
	}
}

// TestRoleTable calls an endpoint of each kind with a key of each role and
// checks the table decides: 403 for a role it leaves out, something else
// (the endpoint's own answer) for one it admits.
func TestRoleTable(t *testing.T) {
	s := loadedServer(t)
	keys := map[models.Role]string{
		models.RolePortal:  s.newKey(models.RolePortal, models.PortalCustomer),
		models.RoleAgent:   s.newKey(models.RoleAgent, ""),
		models.RoleAnalyst: s.newKey(models.RoleAnalyst, ""),
		models.RoleAdmin:   s.key,
	}
	calls := []struct {
		method, target string
		body           any
	}{
		{"GET", "/v1/suggest?q=reset", nil},
		{"POST", "/v1/deflect", map[string]any{"subject": "printer offline"}},
		{"GET", "/v1/articles/" + pubReset, nil},
		{"PUT", "/v1/articles/" + pubReset, fixtureArticles[0]},
		{"POST", "/v1/sentiment", map[string]any{"text": "still broken"}},
		{"POST", "/v1/triage", map[string]any{"subject": "printer offline"}},
		{"GET", "/v1/metrics/search", nil},
		{"GET", "/v1/keys", nil},
		{"DELETE", "/v1/tickets/t-none", nil},
	}
	for _, c := range calls {
		route := c.method + " " + strings.Split(strings.Replace(c.target, "/"+pubReset, "/:id", 1), "?")[0]
		route = strings.Replace(route, "/t-none", "/:id", 1)
		allowed, ok := api.RouteRoles[route]
		if !ok {
			t.Fatalf("no role table entry %q", route)
		}
		for role, key := range keys {
			got := s.as(key).do(c.method, c.target, c.body)
			admitted := false
			for _, r := range allowed {
				admitted = admitted || r == role
			}
			switch {
			case !admitted:
				checkProblem(t, got, http.StatusForbidden, models.CodeForbidden, "", string(role))
			case got.Code == http.StatusForbidden || got.Code == http.StatusUnauthorized:
				t.Errorf("%s as %s: status %d, want the endpoint's answer: %s", route, role, got.Code, got.Body)
			}
		}
	}
}

// TestEndUserHeaders checks that only a portal key may name an end user,
// and that a portal key is held to its portal.
func TestEndUserHeaders(t *testing.T) {
	s := loadedServer(t)
	portal := s.newKey(models.RolePortal, models.PortalCustomer)
	agent := s.newKey(models.RoleAgent, models.PortalITSM)
	for _, h := range []string{api.HeaderUser, api.HeaderOrg, api.HeaderTier, api.HeaderProducts} {
		for _, key := range []string{agent, s.key} {
			req := newRequest(t, http.MethodGet, "/v1/suggest?q=reset", nil)
			req.Header.Set(h, "acme")
			checkProblem(t, s.as(key).doRequest(req), http.StatusForbidden, models.CodeForbidden, h, "only a portal key")
		}
		req := newRequest(t, http.MethodGet, "/v1/suggest?q=reset", nil)
		req.Header.Set(h, "acme")
		s.as(portal).doRequest(req).mustStatus(t, http.StatusOK)
	}
	bad := []struct {
		header, value string
		status        int
		code          string
	}{
		{api.HeaderProducts, "Cameras Pro", 400, models.CodeInvalid},
		{api.HeaderTier, "gold/plus", 400, models.CodeInvalid},
		{api.HeaderUser, "\xff", 400, models.CodeInvalid},
		{api.HeaderOrg, strings.Repeat("x", models.MaxLabelLength+1), 413, models.CodeTooLarge},
	}
	for _, b := range bad {
		req := newRequest(t, http.MethodGet, "/v1/suggest?q=reset", nil)
		req.Header.Set(b.header, b.value)
		checkProblem(t, s.as(portal).doRequest(req), b.status, b.code, b.header)
	}

	// A bound key may not ask for the other portal, whichever way it asks.
	checkProblem(t, s.as(portal).do("GET", "/v1/search?q=runbook&portal=itsm", nil), http.StatusForbidden, models.CodeForbidden, "portal")
	checkProblem(t, s.as(portal).do("POST", "/v1/deflect", map[string]any{"subject": "vpn", "portal": "itsm"}), http.StatusForbidden, models.CodeForbidden, "portal")
	checkProblem(t, s.as(portal).do("POST", "/v1/events", map[string]any{"events": []map[string]any{{"id": "e1", "type": "search", "session_id": "s", "portal": "itsm", "time": "2026-11-01T10:00:00Z", "query": "x"}}}),
		http.StatusForbidden, models.CodeForbidden, "events[0].portal")
	checkProblem(t, s.as(agent).do("POST", "/v1/triage", map[string]any{"portal": "customer", "subject": "x"}), http.StatusForbidden, models.CodeForbidden, "portal")
	checkProblem(t, s.as(agent).do("POST", "/v1/triage", map[string]any{"ticket_id": tktCustomer}), http.StatusNotFound, models.CodeNotFound, "")
	// Omitted, the portal is the key's own: the ITSM agent sees internal articles.
	r := s.as(agent).do("GET", "/v1/search?q=runbook", nil).mustStatus(t, http.StatusOK)
	if !strings.Contains(string(r.Body), intVPN) {
		t.Errorf("ITSM agent's search lacks the internal article: %s", r.Body)
	}
}

// TestKeysOverHTTP creates, lists and revokes a key through the admin
// endpoints, and checks a revoked key is refused at once.
func TestKeysOverHTTP(t *testing.T) {
	s := newServer(t, api.Config{})
	var created struct {
		Key    models.APIKey
		Secret string
	}
	s.do("POST", "/v1/keys", map[string]any{"role": "portal", "portal": "itsm", "name": "intranet"}).mustStatus(t, http.StatusCreated).decode(t, &created)
	if !strings.HasPrefix(created.Secret, "sk_") || len(created.Secret) != 46 || created.Key.Hash != nil {
		t.Fatalf("created %+v", created)
	}
	s.as(created.Secret).do("GET", "/v1/suggest?q=x", nil).mustStatus(t, http.StatusOK)

	r := s.do("GET", "/v1/keys", nil).mustStatus(t, http.StatusOK)
	if strings.Contains(string(r.Body), created.Secret) || strings.Contains(string(r.Body), `"hash"`) {
		t.Errorf("key list shows a secret or hash: %s", r.Body)
	}
	var list struct{ Keys []models.APIKey }
	r.decode(t, &list)
	i := slices.IndexFunc(list.Keys, func(k models.APIKey) bool { return k.ID == created.Key.ID })
	if len(list.Keys) != 2 || i < 0 || list.Keys[i].Prefix != created.Secret[:9] || list.Keys[i].Role != models.RolePortal {
		t.Errorf("keys %+v", list.Keys)
	}

	s.do("DELETE", "/v1/keys/"+created.Key.ID, nil).mustStatus(t, http.StatusOK)
	got := s.as(created.Secret).do("GET", "/v1/suggest?q=x", nil)
	checkProblem(t, got, http.StatusUnauthorized, models.CodeUnauthorized, "", "revoked")
	checkProblem(t, s.do("DELETE", "/v1/keys/key_none", nil), http.StatusNotFound, models.CodeNotFound, "")

	bad := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"role": "root"}, "role"},
		{map[string]any{"role": "portal"}, "portal"},
		{map[string]any{"role": "analyst", "portal": "itsm"}, "portal"},
		{map[string]any{"role": "agent", "portal": "intranet"}, "portal"},
		{map[string]any{"role": "admin", "secret": "mine"}, "secret"},
	}
	for _, b := range bad {
		checkProblem(t, s.do("POST", "/v1/keys", b.body), http.StatusBadRequest, models.CodeInvalid, b.field)
	}
}

// TestRateLimit checks that a key over its burst gets 429 with a
// Retry-After, and that another key is not held back by it.
func TestRateLimit(t *testing.T) {
	s := newServer(t, api.Config{RateLimit: 0.5, RateBurst: 3})
	other := s.newKey(models.RoleAdmin, "")
	for range 3 {
		s.do("GET", "/v1/suggest?q=a", nil).mustStatus(t, http.StatusOK)
	}
	r := s.do("GET", "/v1/suggest?q=a", nil)
	checkProblem(t, r, http.StatusTooManyRequests, models.CodeRateLimited, "")
	if sec, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || sec < 1 || sec > 2 {
		t.Errorf("Retry-After %q, want 1 or 2 seconds at 0.5/s", r.Header.Get("Retry-After"))
	}
	s.as(other).do("GET", "/v1/suggest?q=a", nil).mustStatus(t, http.StatusOK)
}
