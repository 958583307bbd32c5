package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/models"
)

// portalVariant is one way of saying which portal asks.
type portalVariant struct {
	name  string
	query string         // appended to the URL: "" or "portal=..."
	body  map[string]any // merged into a deflect body
}

// customerVariants are the three ways of asking as the customer portal:
// by name, with an empty portal, and with no portal at all.
var customerVariants = []portalVariant{
	{name: "portal=customer", query: "portal=customer", body: map[string]any{"portal": "customer"}},
	{name: "portal empty", query: "portal=", body: map[string]any{"portal": ""}},
	{name: "portal omitted", query: "", body: map[string]any{}},
}

var itsmVariant = portalVariant{name: "portal=itsm", query: "portal=itsm", body: map[string]any{"portal": "itsm"}}

// readCase is a read endpoint called with text that matches the internal
// articles well. The ITSM portal's answer must contain wantITSM (an
// internal article's id, or its category): that proves the request would
// leak if the customer portal were not filtered.
type readCase struct {
	name     string
	method   string
	path     string         // without the portal parameter
	body     map[string]any // for POST; the portal is merged in
	status   int            // for the customer portal
	wantITSM string         // what the ITSM portal must get that the customer portal must not
	// itsmTickets are ticket secrets the ITSM portal's answer may contain:
	// triage shows an ITSM ticket the ITSM tickets like it.
	itsmTickets []string
}

var readCases = []readCase{
	{name: "suggest runbook", method: "GET", path: "/v1/suggest?q=runbook", status: 200, wantITSM: intAdmin},
	{name: "suggest rotate", method: "GET", path: "/v1/suggest?q=rotate+the+vpn", status: 200, wantITSM: intVPN},
	{name: "suggest reset password", method: "GET", path: "/v1/suggest?q=reset+password+lock&limit=20", status: 200, wantITSM: intAdmin},
	{name: "suggest typo", method: "GET", path: "/v1/suggest?q=certificat", status: 200, wantITSM: intVPN},
	{name: "search password", method: "GET", path: "/v1/search?q=reset+password+admin+account&limit=50", status: 200, wantITSM: intAdmin},
	{name: "search internal words only", method: "GET", path: "/v1/search?q=runbook+gateway+certificate", status: 200, wantITSM: intVPN},
	{name: "search typo retry", method: "GET", path: "/v1/search?q=runbok", status: 200, wantITSM: intVPN},
	{name: "search internal category", method: "GET", path: "/v1/search?q=" + url.QueryEscape("Tier-3 runbooks"), status: 200, wantITSM: intAdmin},
	{name: "search ticket words", method: "GET", path: "/v1/search?q=mail+never+arrives+expired+morning", status: 200},
	{name: "search page two", method: "GET", path: "/v1/search?q=password+runbook&limit=1&offset=1", status: 200, wantITSM: "Tier-3 runbooks"},
	{name: "deflect admin", method: "POST", path: "/v1/deflect", status: 200, wantITSM: intAdmin,
		body: map[string]any{"subject": "Locked admin account, need a password reset", "body": "Please unlock the admin account and reset the password; follow the runbook.", "limit": 20}},
	{name: "deflect vpn", method: "POST", path: "/v1/deflect", status: 200, wantITSM: intVPN,
		body: map[string]any{"subject": "VPN gateway certificate", "body": "Rotate the certificate on the gateway HSM."}},
	{name: "deflect ticket text", method: "POST", path: "/v1/deflect", status: 200,
		body: map[string]any{"subject": "Password reset mail never arrives", "body": "VPN gateway certificate expired"}},
	{name: "get internal article", method: "GET", path: "/v1/articles/" + intAdmin, status: 404, wantITSM: intAdmin},
	{name: "get other internal article", method: "GET", path: "/v1/articles/" + intVPN, status: 404, wantITSM: intVPN},
	{name: "get public article", method: "GET", path: "/v1/articles/" + pubReset, status: 200},
	// Triage of a ticket given in full: its portal is the ticket's. The
	// organisation has no tickets, so a customer ticket of it must be shown
	// none, and none of the fixture's internal articles.
	{name: "triage admin", method: "POST", path: "/v1/triage", status: 200, wantITSM: intAdmin, itsmTickets: itsmTicketSecrets,
		body: map[string]any{"org": "Initech", "subject": "Locked admin account, need a password reset", "body": "Please unlock the admin account and reset the password; follow the runbook."}},
	{name: "triage vpn", method: "POST", path: "/v1/triage", status: 200, wantITSM: intVPN, itsmTickets: itsmTicketSecrets,
		body: map[string]any{"org": "Initech", "subject": "VPN gateway certificate", "body": "Rotate the certificate on the gateway HSM, the runbook says."}},
	{name: "triage ticket text", method: "POST", path: "/v1/triage", status: 200, itsmTickets: itsmTicketSecrets,
		body: map[string]any{"org": "Initech", "subject": "Password reset mail never arrives", "body": "VPN gateway certificate expired"}},
	{name: "triage other org's words", method: "POST", path: "/v1/triage", status: 200, itsmTickets: itsmTicketSecrets,
		body: map[string]any{"org": "Acme", "subject": "reset mail arrives", "body": "I asked to reset my password three times"}},
}

// itsmTicketSecrets are the ticket secrets of the fixture's ITSM ticket.
var itsmTicketSecrets = []string{tktITSM, "VPN gateway certificate expired"}

// withPortal returns the request's target and body for a portal variant.
func (rc readCase) withPortal(v portalVariant) (string, any) {
	if rc.method == http.MethodPost {
		body := map[string]any{}
		for k, x := range rc.body {
			body[k] = x
		}
		for k, x := range v.body {
			body[k] = x
		}
		return rc.path, body
	}
	if v.query == "" {
		return rc.path, nil
	}
	sep := "?"
	if strings.Contains(rc.path, "?") {
		sep = "&"
	}
	return rc.path + sep + v.query, nil
}

// checkNoLeak fails if body contains any of secrets, except those the
// request itself named (a 404 may repeat the id asked for).
func checkNoLeak(t *testing.T, request string, body []byte, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(request, s) {
			continue
		}
		// JSON escapes some characters, so look for the encoded form too.
		enc, _ := json.Marshal(s)
		if bytes.Contains(body, []byte(s)) || bytes.Contains(body, enc[1:len(enc)-1]) {
			t.Errorf("response leaks %q: %s", s, body)
		}
	}
}

// TestCustomerPortalSeesNoInternalArticles walks every endpoint as the
// customer portal, naming it and leaving it out, and checks that no answer
// contains an internal article or a ticket. For triage the portal is the
// ticket's, and the ticket's organisation has no tickets.
func TestCustomerPortalSeesNoInternalArticles(t *testing.T) {
	s := loadedServer(t)

	for _, rc := range readCases {
		t.Run(rc.name, func(t *testing.T) {
			for _, v := range customerVariants {
				target, body := rc.withPortal(v)
				r := s.do(rc.method, target, body)
				if r.Code != rc.status {
					t.Errorf("%s: status %d, want %d: %s", v.name, r.Code, rc.status, r.Body)
				}
				reqText := target
				if body != nil {
					b, _ := json.Marshal(body)
					reqText += string(b)
				}
				checkNoLeak(t, reqText, r.Body, secrets)
				if rc.method == http.MethodGet && strings.HasPrefix(rc.path, "/v1/search") && r.Code == 200 {
					checkCustomerTotal(t, s, target, r.Body)
				}
			}

			// The same request from the ITSM portal does find the internal
			// article, so the checks above are not vacuous, and still
			// finds no ticket.
			target, body := rc.withPortal(itsmVariant)
			r := s.do(rc.method, target, body)
			if r.Code != http.StatusOK {
				t.Fatalf("itsm: status %d: %s", r.Code, r.Body)
			}
			if rc.wantITSM != "" && !bytes.Contains(r.Body, []byte(`"`+rc.wantITSM+`"`)) {
				t.Errorf("itsm: %s not in %s", rc.wantITSM, r.Body)
			}
			checkNoLeak(t, target, r.Body, slices.DeleteFunc(slices.Clone(ticketSecrets), func(x string) bool {
				return slices.Contains(rc.itsmTickets, x)
			}))
		})
	}
}

// checkCustomerTotal checks that a customer search's total and facets count
// public articles only: the number of hits when all fit in one page.
func checkCustomerTotal(t *testing.T, s *testServer, target string, body []byte) {
	t.Helper()
	var res models.SearchResult
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(target)
	q := u.Query()
	q.Set("limit", "50")
	q.Set("offset", "0")
	var all models.SearchResult
	s.do(http.MethodGet, "/v1/search?"+q.Encode(), nil).mustStatus(t, http.StatusOK).decode(t, &all)
	if res.Total != uint64(len(all.Hits)) {
		t.Errorf("%s: total %d, but only %d visible hits: internal articles are counted", target, res.Total, len(all.Hits))
	}
	for _, counts := range all.Facets {
		for _, c := range counts {
			if c.Count > len(all.Hits) {
				t.Errorf("%s: facet %+v counts more than the %d visible hits", target, c, len(all.Hits))
			}
		}
	}
}

// TestHiddenArticleLooksMissing checks that the customer portal cannot tell
// an internal article from one that does not exist.
func TestHiddenArticleLooksMissing(t *testing.T) {
	s := loadedServer(t)
	const missing = "int-0zz-no-such-article"
	for _, v := range customerVariants {
		suffix := ""
		if v.query != "" {
			suffix = "?" + v.query
		}
		hidden := s.do(http.MethodGet, "/v1/articles/"+intAdmin+suffix, nil)
		absent := s.do(http.MethodGet, "/v1/articles/"+missing+suffix, nil)
		checkProblem(t, hidden, http.StatusNotFound, models.CodeNotFound, "")
		got := strings.ReplaceAll(string(hidden.Body), intAdmin, "ID")
		want := strings.ReplaceAll(string(absent.Body), missing, "ID")
		if got != want {
			t.Errorf("%s: hidden article answers %s, a missing one %s", v.name, hidden.Body, absent.Body)
		}
	}
}

// TestOtherEndpointsLeakNothing covers the endpoints that take no portal:
// operations, writes and the agent endpoints that take no ticket, whose
// answers may only echo what was sent, and triage of an indexed ticket,
// whose portal and organisation are the stored ticket's.
func TestOtherEndpointsLeakNothing(t *testing.T) {
	s := newServer(t, api.Config{})
	s.load()
	tests := []struct {
		method, target string
		body           any
		status         int
	}{
		{"GET", "/healthz", nil, 200},
		{"GET", "/metrics", nil, 200},
		{"GET", "/openapi.json", nil, 200},
		{"PUT", "/v1/articles/pub-new-one", map[string]any{"title": "Change your e-mail address", "body": "Reset it in Settings."}, 201},
		{"PUT", "/v1/articles/pub-new-one", map[string]any{"id": "pub-other", "title": "x"}, 400},
		{"DELETE", "/v1/articles/pub-new-one", nil, 204},
		{"DELETE", "/v1/articles/pub-new-one", nil, 404},
		{"PUT", "/v1/tickets/tkt-new-one", map[string]any{"portal": "customer", "subject": "E-mail change"}, 201},
		{"PUT", "/v1/tickets/tkt-new-one", map[string]any{"portal": "customer"}, 400},
		{"DELETE", "/v1/tickets/tkt-new-one", nil, 204},
		{"DELETE", "/v1/tickets/tkt-new-one", nil, 404},
		{"GET", "/v1/nowhere", nil, 404},
		{"POST", "/v1/sentiment", map[string]any{"text": "Third time: the reset mail never arrives, VPN certificate expired, runbook please"}, 200},
		{"POST", "/v1/sentiment", map[string]any{"text": ""}, 400},
		{"POST", "/v1/classify", map[string]any{"subject": "Password reset mail never arrives", "body": "admin runbook"}, 400},
		{"GET", "/v1/incidents/spikes", nil, 400},
		{"GET", "/v1/incidents/spikes?portal=customer&since=2000-01-01T00:00:00Z", nil, 400},
		{"GET", "/v1/incidents/spikes?since=" + tktCustomer, nil, 400},
		// The only ticket of its organisation: no similar tickets, public
		// articles only.
		{"POST", "/v1/triage", map[string]any{"ticket_id": tktCustomer}, 200},
		{"POST", "/v1/triage", map[string]any{"ticket_id": "tkt-0zz-missing"}, 404},
	}
	for _, tc := range tests {
		name := tc.method + " " + tc.target
		if tc.body != nil {
			b, _ := json.Marshal(tc.body)
			name += " " + string(b)
		}
		t.Run(name, func(t *testing.T) {
			r := s.do(tc.method, tc.target, tc.body)
			if r.Code != tc.status {
				t.Errorf("status %d, want %d: %s", r.Code, tc.status, r.Body)
			}
			checkNoLeak(t, name, r.Body, secrets)
		})
	}
}
