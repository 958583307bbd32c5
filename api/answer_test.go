package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/models"
)

// TestAnswer asks questions through the API: one an article answers gets
// its passage verbatim, one nothing answers gets an explicit no answer, and
// a customer is never answered from an internal article, which an employee
// is.
func TestAnswer(t *testing.T) {
	s := loadedServer(t)
	cust := s.newKey(models.RolePortal, models.PortalCustomer)
	itsm := s.newKey(models.RolePortal, models.PortalITSM)
	ask := func(key string, body map[string]any) (models.Answer, []byte) {
		t.Helper()
		r := s.as(key).do(http.MethodPost, "/v1/answer", body).mustStatus(t, http.StatusOK)
		var a models.Answer
		r.decode(t, &a)
		return a, r.Body
	}
	a, _ := ask(cust, map[string]any{"question": "how do I reset my password?"})
	if !a.Answered || !strings.Contains(a.Text, "reset link") || len(a.Passages) == 0 || a.Passages[0].ArticleID != pubReset ||
		a.Mode != models.AnswerExtractive || a.Confidence <= 0 || a.Confidence > 1 {
		t.Errorf("reset question: %+v; want an extractive answer from %s", a, pubReset)
	}
	if p := a.Passages[0]; !strings.Contains(p.Text, a.Text) && p.Text != a.Text {
		t.Errorf("answer %q is not its first passage %q", a.Text, p.Text)
	}
	for _, q := range []string{"what is the capital of australia", "xyzzyq plugh", "😡😡"} {
		if a, _ := ask(cust, map[string]any{"question": q}); a.Answered || a.Text != "" {
			t.Errorf("%q: %+v; want no answer", q, a)
		}
	}
	runbook := map[string]any{"question": "how do I reset the password of a locked admin account, per the runbook?"}
	_, raw := ask(cust, runbook)
	checkNoLeak(t, "customer answer", raw, []string{intAdmin, intVPN, "Runbook: reset password of a locked admin account"})
	if a, _ := ask(itsm, runbook); len(a.Passages) == 0 || a.Passages[0].ArticleID != intAdmin {
		t.Errorf("employee: %+v; want the internal runbook's passage first", a)
	}
	// A draft is answered as well, and deflection includes the answer
	// when asked.
	if a, _ := ask(cust, map[string]any{"subject": "password reset", "body": "how do I reset my password?"}); !a.Answered {
		t.Errorf("draft: %+v; want an answer", a)
	}
	var d models.DeflectResult
	s.as(cust).do(http.MethodPost, "/v1/deflect", map[string]any{"subject": "How do I reset my password?", "answer": true}).
		mustStatus(t, http.StatusOK).decode(t, &d)
	if d.Answer == nil || !d.Answer.Answered || d.Answer.Passages[0].ArticleID != pubReset {
		t.Errorf("deflect with answer: %+v", d.Answer)
	}
	checkProblem(t, s.as(cust).do(http.MethodPost, "/v1/answer", map[string]any{"question": " "}), http.StatusBadRequest, models.CodeInvalid, "question")
	checkProblem(t, s.as(cust).do(http.MethodPost, "/v1/answer", map[string]any{"question": strings.Repeat("a ", 20000)}), http.StatusRequestEntityTooLarge, models.CodeTooLarge, "question")
}

// TestTriageSuggestsReply: triage offers the agent a reply drawn from the
// answer of the articles the requester may read and from similar solved
// tickets the requester may see, naming its sources; a customer's reply
// never draws on an internal article, and an employee's may.
func TestTriageSuggestsReply(t *testing.T) {
	s := newServer(t, api.Config{})
	s.load()
	s.do(http.MethodPut, "/v1/tickets/tkt-acme-solved", map[string]any{"portal": "customer", "org": "Acme Ltd", "requester": "bo@acme.example",
		"subject": "Password reset email did not arrive", "body": "I asked for a password reset but no email came.",
		"status": "resolved", "resolution": "The address had a typo; we corrected it and the reset email arrived."}).mustStatus(t, http.StatusCreated)
	res, _ := s.triage(map[string]any{"portal": "customer", "org": "Acme Ltd", "requester": "ann@acme.example",
		"subject": "How do I reset my password?", "body": "I want to reset my password by email."})
	r := res.Reply
	if r == nil || !strings.Contains(r.Text, "reset link") || !strings.Contains(r.Text, "The address had a typo") || len(r.Sources) != 2 ||
		r.Sources[0].Kind != "article" || r.Sources[0].ID != pubReset || r.Sources[1].Kind != "ticket" || r.Sources[1].ID != "tkt-acme-solved" {
		t.Errorf("suggested reply: %+v; want the answer of %s and the resolution of tkt-acme-solved, both named", r, pubReset)
	}
	// Acme stops sharing: ann may not see bo's ticket, so her reply does
	// not quote it.
	s.do(http.MethodPut, "/v1/orgs/Acme%20Ltd", map[string]any{"shares_tickets": false}).mustStatus(t, http.StatusOK)
	res, raw := s.triage(map[string]any{"portal": "customer", "org": "Acme Ltd", "requester": "ann@acme.example",
		"subject": "How do I reset my password?", "body": "I want to reset my password by email."})
	if res.Reply == nil || strings.Contains(string(raw), "The address had a typo") {
		t.Errorf("reply once Acme stopped sharing: %s", raw)
	}
	runbook := map[string]any{"subject": "Locked admin account", "body": "How do I reset the password of a locked admin account? Follow the runbook."}
	res, _ = s.triage(map[string]any{"portal": "customer", "subject": runbook["subject"], "body": runbook["body"]})
	if res.Reply != nil {
		checkNoLeak(t, "customer reply", []byte(res.Reply.Text+fmt.Sprint(res.Reply.Sources)), []string{intAdmin, "Runbook: reset password of a locked admin account"})
	}
	res, _ = s.triage(map[string]any{"portal": "itsm", "subject": runbook["subject"], "body": runbook["body"]})
	if res.Reply == nil || res.Reply.Sources[0].ID != intAdmin {
		t.Errorf("employee reply: %+v; want it drawn from the internal runbook", res.Reply)
	}
}
