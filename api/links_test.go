package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/models"
)

// createdLink is the answer to POST /v1/tickets/{id}/links.
type createdLink struct {
	ID, Token, URL string
	TicketID       string    `json:"ticket_id"`
	ExpiresAt      time.Time `json:"expires_at"`
}

// TestPrivateLinks makes a link as the portal acting for the ticket's
// organisation, reads it without a key, and checks it shows that ticket's
// status and public articles only; then revokes it.
func TestPrivateLinks(t *testing.T) {
	s := newServer(t, api.Config{})
	s.load()
	portal := s.newKey(models.RolePortal, models.PortalCustomer)
	as := func(org string) *http.Request {
		req := newRequest(t, http.MethodPost, "/v1/tickets/"+tktCustomer+"/links", nil)
		req.Header.Set("Authorization", "Bearer "+portal)
		if org != "" {
			req.Header.Set(api.HeaderOrg, org)
		}
		return req
	}
	// Only the organisation's own users may link its ticket.
	for _, org := range []string{"", "Globex", "acme ltd"} {
		checkProblem(t, s.doRequest(as(org)), http.StatusNotFound, models.CodeNotFound, "")
	}
	var l createdLink
	s.doRequest(as("Acme Ltd")).mustStatus(t, http.StatusCreated).decode(t, &l)
	if l.TicketID != tktCustomer || l.URL != "/v1/links/"+l.Token || time.Until(l.ExpiresAt) < 6*24*time.Hour {
		t.Fatalf("link %+v", l)
	}

	r := s.as("").do(http.MethodGet, l.URL, nil).mustStatus(t, http.StatusOK)
	if got := r.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}
	var view struct {
		TicketID string `json:"ticket_id"`
		Status   string
		Articles []struct{ ID string } `json:"suggested_articles"`
	}
	r.decode(t, &view)
	if view.TicketID != tktCustomer || view.Status == "" || len(view.Articles) == 0 {
		t.Errorf("view %s", r.Body)
	}
	// Nothing of the ticket but its id and status; no internal article.
	checkNoLeak(t, l.URL, r.Body, []string{"Password reset mail never arrives", "three times", "Acme", intAdmin, intVPN, tktITSM})

	// Tampered and unknown tokens look the same: not found.
	tampered := l.Token[:len(l.Token)-2] + "AA"
	if tampered == l.Token {
		tampered = l.Token[:len(l.Token)-2] + "BB"
	}
	for _, tok := range []string{tampered, "x", strings.Repeat("A", 600), l.Token + "A"} {
		checkProblem(t, s.as("").do(http.MethodGet, "/v1/links/"+tok, nil), http.StatusNotFound, models.CodeNotFound, "")
	}

	// An agent of the other portal may not revoke it; the link's portal may.
	itsmAgent := s.newKey(models.RoleAgent, models.PortalITSM)
	checkProblem(t, s.as(itsmAgent).do(http.MethodDelete, "/v1/tickets/"+tktCustomer+"/links/"+l.ID, nil), http.StatusNotFound, models.CodeNotFound, "")
	checkProblem(t, s.do(http.MethodDelete, "/v1/tickets/"+tktITSM+"/links/"+l.ID, nil), http.StatusNotFound, models.CodeNotFound, "")
	s.do(http.MethodDelete, "/v1/tickets/"+tktCustomer+"/links/"+l.ID, nil).mustStatus(t, http.StatusNoContent)
	checkProblem(t, s.as("").do(http.MethodGet, l.URL, nil), http.StatusGone, models.CodeGone, "", "revoked")
}

// TestPrivateLinkExpires makes a one-second link and reads it after.
func TestPrivateLinkExpires(t *testing.T) {
	s := newServer(t, api.Config{})
	s.load()
	var l createdLink
	s.do(http.MethodPost, "/v1/tickets/"+tktITSM+"/links", map[string]any{"ttl_seconds": 1}).mustStatus(t, http.StatusCreated).decode(t, &l)
	time.Sleep(time.Until(l.ExpiresAt) + 50*time.Millisecond)
	checkProblem(t, s.as("").do(http.MethodGet, l.URL, nil), http.StatusGone, models.CodeGone, "", "expired")
}

func TestPrivateLinkRequests(t *testing.T) {
	s := loadedServer(t)
	// 18446744074 s is 2^64 ns and a little: it must not wrap into range.
	for _, ttl := range []any{-1, 90*24*3600 + 1, int64(18446744074), "7d"} {
		checkProblem(t, s.do(http.MethodPost, "/v1/tickets/"+tktITSM+"/links", map[string]any{"ttl_seconds": ttl}), http.StatusBadRequest, models.CodeInvalid, "ttl_seconds")
	}
	checkProblem(t, s.do(http.MethodPost, "/v1/tickets/"+tktITSM+"/links", map[string]any{"ttl": 3}), http.StatusBadRequest, models.CodeInvalid, "ttl")
	checkProblem(t, s.do(http.MethodPost, "/v1/tickets/tkt-none/links", nil), http.StatusNotFound, models.CodeNotFound, "")
	analyst := s.newKey(models.RoleAnalyst, "")
	checkProblem(t, s.as(analyst).do(http.MethodPost, "/v1/tickets/"+tktITSM+"/links", nil), http.StatusForbidden, models.CodeForbidden, "")
}

// TestPrivateLinkLimits checks that a link made with a chunked empty body
// gets the defaults, and that reading links without a key is rate-limited
// by address.
func TestPrivateLinkLimits(t *testing.T) {
	s := newServer(t, api.Config{RateLimit: 0.1, RateBurst: 2})
	s.do(http.MethodPut, "/v1/tickets/"+tktITSM, fixtureTickets[1]).mustStatus(t, http.StatusCreated)
	req := newRequest(t, http.MethodPost, "/v1/tickets/"+tktITSM+"/links", nil)
	req.ContentLength = -1
	req.Body = http.NoBody
	var l createdLink
	s.doRequest(req).mustStatus(t, http.StatusCreated).decode(t, &l)
	for range 2 {
		s.as("").do(http.MethodGet, l.URL, nil).mustStatus(t, http.StatusOK)
	}
	r := s.as("").do(http.MethodGet, l.URL, nil)
	checkProblem(t, r, http.StatusTooManyRequests, models.CodeRateLimited, "")
	if r.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

// TestPrivateLinkDiesWithItsTicket makes a link, deletes its ticket and
// creates another under the same id for another organisation: the old
// link must not show the new ticket.
func TestPrivateLinkDiesWithItsTicket(t *testing.T) {
	s := newServer(t, api.Config{})
	s.load()
	var l createdLink
	s.do(http.MethodPost, "/v1/tickets/"+tktCustomer+"/links", nil).mustStatus(t, http.StatusCreated).decode(t, &l)
	s.as("").do(http.MethodGet, l.URL, nil).mustStatus(t, http.StatusOK)
	s.do(http.MethodDelete, "/v1/tickets/"+tktCustomer, nil).mustStatus(t, http.StatusNoContent)
	checkProblem(t, s.as("").do(http.MethodGet, l.URL, nil), http.StatusGone, models.CodeGone, "", "deleted")
	s.do(http.MethodPut, "/v1/tickets/"+tktCustomer, map[string]any{
		"portal": "customer", "org": "Globex", "subject": "Someone else's ticket", "body": "private",
	}).mustStatus(t, http.StatusCreated)
	checkProblem(t, s.as("").do(http.MethodGet, l.URL, nil), http.StatusGone, models.CodeGone, "", "deleted")
}
