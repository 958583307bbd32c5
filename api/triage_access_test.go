package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/siftdesk/sift/api"
)

// Tickets for the access tests: three customer tickets each of two
// organisations that share their tickets among their users, three ITSM
// tickets and a customer ticket without an organisation, all worded alike
// so that each would match the others if nothing kept them apart. One
// ITSM ticket carries org acme, so that a filter on the organisation alone
// would let it through.
var (
	acmeTickets   = []string{"tkt-acme-1", "tkt-acme-2", "tkt-acme-3"}
	globexTickets = []string{"tkt-globex-1", "tkt-globex-2", "tkt-globex-3"}
	itsmTickets   = []string{"tkt-itsm-1", "tkt-itsm-2", "tkt-itsm-acme"}
	noOrgTicket   = "tkt-noorg-1"
)

// resetWording is the text all the access tickets share, give or take a
// word.
var resetWording = []struct{ subject, body string }{
	{"Password reset email never arrives", "I requested a password reset link but the reset email never arrives; I cannot log in."},
	{"Reset email not arriving", "The password reset email does not arrive, so I cannot log in to the portal."},
	{"Cannot log in: no password reset email", "Asked for a password reset twice, the email never arrives."},
}

// accessServer is a fresh server with the fixture articles and the access
// tickets, all written through the API.
func accessServer(t *testing.T) *testServer {
	t.Helper()
	s := newServer(t, api.Config{})
	for _, a := range fixtureArticles {
		s.do(http.MethodPut, "/v1/articles/"+a["id"].(string), a).mustStatus(t, http.StatusCreated)
	}
	for _, org := range []string{"acme", "globex"} {
		s.do(http.MethodPut, "/v1/orgs/"+org, map[string]any{"portal": "customer", "shares_tickets": true}).mustStatus(t, http.StatusCreated)
	}
	put := func(id string, tk map[string]any) {
		t.Helper()
		s.do(http.MethodPut, "/v1/tickets/"+id, tk).mustStatus(t, http.StatusCreated)
	}
	for i, w := range resetWording {
		put(acmeTickets[i], map[string]any{"portal": "customer", "org": "acme", "subject": w.subject, "body": w.body, "status": "open"})
		put(globexTickets[i], map[string]any{"portal": "customer", "org": "globex", "subject": w.subject, "body": w.body, "status": "resolved", "resolution": "Globex mail filter released the message."})
		tk := map[string]any{"portal": "itsm", "requester": fmt.Sprintf("emp-%d", i), "subject": w.subject, "body": w.body, "department": "it"}
		if itsmTickets[i] == "tkt-itsm-acme" {
			tk["org"] = "acme"
		}
		put(itsmTickets[i], tk)
	}
	put(noOrgTicket, map[string]any{"portal": "customer", "subject": resetWording[0].subject, "body": resetWording[0].body})
	return s
}

// checkSimilarOnly checks that every similar ticket is one of allowed and
// that no id of forbidden appears anywhere in the answer; want is how many
// similar tickets there must be at least, so the check is not vacuous.
func checkSimilarOnly(t *testing.T, what string, got []string, raw []byte, allowed, forbidden []string, want int) {
	t.Helper()
	if len(got) < want {
		t.Errorf("%s: similar tickets %v, want at least %d of %v", what, got, want, allowed)
	}
	for _, id := range got {
		if !slices.Contains(allowed, id) {
			t.Errorf("%s: similar ticket %s is not one of %v", what, id, allowed)
		}
	}
	for _, id := range forbidden {
		if strings.Contains(string(raw), `"`+id+`"`) {
			t.Errorf("%s: answer contains %s: %s", what, id, raw)
		}
	}
}

// TestTriageKeepsToPortalAndOrg checks that triage shows a customer ticket
// only earlier tickets of its own organisation, an ITSM ticket only ITSM
// tickets, and a customer ticket only public articles.
func TestTriageKeepsToPortalAndOrg(t *testing.T) {
	s := accessServer(t)
	customers := slices.Concat(acmeTickets, globexTickets, []string{noOrgTicket})
	notAcme := slices.Concat(globexTickets, itsmTickets, []string{noOrgTicket})
	w := resetWording[0]

	t.Run("customer ticket of acme, inline", func(t *testing.T) {
		for _, v := range customerVariants {
			body := map[string]any{"org": "acme", "subject": w.subject, "body": w.body}
			for k, x := range v.body {
				body[k] = x
			}
			res, raw := s.triage(body)
			checkSimilarOnly(t, v.name, similarIDs(res.Similar), raw, acmeTickets, notAcme, len(acmeTickets))
		}
	})
	t.Run("customer ticket of acme, by id", func(t *testing.T) {
		for _, id := range acmeTickets {
			res, raw := s.triage(map[string]any{"ticket_id": id})
			others := slices.DeleteFunc(slices.Clone(acmeTickets), func(x string) bool { return x == id })
			checkSimilarOnly(t, id, similarIDs(res.Similar), raw, others, notAcme, len(others))
		}
	})
	t.Run("customer ticket of globex", func(t *testing.T) {
		// The same wording from the other organisation finds its own
		// tickets: the text matches across organisations, so the checks
		// above are not vacuous.
		res, raw := s.triage(map[string]any{"portal": "customer", "org": "globex", "subject": w.subject, "body": w.body})
		checkSimilarOnly(t, "globex", similarIDs(res.Similar), raw, globexTickets,
			slices.Concat(acmeTickets, itsmTickets, []string{noOrgTicket}), len(globexTickets))
		if !strings.Contains(string(raw), "Globex mail filter") {
			t.Errorf("globex triage lacks its own resolutions: %s", raw)
		}
		res, raw = s.triage(map[string]any{"ticket_id": "tkt-globex-2"})
		checkSimilarOnly(t, "globex by id", similarIDs(res.Similar), raw, globexTickets, slices.Concat(acmeTickets, itsmTickets), 2)
	})
	t.Run("org is matched exactly", func(t *testing.T) {
		for _, org := range []string{"Acme", "acme ", "acm", "globex acme"} {
			res, raw := s.triage(map[string]any{"portal": "customer", "org": org, "subject": w.subject, "body": w.body})
			if strings.TrimSpace(org) == "acme" {
				checkSimilarOnly(t, org, similarIDs(res.Similar), raw, acmeTickets, notAcme, 1)
				continue
			}
			checkSimilarOnly(t, org, similarIDs(res.Similar), raw, nil, slices.Concat(customers, itsmTickets), 0)
		}
	})
	t.Run("itsm ticket", func(t *testing.T) {
		bodies := []map[string]any{
			{"portal": "itsm", "subject": w.subject, "body": w.body},
			{"portal": "ITSM", "org": "acme", "subject": w.subject, "body": w.body},
			{"ticket_id": "tkt-itsm-1"},
			{"ticket_id": "tkt-itsm-acme"},
		}
		for _, b := range bodies {
			res, raw := s.triage(b)
			checkSimilarOnly(t, fmt.Sprint(b), similarIDs(res.Similar), raw, itsmTickets, customers, 2)
		}
	})
	t.Run("customer ticket gets public articles only", func(t *testing.T) {
		s.do(http.MethodPut, "/v1/tickets/tkt-acme-admin", map[string]any{
			"portal": "customer", "org": "acme",
			"subject": "Locked admin account, need a password reset",
			"body":    "Please unlock the admin account and reset the password; follow the runbook. Also rotate the VPN gateway certificate.",
		}).mustStatus(t, http.StatusCreated)
		internal := []string{intAdmin, intVPN, "Runbook: reset password of a locked admin account", "Rotate the VPN gateway certificate",
			"Tier-3 runbooks", "Bastion Directory", "Bastion Network"}
		inline := map[string]any{"org": "acme", "subject": "Locked admin account, need a password reset",
			"body": "Please unlock the admin account and reset the password; follow the runbook. Also rotate the VPN gateway certificate."}
		var requests []map[string]any
		for _, v := range customerVariants {
			b := map[string]any{}
			for k, x := range inline {
				b[k] = x
			}
			for k, x := range v.body {
				b[k] = x
			}
			requests = append(requests, b)
		}
		requests = append(requests, map[string]any{"ticket_id": "tkt-acme-admin"})
		for _, b := range requests {
			res, raw := s.triage(b)
			if len(res.Articles) == 0 {
				t.Errorf("%v: no suggested articles, want the public %s", b, pubReset)
			}
			for _, h := range res.Articles {
				if h.ID == intAdmin || h.ID == intVPN || h.Visibility == "internal" {
					t.Errorf("%v: suggested internal article %+v", b, h)
				}
			}
			checkNoLeak(t, fmt.Sprint(b), raw, internal)
		}
		// The same ticket raised in the ITSM portal is offered the internal
		// runbooks: without the filter the customer would see them.
		itsm := map[string]any{"portal": "itsm"}
		for k, x := range inline {
			if k != "org" {
				itsm[k] = x
			}
		}
		res, _ := s.triage(itsm)
		if ids := hitIDs(res.Articles); !slices.Contains(ids, intAdmin) && !slices.Contains(ids, intVPN) {
			t.Errorf("itsm: suggested articles %v, want an internal runbook", ids)
		}
	})
}

// TestTriageOfTicketOfOrgThatDoesNotShare: the users of an organisation
// that does not share its tickets are each compared with their own
// tickets only, and an organisation starts or stops sharing over the API.
func TestTriageOfTicketOfOrgThatDoesNotShare(t *testing.T) {
	s := accessServer(t)
	w := resetWording[0]
	mine := []string{"tkt-initech-al-1", "tkt-initech-al-2"}
	theirs := []string{"tkt-initech-bea-1", "tkt-initech-bea-2"}
	for i, id := range slices.Concat(mine, theirs) {
		requester := "al@initech.example"
		if i >= len(mine) {
			requester = "bea@initech.example"
		}
		s.do(http.MethodPut, "/v1/tickets/"+id, map[string]any{"portal": "customer", "org": "initech", "requester": requester,
			"subject": resetWording[i%len(resetWording)].subject, "body": resetWording[i%len(resetWording)].body}).mustStatus(t, http.StatusCreated)
	}
	triage := map[string]any{"portal": "customer", "org": "initech", "requester": "al@initech.example", "subject": w.subject, "body": w.body}
	others := slices.Concat(theirs, acmeTickets, globexTickets, itsmTickets, []string{noOrgTicket})
	for _, rec := range []map[string]any{nil, {"shares_tickets": false}} {
		if rec != nil {
			s.do(http.MethodPut, "/v1/orgs/initech", rec).mustStatus(t, http.StatusCreated)
		}
		res, raw := s.triage(triage)
		checkSimilarOnly(t, fmt.Sprintf("initech with record %v", rec), similarIDs(res.Similar), raw, mine, others, len(mine))
	}
	s.do(http.MethodPut, "/v1/orgs/initech", map[string]any{"shares_tickets": true}).mustStatus(t, http.StatusOK)
	res, raw := s.triage(triage)
	checkSimilarOnly(t, "initech sharing", similarIDs(res.Similar), raw, slices.Concat(mine, theirs),
		slices.Concat(acmeTickets, globexTickets, itsmTickets, []string{noOrgTicket}), len(mine)+len(theirs))
	s.do(http.MethodDelete, "/v1/orgs/initech", nil).mustStatus(t, http.StatusNoContent)
	res, raw = s.triage(triage)
	checkSimilarOnly(t, "initech record deleted", similarIDs(res.Similar), raw, mine, others, len(mine))
}

// TestTriageOfCustomerTicketWithoutOrg: a customer ticket that names no
// organisation must not be shown the tickets of organisations. (Whether it
// may be shown other tickets without an organisation is left open.)
func TestTriageOfCustomerTicketWithoutOrg(t *testing.T) {
	s := accessServer(t)
	w := resetWording[0]
	for _, b := range []map[string]any{
		{"portal": "customer", "subject": w.subject, "body": w.body},
		{"subject": w.subject, "body": w.body, "org": " "},
		{"ticket_id": noOrgTicket},
	} {
		res, raw := s.triage(b)
		checkSimilarOnly(t, fmt.Sprint(b), similarIDs(res.Similar), raw, []string{noOrgTicket}, slices.Concat(acmeTickets, globexTickets, itsmTickets), 0)
	}
}
