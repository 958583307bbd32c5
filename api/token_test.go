package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/models"
)

// portalKey is a stored portal key: its id and secret.
type portalKey struct{ id, secret string }

// newPortalKey stores a portal key of the server that allows origins.
func (s *testServer) newPortalKey(portal models.Portal, origins ...string) portalKey {
	s.t.Helper()
	k, secret, err := api.NewKey(models.APIKey{Role: models.RolePortal, Portal: portal, Name: "page", Origins: origins}, time.Now())
	if err == nil {
		err = s.store.CreateKey(context.Background(), k)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	return portalKey{k.ID, secret}
}

// token mints a browser token of the key, valid for an hour unless claims
// say otherwise.
func (k portalKey) token(t *testing.T, claims api.TokenClaims) string {
	t.Helper()
	if claims.ExpiresAt == 0 {
		claims.ExpiresAt = time.Now().Add(time.Hour).Unix()
	}
	tok, err := api.MintToken(k.id, k.secret, claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// tokenWithID mints a token signed with this key's secret but naming the
// key with id: a forgery of that key's tokens.
func (k portalKey) tokenWithID(t *testing.T, id string, claims api.TokenClaims) string {
	t.Helper()
	tok, err := api.MintToken(id, k.secret, claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// call sends a request with a credential, an Origin header when origin is
// set, and extra headers.
func (s *testServer) call(method, target, cred, origin string, headers ...string) response {
	s.t.Helper()
	req := newRequest(s.t, method, target, nil)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return s.as(cred).doRequest(req)
}

const (
	portalPage = "https://help.brightloom.example"
	otherPage  = "https://evil.example"
)

// TestBrowserTokens checks what a browser token may do: act for the end
// user it names on the browser routes, from pages its key allows; and
// what it may not: live past its expiry or its key, be altered, widen its
// key, name its end user twice, or call any other route.
func TestBrowserTokens(t *testing.T) {
	s := newServer(t, api.Config{})
	s.load()
	key := s.newPortalKey(models.PortalCustomer, portalPage)
	suggest := "/v1/suggest?q=reset"

	ok := key.token(t, api.TokenClaims{Subject: "ann@acme.example", Org: "Acme Ltd"})
	s.call("GET", suggest, ok, "").mustStatus(t, http.StatusOK)
	r := s.call("GET", suggest, ok, portalPage).mustStatus(t, http.StatusOK)
	if got := r.Header.Get("Access-Control-Allow-Origin"); got != portalPage {
		t.Errorf("answer to an allowed page: Access-Control-Allow-Origin %q, want %q", got, portalPage)
	}

	// The token acts for its end user: the customer's ticket is theirs to
	// read through the key and headers, never through the token, which
	// calls the browser routes only.
	s.call("GET", "/v1/tickets/"+tktCustomer, key.secret, "", api.HeaderUser, "ann@acme.example", api.HeaderOrg, "Acme Ltd").mustStatus(t, http.StatusOK)
	checkProblem(t, s.call("GET", "/v1/tickets/"+tktCustomer, ok, ""), http.StatusForbidden, models.CodeForbidden, "Authorization")

	// Entitlements come from the token: an article restricted to a
	// product is found only by a token that carries it.
	s.do(http.MethodPut, "/v1/articles/cams-only", map[string]any{"title": "Reset the camera lens heater", "body": "Hold reset for ten seconds.",
		"products": []string{"cams"}}).mustStatus(t, http.StatusCreated)
	found := func(tok string) bool {
		var res struct{ Suggestions []struct{ ID string } }
		s.call("GET", "/v1/suggest?q=reset+the+cam", tok, "").mustStatus(t, http.StatusOK).decode(t, &res)
		for _, h := range res.Suggestions {
			if h.ID == "cams-only" {
				return true
			}
		}
		return false
	}
	if found(ok) || !found(key.token(t, api.TokenClaims{Subject: "cam@owner.example", Products: []string{"cams"}})) {
		t.Errorf("a product-restricted article: found without the product %v, want only with it", found(ok))
	}

	expired := key.token(t, api.TokenClaims{ExpiresAt: time.Now().Add(-time.Hour).Unix()})
	tooLong := key.token(t, api.TokenClaims{ExpiresAt: time.Now().Add(48 * time.Hour).Unix()})
	notYet := key.token(t, api.TokenClaims{NotBefore: time.Now().Add(time.Hour).Unix()})
	other := s.newPortalKey(models.PortalCustomer)
	forged, _ := api.MintToken(key.id, other.secret, api.TokenClaims{ExpiresAt: time.Now().Add(time.Hour).Unix()})
	parts := strings.Split(ok, ".")
	payload, _ := json.Marshal(map[string]any{"sub": "bob@acme.example", "org": "Acme Ltd", "exp": time.Now().Add(time.Hour).Unix()})
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"`+key.id+`"}`)) + "." + parts[1] + "."
	unknownKey, _ := api.MintToken("key_000000000000", key.secret, api.TokenClaims{ExpiresAt: time.Now().Add(time.Hour).Unix()})
	agentSecret := s.newKey(models.RoleAgent, "")
	for name, tok := range map[string]string{
		"expired": expired, "lives over 24 h": tooLong, "not yet valid": notYet, "signed by another key": forged,
		"payload changed": tampered, "alg none": none, "unknown key": unknownKey, "garbage": "a.b.c", "not base64": "!!.??.**",
		"agent key's secret as kid": strings.Replace(ok, parts[0], base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","kid":"`+agentSecret+`"}`)), 1),
	} {
		r := s.call("GET", suggest, tok, "")
		checkProblem(t, r, http.StatusUnauthorized, models.CodeUnauthorized, "")
		if !strings.Contains(r.Header.Get("WWW-Authenticate"), "invalid_token") {
			t.Errorf("%s: WWW-Authenticate %q, want an invalid_token challenge", name, r.Header.Get("WWW-Authenticate"))
		}
	}

	// A token only narrows its key.
	for name, tc := range map[string]struct {
		tok, origin, field string
		headers            []string
	}{
		"the other portal":             {key.token(t, api.TokenClaims{Portal: "itsm"}), "", "portal", nil},
		"an origin the key lacks":      {key.token(t, api.TokenClaims{Origins: []string{otherPage}}), otherPage, "origins", nil},
		"a page the key does not list": {ok, otherPage, "Origin", nil},
		"a token for pages, no page":   {key.token(t, api.TokenClaims{Origins: []string{portalPage}}), "", "Origin", nil},
		"end user twice":               {ok, "", api.HeaderUser, []string{api.HeaderUser, "bob@acme.example"}},
		"an invalid tier":              {key.token(t, api.TokenClaims{Tier: "Gold Plus"}), "", "tier", nil},
	} {
		r := s.call("GET", suggest, tc.tok, tc.origin, tc.headers...)
		if r.Code != http.StatusForbidden && r.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 403 or 400: %s", name, r.Code, r.Body)
		}
		var p api.Problem
		r.decode(t, &p)
		if p.Field != tc.field {
			t.Errorf("%s: field %q, want %q (%s)", name, p.Field, tc.field, p.Detail)
		}
	}

	// An API key may not be sent from a page of another origin.
	checkProblem(t, s.call("GET", suggest, key.secret, portalPage), http.StatusForbidden, models.CodeForbidden, "Authorization")

	// Revoking the key kills its tokens.
	s.do(http.MethodDelete, "/v1/keys/"+key.id, nil).mustStatus(t, http.StatusOK)
	checkProblem(t, s.call("GET", suggest, ok, ""), http.StatusUnauthorized, models.CodeUnauthorized, "")
}

// TestBrowserTokenKeyWithoutTokenKey: a portal key stored before browser
// tokens existed has no token key; its tokens are refused, saying why.
func TestBrowserTokenKeyWithoutTokenKey(t *testing.T) {
	s := newServer(t, api.Config{})
	s.load()
	k, secret, err := api.NewKey(models.APIKey{Role: models.RolePortal, Portal: models.PortalCustomer}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	k.TokenKey = nil
	if err := s.store.CreateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	tok := portalKey{k.ID, secret}.token(t, api.TokenClaims{Subject: "ann"})
	r := s.call("GET", "/v1/suggest?q=reset", tok, "")
	checkProblem(t, r, http.StatusUnauthorized, models.CodeUnauthorized, "")
	if !strings.Contains(string(r.Body), "create a new portal key") {
		t.Errorf("refusal does not say what to do: %s", r.Body)
	}
}

// TestBrowserTokenRateLimit: each end user of a token has a bucket of
// their own, apart from the key's.
func TestBrowserTokenRateLimit(t *testing.T) {
	s := newServer(t, api.Config{RateLimit: 1000, RateBurst: 1000, TokenRateLimit: 1, TokenRateBurst: 3})
	s.load()
	key := s.newPortalKey(models.PortalCustomer)
	ann := key.token(t, api.TokenClaims{Subject: "ann"})
	for range 3 {
		s.call("GET", "/v1/suggest?q=reset", ann, "").mustStatus(t, http.StatusOK)
	}
	r := s.call("GET", "/v1/suggest?q=reset", key.token(t, api.TokenClaims{Subject: "ann", Org: "Acme Ltd"}), "")
	checkProblem(t, r, http.StatusTooManyRequests, models.CodeRateLimited, "")
	if r.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	s.call("GET", "/v1/suggest?q=reset", key.token(t, api.TokenClaims{Subject: "bob"}), "").mustStatus(t, http.StatusOK)
	s.call("GET", "/v1/suggest?q=reset", key.secret, "").mustStatus(t, http.StatusOK)
}

// TestCORS checks preflights and answers across origins: a page of an
// origin some portal key allows may call the browser routes, and no other
// page nor other route gets CORS headers.
func TestCORS(t *testing.T) {
	s := newServer(t, api.Config{})
	s.load()
	key := s.newPortalKey(models.PortalCustomer, portalPage)
	for _, route := range api.BrowserRoutes {
		method, path, _ := strings.Cut(route, " ")
		path = strings.Replace(path, ":id", pubReset, 1)
		r := s.call("OPTIONS", path, "", portalPage, "Access-Control-Request-Method", method, "Access-Control-Request-Headers", "authorization,content-type")
		r.mustStatus(t, http.StatusNoContent)
		h := r.Header
		if h.Get("Access-Control-Allow-Origin") != portalPage || !strings.Contains(h.Get("Access-Control-Allow-Methods"), method) ||
			!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") || h.Get("Access-Control-Max-Age") == "" {
			t.Errorf("preflight of %s: headers %v", route, h)
		}
		r = s.call("OPTIONS", path, "", otherPage, "Access-Control-Request-Method", method)
		checkProblem(t, r, http.StatusForbidden, models.CodeForbidden, "Origin")
		if got := r.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("preflight of %s from %s: Access-Control-Allow-Origin %q, want none", route, otherPage, got)
		}
	}
	// Errors carry CORS headers too, so the page can read a 401 and ask
	// its backend for a new token.
	expired := key.token(t, api.TokenClaims{ExpiresAt: time.Now().Add(-time.Hour).Unix()})
	r := s.call("GET", "/v1/suggest?q=reset", expired, portalPage)
	checkProblem(t, r, http.StatusUnauthorized, models.CodeUnauthorized, "")
	if r.Header.Get("Access-Control-Allow-Origin") != portalPage {
		t.Errorf("401 to an allowed page without Access-Control-Allow-Origin: %v", r.Header)
	}
	// Not a browser route: no CORS headers whatever the origin.
	r = s.call("POST", "/v1/triage", key.token(t, api.TokenClaims{}), portalPage)
	if r.Code != http.StatusForbidden || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("triage from a page: status %d, Access-Control-Allow-Origin %q; want 403 and none", r.Code, r.Header.Get("Access-Control-Allow-Origin"))
	}
	// A key created over the API with an origin is honoured at once.
	var created struct{ Key models.APIKey }
	s.do(http.MethodPost, "/v1/keys", map[string]any{"role": "portal", "portal": "itsm", "origins": []string{"http://intranet.example:8080"}}).
		mustStatus(t, http.StatusCreated).decode(t, &created)
	s.call("OPTIONS", "/v1/suggest", "", "http://intranet.example:8080").mustStatus(t, http.StatusNoContent)
	if len(created.Key.TokenKey) != 0 || len(created.Key.Hash) != 0 {
		t.Errorf("created key shows its hash or token key: %+v", created.Key)
	}
	for _, bad := range [][]string{{"https://help.example/path"}, {"help.example"}, {"ftp://help.example"}, {"https://Help.example"}} {
		checkProblem(t, s.do(http.MethodPost, "/v1/keys", map[string]any{"role": "portal", "portal": "customer", "origins": bad}),
			http.StatusBadRequest, models.CodeInvalid, "origins")
	}
	checkProblem(t, s.do(http.MethodPost, "/v1/keys", map[string]any{"role": "agent", "origins": []string{portalPage}}),
		http.StatusBadRequest, models.CodeInvalid, "origins")
}

// TestMintTokenExamples runs the README's examples of minting a token in
// Go (standard library only) and in JavaScript (Node.js) and checks that
// Sift accepts what they mint, for the end user they name.
func TestMintTokenExamples(t *testing.T) {
	s := newServer(t, api.Config{})
	s.load()
	key := s.newPortalKey(models.PortalCustomer)
	s.do(http.MethodPut, "/v1/articles/cams-only", map[string]any{"title": "Reset the camera lens heater", "body": "Hold reset for ten seconds.",
		"products": []string{"cams"}}).mustStatus(t, http.StatusCreated)
	for _, ex := range []struct{ name, tool, file string }{
		{"Go", "go", "mint.go"},
		{"JavaScript", "node", "mint.mjs"},
	} {
		t.Run(ex.name, func(t *testing.T) {
			tool, err := exec.LookPath(ex.tool)
			if err != nil {
				t.Skipf("SKIP: %s not found", ex.tool)
			}
			args := []string{ex.file}
			if ex.tool == "go" {
				args = []string{"run", ex.file}
			}
			cmd := exec.Command(tool, append(args, key.id, key.secret, "ann@acme.example")...)
			cmd.Dir = filepath.Join("testdata", "mint")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s %s: %v\n%s", ex.tool, ex.file, err, out)
			}
			tok := strings.TrimSpace(string(out))
			var res struct{ Suggestions []struct{ ID string } }
			s.call("GET", "/v1/suggest?q=reset+the+cam", tok, "").mustStatus(t, http.StatusOK).decode(t, &res)
			if len(res.Suggestions) == 0 || res.Suggestions[0].ID != "cams-only" {
				t.Errorf("suggestions with the minted token (products cams): %+v, want cams-only first", res.Suggestions)
			}
		})
	}
}
