package api_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/models"
)

// signedHook is a desk whose webhooks carry the hex HMAC-SHA256 of the
// body in X-Test-Signature, and whose bodies list tickets to upsert and
// ids to delete.
type signedHook struct{ secret []byte }

func (h signedHook) sign(body []byte) string {
	m := hmac.New(sha256.New, h.secret)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func (h signedHook) Verify(header http.Header, body []byte) error {
	if !hmac.Equal([]byte(header.Get("X-Test-Signature")), []byte(h.sign(body))) {
		return models.Unauthorized("bad signature")
	}
	return nil
}

func (h signedHook) Changes(body []byte) ([]models.Change, error) {
	var b struct {
		Tickets []models.Ticket `json:"tickets"`
		Delete  []string        `json:"delete"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, models.Invalid("", "%v", err)
	}
	var out []models.Change
	for i := range b.Tickets {
		c, err := models.NewTicketChange(&b.Tickets[i])
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	for _, id := range b.Delete {
		out = append(out, models.NewDelete(models.KindTicket, id))
	}
	return out, nil
}

func TestWebhooks(t *testing.T) {
	hook := signedHook{secret: []byte("hook-secret")}
	s := newServer(t, api.Config{Hooks: map[string]api.Hook{"testdesk": hook}})
	post := func(body, signature string) response {
		req := newRequest(t, http.MethodPost, "/v1/hooks/testdesk", body)
		req.Header.Set("X-Test-Signature", signature)
		req.Header.Set("Authorization", "") // no key: the signature is the credential
		rec := s.as("")
		return rec.doRequest(req)
	}
	ticket := `{"tickets":[{"id":"ZD-1","portal":"customer","subject":"Printer on fire"}]}`

	// A bad signature is refused and writes nothing.
	checkProblem(t, post(ticket, hook.sign([]byte("something else"))), http.StatusUnauthorized, models.CodeUnauthorized, "", "webhook signature")
	checkProblem(t, post(ticket, ""), http.StatusUnauthorized, models.CodeUnauthorized, "")
	s.do(http.MethodGet, "/v1/tickets/ZD-1?portal=customer", nil).mustStatus(t, http.StatusNotFound)

	// A signed delivery upserts; delivered again, it changes nothing more.
	for range 2 {
		var res api.HookResult
		post(ticket, hook.sign([]byte(ticket))).mustStatus(t, http.StatusOK).decode(t, &res)
		if res != (api.HookResult{Upserted: 1}) {
			t.Errorf("result %+v, want one upsert", res)
		}
	}
	var got models.Ticket
	s.do(http.MethodGet, "/v1/tickets/ZD-1?portal=customer", nil).mustStatus(t, http.StatusOK).decode(t, &got)
	if got.Subject != "Printer on fire" {
		t.Errorf("stored ticket %+v", got)
	}

	// Deletes are idempotent too.
	del := `{"delete":["ZD-1"]}`
	for range 2 {
		var res api.HookResult
		post(del, hook.sign([]byte(del))).mustStatus(t, http.StatusOK).decode(t, &res)
		if res != (api.HookResult{Deleted: 1}) {
			t.Errorf("result %+v, want one delete", res)
		}
	}
	s.do(http.MethodGet, "/v1/tickets/ZD-1?portal=customer", nil).mustStatus(t, http.StatusNotFound)

	// A body the desk cannot read is the caller's problem; an unknown
	// source is not found.
	checkProblem(t, post(`{"tickets":[{"id":"ZD-2"}]}`, hook.sign([]byte(`{"tickets":[{"id":"ZD-2"}]}`))), http.StatusBadRequest, models.CodeInvalid, "portal")
	req := newRequest(t, http.MethodPost, "/v1/hooks/otherdesk", ticket)
	checkProblem(t, s.as("").doRequest(req), http.StatusNotFound, models.CodeNotFound, "", "testdesk")
}
