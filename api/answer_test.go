package api_test

import (
	"net/http"
	"strings"
	"testing"

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
