package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/engine/analytics"
	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/bleve"
	"github.com/siftdesk/sift/indexer/bolt"
	"github.com/siftdesk/sift/indexer/eventlog"
	"github.com/siftdesk/sift/indexer/hnsw"
	"github.com/siftdesk/sift/indexer/openai"
	"github.com/siftdesk/sift/indexer/use"
	"github.com/siftdesk/sift/models"
)

// propertySeeds is how many random worlds TestNoResponseLeaks builds:
// SIFT_PROPERTY_SEEDS, or 20. SIFT_PROPERTY_SEED_BASE moves the first
// seed, so that CI runs can cover new worlds.
func propertySeeds(t *testing.T) (first, n uint64) {
	n = 20
	if v := os.Getenv("SIFT_PROPERTY_SEEDS"); v != "" {
		var err error
		if n, err = strconv.ParseUint(v, 10, 32); err != nil || n == 0 {
			t.Fatalf("SIFT_PROPERTY_SEEDS=%q: want a positive number", v)
		}
	}
	if v := os.Getenv("SIFT_PROPERTY_SEED_BASE"); v != "" {
		var err error
		if first, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("SIFT_PROPERTY_SEED_BASE=%q: want a number", v)
		}
	}
	if testing.Short() {
		n = min(n, 3)
	}
	return first, n
}

// TestNoResponseLeaks is the access-control property: in random worlds of
// organisations (some sharing their tickets among their users, some not,
// some with no record), articles (random visibility, products and tiers)
// and tickets (random portal, organisation and requester: users of an
// organisation, consumers of none, employees), no response to any
// principal (every role; portal keys acting for random end users, of an
// organisation or none, some of whom filed tickets) on any endpoint ever
// contains the id of an article or ticket that principal may not see. What a principal may see is decided here, from the rules as the
// README states them, not by the code under test.
func TestNoResponseLeaks(t *testing.T) {
	first, n := propertySeeds(t)
	start := time.Now()
	requests := 0
	for seed := first; seed < first+n; seed++ {
		t.Run("seed="+strconv.FormatUint(seed, 10), func(t *testing.T) {
			requests += runWorld(t, seed)
		})
	}
	t.Logf("%d seeds, %d requests, %s", n, requests, time.Since(start).Round(time.Millisecond))
}

// The vocabulary of the random worlds: few words, so that most queries
// match many documents of every access class.
var (
	worldWords    = []string{"printer", "password", "reset", "vpn", "invoice", "refund", "login", "camera", "offline", "certificate", "email", "update"}
	worldProducts = []string{"cams", "locks", "hub", "cloud"}
	worldTiers    = []string{"basic", "gold", "platinum"}
)

// worldArticle and worldTicket are the ground truth of a world.
type worldArticle struct {
	id              string
	internal        bool
	products, tiers []string
}

type worldTicket struct {
	id        string
	portal    models.Portal
	org       string
	requester string
}

// caller is a principal of a world: its key and the facts the oracle
// needs.
type caller struct {
	name     string
	key      string
	role     models.Role
	portal   models.Portal // bound portal, if any
	org      string        // portal keys: X-Sift-Org
	user     string        // portal keys: X-Sift-User
	token    bool          // portal keys: the end user is named by a browser token, not headers
	signer   portalKey     // the key that signed the token
	claims   api.TokenClaims
	tier     string
	products []string
	headers  map[string]string
}

type world struct {
	t        *testing.T
	rng      *rand.Rand
	s        *testServer
	articles []worldArticle
	tickets  []worldTicket
	orgs     []string
	sharing  map[string]models.Portal // the organisations that share their tickets, on a portal ("" for both)
	users    map[string][]string      // end users by organisation ("" for consumers and employees of none)
	vectors  bool                     // the world's server has an embedder
	chat     *fakeChat                // the chat model answers are written with
	queries  []string                 // search texts and drafts, drawn from a few so their embeddings are reused
	requests int
}

// query returns one of the world's query texts.
func (w *world) query() string { return pick(w.rng, w.queries) }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// some returns a random subset of xs, empty with probability 1/2.
func some(r *rand.Rand, xs []string) []string {
	if r.IntN(2) == 0 {
		return nil
	}
	var out []string
	for _, x := range xs {
		if r.IntN(3) == 0 {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		out = []string{pick(r, xs)}
	}
	return out
}

func (w *world) text(n int) string {
	words := make([]string, n)
	for i := range words {
		words[i] = pick(w.rng, worldWords)
	}
	return strings.Join(words, " ")
}

// runWorld builds one world and walks its endpoints; it returns how many
// requests it made.
func runWorld(t *testing.T, seed uint64) int {
	w := &world{t: t, rng: rand.New(rand.NewPCG(seed, 0x5eed))}
	var changes []models.Change
	w.sharing, w.users = map[string]models.Portal{}, map[string][]string{}
	for i := range 1 + w.rng.IntN(3) {
		org := fmt.Sprintf("org-%d-%d", seed, i)
		w.orgs = append(w.orgs, org)
		// A record that shares, one that does not, or none at all.
		if r := w.rng.IntN(3); r < 2 {
			rec := &models.Org{ID: org, Portal: pick(w.rng, []models.Portal{"", models.PortalCustomer}), SharesTickets: r == 0}
			if rec.SharesTickets {
				w.sharing[org] = rec.Portal
			}
			c, err := models.NewOrgChange(rec)
			if err != nil {
				t.Fatal(err)
			}
			changes = append(changes, c)
		}
		w.users[org] = []string{fmt.Sprintf("u%d.%d@org.example", i, 1), fmt.Sprintf("u%d.%d@org.example", i, 2)}
	}
	w.users[""] = []string{"jo@mail.example", "max@mail.example", "kim@mail.example"}
	for i := range 12 + w.rng.IntN(8) {
		a := worldArticle{id: fmt.Sprintf("art-%d-%02dx", seed, i), internal: w.rng.IntN(3) == 0,
			products: some(w.rng, worldProducts), tiers: some(w.rng, worldTiers)}
		slices.Sort(a.products)
		slices.Sort(a.tiers)
		vis := models.VisibilityPublic
		if a.internal {
			vis = models.VisibilityInternal
		}
		// The body names the article, so that any passage of it (in an
		// answer, or a prompt sent to a chat model) shows whose it is.
		doc := &models.Article{ID: a.id, Title: w.text(2 + w.rng.IntN(3)), Body: w.text(20) + " ref " + a.id, Visibility: vis,
			Products: a.products, Tiers: a.tiers, Views: int64(w.rng.IntN(100))}
		c, err := models.NewArticleChange(doc)
		if err != nil {
			t.Fatal(err)
		}
		changes = append(changes, c)
		w.articles = append(w.articles, a)
	}
	for i := range 12 + w.rng.IntN(8) {
		tk := worldTicket{id: fmt.Sprintf("tkt-%d-%02dx", seed, i), portal: models.PortalCustomer}
		switch r := w.rng.IntN(5); {
		case r == 0:
			tk.portal = models.PortalITSM
			if w.rng.IntN(3) == 0 {
				tk.org = pick(w.rng, w.orgs) // a department
			}
		case r == 1:
			// a consumer: a customer of no organisation
		default:
			tk.org = pick(w.rng, w.orgs)
		}
		tk.requester = pick(w.rng, w.users[tk.org])
		doc := &models.Ticket{ID: tk.id, Portal: tk.portal, Org: tk.org, Requester: tk.requester, Subject: w.text(4), Body: w.text(15),
			Status: pick(w.rng, []string{"open", "resolved"}), CreatedAt: time.Date(2026, 11, 1, w.rng.IntN(24), 0, 0, 0, time.UTC)}
		if doc.Status == "resolved" {
			// The resolution names its ticket, so that a suggested reply
			// quoting it, or a prompt sent to a chat model, shows whose it is.
			doc.Resolution = w.text(6) + " ref " + tk.id
		}
		c, err := models.NewTicketChange(doc)
		if err != nil {
			t.Fatal(err)
		}
		changes = append(changes, c)
		w.tickets = append(w.tickets, tk)
	}
	for range 8 {
		w.queries = append(w.queries, w.text(2+w.rng.IntN(3)))
	}
	// Every other world has vectors: the vector paths are covered, and the
	// embedder (nine tenths of the time) runs half as often.
	w.vectors = seed%2 == 0
	w.s = newWorldServer(t, changes, w.vectors)
	w.chat = &fakeChat{}
	chatServer := httptest.NewServer(w.chat)
	t.Cleanup(chatServer.Close)
	chat, err := openai.NewChat(openai.ChatConfig{BaseURL: chatServer.URL + "/v1", Model: "m", Timeout: 5 * time.Second}, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	w.s.eng.UseChat(chat, 5*time.Second)
	w.seedEvents()

	callers := w.callers()
	for _, c := range callers {
		w.walk(c)
	}
	for _, c := range callers {
		if c.token {
			w.abuseToken(c)
		}
	}
	return w.requests
}

// callers makes a key of every role, bound and unbound, and portal keys
// acting for random end users (often ones who filed tickets, named in
// another case): of a world organisation, of none, of one the world does
// not have, with random entitlements; and one naming no end user. A third
// of the portal callers name their end user in a browser token instead of
// headers.
func (w *world) callers() []caller {
	r := w.rng
	out := []caller{
		{name: "admin", role: models.RoleAdmin},
		{name: "analyst", role: models.RoleAnalyst},
		{name: "agent", role: models.RoleAgent},
		{name: "agent-customer", role: models.RoleAgent, portal: models.PortalCustomer},
		{name: "agent-itsm", role: models.RoleAgent, portal: models.PortalITSM},
	}
	for i := range 4 {
		c := caller{name: "portal-customer-" + strconv.Itoa(i), role: models.RolePortal, portal: models.PortalCustomer}
		switch r.IntN(4) {
		case 0:
		case 1:
			c.org = "Org elsewhere"
		default:
			c.org = pick(r, w.orgs)
		}
		c.user = pick(r, append(w.users[c.org], "nobody@else.example"))
		if r.IntN(4) == 0 {
			c.user = strings.ToUpper(c.user)
		}
		c.products = some(r, worldProducts)
		if r.IntN(2) == 0 {
			c.tier = pick(r, worldTiers)
		}
		out = append(out, c)
	}
	itsmOrg := pick(r, w.orgs)
	out = append(out, caller{name: "portal-itsm", role: models.RolePortal, portal: models.PortalITSM, products: some(r, worldProducts), user: pick(r, w.users[""])},
		caller{name: "portal-itsm-org", role: models.RolePortal, portal: models.PortalITSM, org: itsmOrg, user: pick(r, w.users[itsmOrg])},
		caller{name: "portal-customer-nobody", role: models.RolePortal, portal: models.PortalCustomer, org: pick(r, w.orgs)})
	for i := range out {
		c := &out[i]
		c.key = w.s.newKey(c.role, c.portal)
		c.headers = map[string]string{}
		if c.role == models.RolePortal && r.IntN(3) == 0 {
			c.token = true
			c.name += " (token)"
			c.signer = w.s.newPortalKey(c.portal, "https://portal.example")
			c.claims = api.TokenClaims{Subject: c.user, Org: c.org, Tier: c.tier, Products: c.products, ExpiresAt: time.Now().Add(time.Hour).Unix()}
			c.key = c.signer.token(w.t, c.claims)
			continue
		}
		if c.role == models.RolePortal {
			if c.user != "" {
				c.headers[api.HeaderUser] = c.user
			}
			if c.org != "" {
				c.headers[api.HeaderOrg] = c.org
			}
			if c.tier != "" {
				c.headers[api.HeaderTier] = c.tier
			}
			if len(c.products) > 0 {
				c.headers[api.HeaderProducts] = strings.Join(c.products, ",")
			}
		}
	}
	return out
}

// effectivePortal is the portal a request works on: a bound key's own,
// else the one asked for (customer when none).
func (c caller) effectivePortal(asked string) models.Portal {
	if c.portal != "" {
		return c.portal
	}
	if asked == "itsm" {
		return models.PortalITSM
	}
	return models.PortalCustomer
}

// mayReadArticle is the oracle's article rule: internal articles on the
// ITSM portal only, to employees and staff; product and tier restrictions
// bind customers (portal keys on the customer portal) only.
func (c caller) mayReadArticle(a worldArticle, portal models.Portal) bool {
	if c.role == models.RoleAnalyst {
		return false
	}
	if a.internal && portal != models.PortalITSM {
		return false
	}
	if c.role != models.RolePortal || portal == models.PortalITSM {
		return true
	}
	if len(a.products) > 0 && !slices.ContainsFunc(a.products, func(p string) bool { return slices.Contains(c.products, p) }) {
		return false
	}
	return len(a.tiers) == 0 || c.tier != "" && slices.Contains(a.tiers, c.tier)
}

// mayReadTicket is the oracle's ticket rule: an end user sees the tickets
// they filed, and their organisation's when it shares them; a browser
// token reads no ticket (tickets are not a browser route).
func (c caller) mayReadTicket(t worldTicket, shares func(models.Portal, string) bool) bool {
	if c.token {
		return false
	}
	switch c.role {
	case models.RoleAdmin:
		return true
	case models.RoleAgent:
		return c.portal == "" || t.portal == c.portal
	case models.RolePortal:
		own := c.user != "" && strings.EqualFold(c.user, t.requester)
		return t.portal == c.portal && (own || c.org != "" && t.org == c.org && shares(c.portal, c.org))
	}
	return false
}

// shares reports whether an organisation shares its tickets on a portal.
func (w *world) shares(portal models.Portal, org string) bool {
	on, ok := w.sharing[org]
	return ok && (on == "" || on == portal)
}

// mayShowBeside is the oracle's rule for similar tickets: on the customer
// portal, only what the triaged ticket's requester may read; on the ITSM
// portal, any of its tickets.
func (w *world) mayShowBeside(triaged, other worldTicket) bool {
	if other.portal != triaged.portal {
		return false
	}
	if triaged.portal == models.PortalITSM {
		return true
	}
	requester := caller{role: models.RolePortal, portal: triaged.portal, org: triaged.org, user: triaged.requester}
	return requester.mayReadTicket(other, w.shares)
}

// walk calls every endpoint as c and checks each answer.
func (w *world) walk(c caller) {
	r := w.rng
	portals := []string{"", "customer", "itsm"}
	for range 3 {
		asked := pick(r, portals)
		portal := c.effectivePortal(asked)
		word := pick(r, worldWords)
		q := url.Values{"q": {word[:min(len(word), 3+r.IntN(3))]}}
		if asked != "" {
			q.Set("portal", asked)
		}
		q.Set("limit", "20")
		w.check(c, portal, nil, "GET", "/v1/suggest?"+q.Encode(), nil)
		q.Set("q", w.query())
		q.Set("limit", "50")
		if w.vectors {
			q.Set("mode", pick(r, []string{"text", "vector", "hybrid"}))
		}
		w.check(c, portal, nil, "GET", "/v1/search?"+q.Encode(), nil)
		body := map[string]any{"subject": w.query(), "body": w.query(), "limit": 20}
		if asked != "" {
			body["portal"] = asked
		}
		w.check(c, portal, nil, "POST", "/v1/deflect", body)
		body["answer"] = true
		w.check(c, portal, nil, "POST", "/v1/deflect", body)
		question := map[string]any{"question": w.query()}
		if asked != "" {
			question["portal"] = asked
		}
		w.chat.set(pick(r, []string{"It is so [1].", "It is not [9]."}))
		w.check(c, portal, nil, "POST", "/v1/answer", question)
		// The chat model is sent passages of articles the caller may read
		// only.
		sent := w.chat.sent()
		for _, a := range w.articles {
			if strings.Contains(sent, "ref "+a.id) && !c.mayReadArticle(a, portal) {
				w.t.Errorf("LEAK to the chat model: POST /v1/answer as %s (%+v) sent article %s (%+v): %s", c.name, c.headers, a.id, a, sent)
			}
		}
	}
	// Reads by id must answer exactly as the oracle says, so the property
	// also fails when a filter hides what a caller may see.
	asked := pick(r, portals)
	for _, a := range w.articles {
		target := "/v1/articles/" + a.id
		if asked != "" {
			target += "?portal=" + asked
		}
		got := w.check(c, c.effectivePortal(asked), nil, "GET", target, nil).Code
		w.wantReadable(c, target, got, c.mayReadArticle(a, c.effectivePortal(asked)) && (c.portal == "" || asked == "" || asked == string(c.portal)))
	}
	for _, tk := range w.tickets {
		target := "/v1/tickets/" + tk.id
		w.wantReadable(c, target, w.check(c, "", nil, "GET", target, nil).Code, c.mayReadTicket(tk, w.shares))
		if r.IntN(3) == 0 {
			w.chat.set(pick(r, []string{"It is so [1].", "It is not [9]."}))
			w.check(c, tk.portal, &tk, "POST", "/v1/triage", map[string]any{"ticket_id": tk.id})
			w.checkReplyPrompt(c, tk)
		}
		if r.IntN(3) == 0 {
			w.link(c, tk)
		}
	}
	inline := map[string]any{"subject": w.query(), "body": w.query(), "portal": pick(r, []string{"customer", "itsm"})}
	if r.IntN(2) == 0 {
		inline["org"] = pick(r, w.orgs)
	}
	org, _ := inline["org"].(string)
	if r.IntN(2) == 0 {
		inline["requester"] = pick(r, w.users[org])
	}
	requester, _ := inline["requester"].(string)
	triaged := worldTicket{portal: models.Portal(inline["portal"].(string)), org: org, requester: requester}
	w.chat.set(pick(r, []string{"It is so [1].", "It is not [9]."}))
	w.check(c, "", &triaged, "POST", "/v1/triage", inline)
	w.checkReplyPrompt(c, triaged)
	for _, p := range []string{"customer", "itsm"} {
		w.check(c, "", nil, "GET", "/v1/incidents/spikes?since=2026-10-01T00:00:00Z&portal="+p, nil)
	}
	for _, m := range []string{"deflection?by=article&", "search?", "articles?"} {
		w.check(c, "", nil, "GET", "/v1/metrics/"+m+"from=2026-10-01&to=2026-12-01", nil)
	}
}

// checkReplyPrompt fails the test when what triage sent the chat model
// for a suggested reply holds an article or a ticket the triaged ticket's
// requester may not read: the reply goes to them.
func (w *world) checkReplyPrompt(c caller, triaged worldTicket) {
	w.t.Helper()
	sent := w.chat.sent()
	requester := caller{role: models.RolePortal, portal: triaged.portal, org: triaged.org, user: triaged.requester}
	for _, a := range w.articles {
		if strings.Contains(sent, "ref "+a.id) && !requester.mayReadArticle(a, triaged.portal) {
			w.t.Errorf("LEAK to the chat model: triage as %s of %+v sent article %s (%+v): %s", c.name, triaged, a.id, a, sent)
		}
	}
	for _, tk := range w.tickets {
		if strings.Contains(sent, "ref "+tk.id) && tk.id != triaged.id && !w.mayShowBeside(triaged, tk) {
			w.t.Errorf("LEAK to the chat model: triage as %s of %+v sent ticket %s (%+v): %s", c.name, triaged, tk.id, tk, sent)
		}
	}
}

// abuseToken sends a token caller's requests with its token expired,
// altered to name another end user or widen its portal, from a page its
// key does not allow, and after its key is revoked: each must be refused
// (401 or 403) and name nothing.
func (w *world) abuseToken(c caller) {
	target := "/v1/search?q=" + url.QueryEscape(w.query())
	expired := c.claims
	expired.ExpiresAt = time.Now().Add(-time.Minute).Unix()
	parts := strings.Split(c.key, ".")
	widened := c.claims
	widened.Portal = string(models.PortalITSM)
	if c.portal == models.PortalITSM {
		widened.Portal = string(models.PortalCustomer)
	}
	payload, _ := json.Marshal(map[string]any{"sub": "someone@else.example", "exp": c.claims.ExpiresAt})
	variants := map[string]struct {
		tok, origin string
	}{
		"expired":            {c.signer.token(w.t, expired), ""},
		"payload altered":    {parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2], ""},
		"portal widened":     {c.signer.token(w.t, widened), ""},
		"another page":       {c.key, "https://evil.example"},
		"signed by stranger": {w.s.newPortalKey(c.portal).tokenWithID(w.t, c.signer.id, c.claims), ""},
	}
	check := func(name string, tok, origin string) {
		req := newRequest(w.t, http.MethodGet, target, nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		r := w.s.as(tok).doRequest(req)
		w.requests++
		if r.Code != http.StatusUnauthorized && r.Code != http.StatusForbidden {
			w.t.Errorf("token of %s, %s: status %d, want 401 or 403: %s", c.name, name, r.Code, clipBody(r.Body))
		}
		w.checkResponse(c, r, "GET "+target+" ("+name+")", func(string) bool { return false })
	}
	for name, v := range variants {
		check(name, v.tok, v.origin)
	}
	w.s.do(http.MethodDelete, "/v1/keys/"+c.signer.id, nil).mustStatus(w.t, http.StatusOK)
	check("key revoked", c.key, "")
}

// wantReadable fails the test unless a read by id answered 200 exactly
// when the caller may read the document.
func (w *world) wantReadable(c caller, target string, status int, readable bool) {
	w.t.Helper()
	if (status == http.StatusOK) != readable {
		w.t.Errorf("GET %s as %s (%+v): status %d, but readable is %v", target, c.name, c.headers, status, readable)
	}
}

// link makes a private link as c and, when made, reads it without a key:
// the link shows its ticket and public articles restricted to nothing.
func (w *world) link(c caller, tk worldTicket) {
	r := w.check(c, "", nil, "POST", "/v1/tickets/"+tk.id+"/links", nil)
	if r.Code != http.StatusCreated {
		return
	}
	var l struct{ URL string }
	r.decode(w.t, &l)
	anon := caller{name: "link holder", role: "link"}
	w.checkResponse(anon, w.s.as("").do("GET", l.URL, nil), "GET "+l.URL, func(id string) bool {
		if id == tk.id {
			return true
		}
		for _, a := range w.articles {
			if a.id == id {
				return !a.internal && len(a.products) == 0 && len(a.tiers) == 0
			}
		}
		return false
	})
}

// check sends a request as c and checks that its answer names no article
// c may not read on portal (no article at all when portal is empty), and
// no ticket c may not read. For triage (triaged set: the stored ticket, or
// one given inline with an empty id), articles are those of the ticket's
// portal, and similar tickets must be ones its requester may read (see
// mayShowBeside).
func (w *world) check(c caller, portal models.Portal, triaged *worldTicket, method, target string, body any) response {
	w.t.Helper()
	req := newRequest(w.t, method, target, body)
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	r := w.s.as(c.key).doRequest(req)
	w.requests++
	if r.Code >= 500 {
		w.t.Errorf("%s %s as %s: status %d: %s", method, target, c.name, r.Code, r.Body)
	}
	sent, _ := json.Marshal(body)
	request := method + " " + target + " " + string(sent)
	allowed := func(id string) bool {
		if r.Code >= 400 && strings.Contains(request, id) {
			return true // an error may name what was asked for
		}
		for _, a := range w.articles {
			if a.id == id {
				if (c.role == models.RoleAnalyst || c.role == models.RoleAdmin) && strings.HasPrefix(target, "/v1/metrics/") {
					return true // analysts see the figures of every article
				}
				p := portal
				if triaged != nil {
					p = triaged.portal
				}
				return p != "" && c.mayReadArticle(a, p)
			}
		}
		for _, tk := range w.tickets {
			if tk.id == id {
				if !c.mayReadTicket(tk, w.shares) {
					return false
				}
				if triaged != nil && tk.id != triaged.id {
					return w.mayShowBeside(*triaged, tk)
				}
				return true
			}
		}
		return true
	}
	w.checkResponse(c, r, request, allowed)
	return r
}

// checkResponse fails the test for every world id in the body that
// allowed refuses.
func (w *world) checkResponse(c caller, r response, request string, allowed func(id string) bool) {
	w.t.Helper()
	for _, a := range w.articles {
		if bytes.Contains(r.Body, []byte(a.id)) && !allowed(a.id) {
			w.t.Errorf("LEAK: %s as %s (%+v) got article %s (%+v): %s", request, c.name, c.headers, a.id, a, clipBody(r.Body))
		}
	}
	for _, tk := range w.tickets {
		if bytes.Contains(r.Body, []byte(tk.id)) && !allowed(tk.id) {
			w.t.Errorf("LEAK: %s as %s (%+v) got ticket %s (%+v): %s", request, c.name, c.headers, tk.id, tk, clipBody(r.Body))
		}
	}
}

// clipBody shortens a response body for a failure message.
func clipBody(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "..."
	}
	return string(b)
}

// seedEvents reports a few portal events naming random articles, so that
// the metrics endpoints have article ids to show.
func (w *world) seedEvents() {
	var events []map[string]any
	for i := range 30 {
		a := pick(w.rng, w.articles)
		events = append(events, map[string]any{"id": "ev-" + strconv.Itoa(i), "type": "article_view", "session_id": "s" + strconv.Itoa(i%7),
			"portal": pick(w.rng, []string{"customer", "itsm"}), "time": "2026-11-0" + strconv.Itoa(1+i%5) + "T10:00:00Z", "article_id": a.id})
	}
	w.s.do("POST", "/v1/events", map[string]any{"events": events}).mustStatus(w.t, http.StatusOK)
}

// worldEncoder is the built-in embedder, loaded once for every world,
// behind a cache: worlds repeat their query texts.
var worldEncoder = sync.OnceValues(func() (*cachedEmbedder, error) {
	enc, err := use.Load()
	return &cachedEmbedder{Encoder: enc, vecs: map[string][]float32{}}, err
})

// embedWith gives ix the built-in embedder and a fresh vector index, when
// vectors is set, so that what it indexes is embedded; it returns both
// (nil without vectors).
func embedWith(t *testing.T, ix *indexer.Indexer, vectors bool) (*cachedEmbedder, *hnsw.Vectors) {
	t.Helper()
	if !vectors {
		return nil, nil
	}
	emb, err := worldEncoder()
	if err != nil {
		t.Fatal(err)
	}
	vecs := hnsw.NewVectors(emb.Model(), emb.Dimensions())
	ix.UseVectors(emb, vecs)
	return emb, vecs
}

// cachedEmbedder remembers the vector of every text it embedded.
type cachedEmbedder struct {
	*use.Encoder
	mu   sync.Mutex
	vecs map[string][]float32
}

// Embed returns the texts' vectors, embedding only those not seen before.
func (c *cachedEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	var missing []string
	c.mu.Lock()
	for i, t := range texts {
		if out[i] = c.vecs[t]; out[i] == nil {
			missing = append(missing, t)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	vecs, err := c.Encoder.Embed(ctx, missing)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, t := range missing {
		c.vecs[t] = vecs[i]
	}
	for i, t := range texts {
		out[i] = c.vecs[t]
	}
	return out, nil
}

// newWorldServer writes a world's documents into fresh backends in one
// batch (one transaction, not one per PUT) and returns the API over them,
// with the built-in embedder, a vector index and an event log, so that
// every retrieval path (type-ahead, full text, vectors, metrics) answers.
func newWorldServer(t *testing.T, changes []models.Change, vectors bool) *testServer {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, err := bolt.Open(filepath.Join(dir, "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	text, err := bleve.Open(filepath.Join(dir, "fulltext"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { text.Close() })
	events, err := eventlog.Open(filepath.Join(dir, "events"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { events.Close() })
	ix := indexer.New(store, text, 0, log)
	emb, vecs := embedWith(t, ix, vectors)
	if err := ix.Apply(ctx, changes); err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(ctx, engine.Config{}, store, text, ix, log)
	if err != nil {
		t.Fatal(err)
	}
	if vectors {
		eng.UseVectors(emb, vecs)
	}
	if err := eng.UseEvents(ctx, events, nil, analytics.Config{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	h, key, err := newAPI(api.Config{}, eng, store, log)
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{t: t, handler: h, store: store, key: key, eng: eng}
}
