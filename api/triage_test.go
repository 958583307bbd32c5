package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/models"
)

// triage posts body to /v1/triage and returns the decoded 200 answer and
// the raw body.
func (s *testServer) triage(body any) (engine.Triage, []byte) {
	s.t.Helper()
	r := s.do(http.MethodPost, "/v1/triage", body).mustStatus(s.t, http.StatusOK)
	var res engine.Triage
	r.decode(s.t, &res)
	return res, r.Body
}

func similarIDs(sim []models.SimilarTicket) []string {
	ids := make([]string, len(sim))
	for i, st := range sim {
		ids[i] = st.ID
	}
	return ids
}

// checkProblemStatus is checkProblem for errors whose field is not part of
// what the test pins down.
func checkProblemStatus(t *testing.T, r response, status int, code string, details ...string) {
	t.Helper()
	if r.Code != status {
		t.Errorf("status %d, want %d; body: %s", r.Code, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	var p problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("body is not a problem: %v: %s", err, r.Body)
	}
	if p.Status != status || p.Code != code {
		t.Errorf("problem status %d code %q, want %d %q", p.Status, p.Code, status, code)
	}
	for _, d := range details {
		if !strings.Contains(p.Detail, d) {
			t.Errorf("detail %q does not contain %q", p.Detail, d)
		}
	}
}

// angryUrgent is a customer's text with strong urgency and frustration.
const angryUrgent = "This is the third time I write: still not fixed, totally unacceptable. URGENT, I can not work and need it immediately!!"

func TestSentiment(t *testing.T) {
	s := loadedServer(t)

	t.Run("angry and urgent", func(t *testing.T) {
		var res struct {
			Score   float64 `json:"score"`
			Label   string  `json:"label"`
			Signals []struct {
				Kind     string   `json:"kind"`
				Strength float64  `json:"strength"`
				Evidence []string `json:"evidence"`
			} `json:"signals"`
		}
		s.do(http.MethodPost, "/v1/sentiment", map[string]any{"text": angryUrgent}).mustStatus(t, http.StatusOK).decode(t, &res)
		if res.Label != "negative" || res.Score >= 0 {
			t.Errorf("label %q score %v, want negative", res.Label, res.Score)
		}
		kinds := map[string]bool{}
		for _, sig := range res.Signals {
			kinds[sig.Kind] = true
			if sig.Strength <= 0 || sig.Strength > 1 || len(sig.Evidence) == 0 {
				t.Errorf("signal %+v: want a strength in (0, 1] and evidence", sig)
			}
			for _, ev := range sig.Evidence {
				if !strings.Contains(strings.ToLower(angryUrgent), strings.ToLower(ev)) {
					t.Errorf("evidence %q is not quoted from the text", ev)
				}
			}
		}
		for _, k := range []string{"urgency", "frustration"} {
			if !kinds[k] {
				t.Errorf("no %s signal in %+v", k, res.Signals)
			}
		}
	})

	t.Run("neutral text has an empty signals array", func(t *testing.T) {
		r := s.do(http.MethodPost, "/v1/sentiment", map[string]any{"text": "Where do I find the invoice for March?"}).mustStatus(t, http.StatusOK)
		if !strings.Contains(string(r.Body), `"signals":[]`) || !strings.Contains(string(r.Body), `"label":"neutral"`) {
			t.Errorf("body %s, want a neutral label and an empty signals array", r.Body)
		}
	})

	t.Run("longest text", func(t *testing.T) {
		s.do(http.MethodPost, "/v1/sentiment", map[string]any{"text": strings.Repeat("a", engine.MaxClassifyTextBytes)}).mustStatus(t, http.StatusOK)
	})
}

// TestAgentProblems covers the errors of the agent endpoints. The test
// server has no embedder and no classifiers.
func TestAgentProblems(t *testing.T) {
	s := loadedServer(t)
	tooLong := strings.Repeat("y", engine.MaxClassifyTextBytes+1)

	tests := []struct {
		name    string
		method  string
		target  string
		body    any
		status  int
		code    string
		field   string
		details []string
	}{
		// sentiment
		{"sentiment empty text", "POST", "/v1/sentiment", map[string]any{"text": ""}, 400, models.CodeInvalid, "text", []string{"required"}},
		{"sentiment blank text", "POST", "/v1/sentiment", map[string]any{"text": " \n\t"}, 400, models.CodeInvalid, "text", []string{"required"}},
		{"sentiment no text", "POST", "/v1/sentiment", `{}`, 400, models.CodeInvalid, "text", []string{"required"}},
		{"sentiment text too long", "POST", "/v1/sentiment", map[string]any{"text": tooLong}, 413, models.CodeTooLarge, "text", []string{"32769", "at most 32768"}},
		{"sentiment unknown field", "POST", "/v1/sentiment", `{"text":"hello","lang":"en"}`, 400, models.CodeInvalid, "lang", []string{`unknown field "lang"`}},
		{"sentiment takes no subject", "POST", "/v1/sentiment", map[string]any{"text": "hello", "subject": "hi"}, 400, models.CodeInvalid, "subject", []string{`unknown field "subject"`}},
		{"sentiment takes no portal", "POST", "/v1/sentiment", map[string]any{"text": "hello", "portal": "itsm"}, 400, models.CodeInvalid, "portal", []string{`unknown field "portal"`}},
		{"sentiment text a number", "POST", "/v1/sentiment", `{"text": 5}`, 400, models.CodeInvalid, "text", []string{"string", "number"}},
		{"sentiment no body", "POST", "/v1/sentiment", nil, 400, models.CodeInvalid, "body", []string{"empty"}},
		{"sentiment malformed JSON", "POST", "/v1/sentiment", `{"text": hello}`, 400, models.CodeInvalid, "", []string{"malformed JSON"}},
		{"sentiment not an object", "POST", "/v1/sentiment", `"hello"`, 400, models.CodeInvalid, "", []string{"want a JSON object"}},
		{"get sentiment", "GET", "/v1/sentiment", nil, 405, models.CodeInvalid, "", []string{"GET is not allowed on /v1/sentiment"}},

		// classify
		{"classify without classifiers", "POST", "/v1/classify", map[string]any{"subject": "VPN drops", "body": "every hour"}, 400, models.CodeInvalid, "", []string{"no classifiers", "sift train"}},
		{"classify body only", "POST", "/v1/classify", map[string]any{"body": "printer offline"}, 400, models.CodeInvalid, "", []string{"sift train"}},
		{"classify nothing", "POST", "/v1/classify", `{}`, 400, models.CodeInvalid, "subject", []string{"subject or body is required"}},
		{"classify blank", "POST", "/v1/classify", map[string]any{"subject": " ", "body": "\n"}, 400, models.CodeInvalid, "subject", []string{"subject or body is required"}},
		{"classify too long", "POST", "/v1/classify", map[string]any{"subject": "x", "body": tooLong}, 413, models.CodeTooLarge, "body", []string{"at most 32768"}},
		{"classify unknown field", "POST", "/v1/classify", `{"subject":"x","sujbect":"y"}`, 400, models.CodeInvalid, "sujbect", []string{`unknown field "sujbect"`}},
		{"classify takes no text", "POST", "/v1/classify", map[string]any{"subject": "x", "text": "y"}, 400, models.CodeInvalid, "text", []string{`unknown field "text"`}},
		{"classify no body", "POST", "/v1/classify", nil, 400, models.CodeInvalid, "body", []string{"empty"}},
		{"get classify", "GET", "/v1/classify", nil, 405, models.CodeInvalid, "", []string{"GET is not allowed"}},

		// triage
		{"triage unknown ticket", "POST", "/v1/triage", map[string]any{"ticket_id": "tkt-no-such-ticket"}, 404, models.CodeNotFound, "", []string{`"tkt-no-such-ticket"`, "not found"}},
		{"triage empty ticket_id", "POST", "/v1/triage", map[string]any{"ticket_id": " "}, 400, models.CodeInvalid, "ticket_id", []string{"empty"}},
		{"triage ticket_id a number", "POST", "/v1/triage", `{"ticket_id": 42}`, 400, models.CodeInvalid, "ticket_id", []string{"want a string", "got a JSON number"}},
		{"triage ticket_id null", "POST", "/v1/triage", `{"ticket_id": null}`, 400, models.CodeInvalid, "ticket_id", []string{"empty"}},
		{"triage empty ticket", "POST", "/v1/triage", `{}`, 400, models.CodeInvalid, "subject", []string{"subject or body is required"}},
		{"triage blank ticket", "POST", "/v1/triage", map[string]any{"subject": "  ", "portal": "itsm"}, 400, models.CodeInvalid, "subject", []string{"subject or body is required"}},
		{"triage bad portal", "POST", "/v1/triage", map[string]any{"subject": "x", "portal": "partner"}, 400, models.CodeInvalid, "portal", []string{`"partner"`}},
		{"triage bad priority", "POST", "/v1/triage", map[string]any{"subject": "x", "priority": "asap"}, 400, models.CodeInvalid, "priority", []string{`"asap"`}},
		{"triage bad created_at", "POST", "/v1/triage", map[string]any{"subject": "x", "created_at": "yesterday"}, 400, models.CodeInvalid, "created_at", []string{"RFC 3339"}},
		{"triage no body", "POST", "/v1/triage", nil, 400, models.CodeInvalid, "body", []string{"empty"}},
		{"triage malformed JSON", "POST", "/v1/triage", `{"subject": x}`, 400, models.CodeInvalid, "", []string{"malformed JSON"}},
		{"triage not an object", "POST", "/v1/triage", `["x"]`, 400, models.CodeInvalid, "", []string{"want a JSON object, got a JSON array"}},
		{"get triage", "GET", "/v1/triage", nil, 405, models.CodeInvalid, "", []string{"GET is not allowed"}},

		// spikes
		{"spikes bad since", "GET", "/v1/incidents/spikes?since=yesterday", nil, 400, models.CodeInvalid, "since", []string{"RFC 3339", `"yesterday"`}},
		{"spikes date without time", "GET", "/v1/incidents/spikes?portal=customer&since=2026-09-14", nil, 400, models.CodeInvalid, "since", []string{`"2026-09-14"`}},
		{"spikes bad portal", "GET", "/v1/incidents/spikes?portal=all", nil, 400, models.CodeInvalid, "portal", []string{`"all"`}},
		{"post spikes", "POST", "/v1/incidents/spikes", `{}`, 405, models.CodeInvalid, "", []string{"POST is not allowed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkProblem(t, s.do(tc.method, tc.target, tc.body), tc.status, tc.code, tc.field, tc.details...)
		})
	}

	// The engine names the analysed text, not a member of the ticket.
	t.Run("triage of a long ticket analyses its opening", func(t *testing.T) {
		r := s.do(http.MethodPost, "/v1/triage", map[string]any{"subject": "x", "body": tooLong})
		r.mustStatus(t, http.StatusOK)
	})
	t.Run("spikes without an embedder", func(t *testing.T) {
		for _, q := range []string{"", "?portal=itsm", "?portal=customer", "?since=2026-01-01T00:00:00Z"} {
			r := s.do(http.MethodGet, "/v1/incidents/spikes"+q, nil)
			checkProblemStatus(t, r, http.StatusBadRequest, models.CodeInvalid, "embedder")
		}
	})
}

// TestTriageInline triages a ticket given in full on the fixture.
func TestTriageInline(t *testing.T) {
	s := loadedServer(t)
	ticket := map[string]any{
		"portal": "customer", "org": "Acme Ltd", "requester": "r.roe",
		"subject":  "Password reset email never arrives",
		"body":     "I asked for a password reset but the reset mail never arrives. " + angryUrgent,
		"priority": "low", "group": "Service desk", "department": " Support ",
		"legacy_ref": map[string]any{"system": "old"},
	}
	res, raw := s.triage(ticket)

	if res.TicketID != "" || strings.Contains(string(raw), `"ticket_id"`) {
		t.Errorf("ticket_id %q, want none for a ticket given without an id: %s", res.TicketID, raw)
	}
	if res.Classification == nil || len(res.Classification) != 0 {
		t.Errorf("classification %v, want an empty object without classifiers", res.Classification)
	}
	if res.Sentiment.Label != "negative" || len(res.Sentiment.Signals) == 0 {
		t.Errorf("sentiment %+v, want negative with signals", res.Sentiment)
	}

	// The ticket says low; strong urgency and frustration raise it, each
	// with a reason.
	own := slices.Index(models.Priorities, models.PriorityLow)
	got := slices.Index(models.Priorities, res.Priority.Priority)
	if got <= own {
		t.Errorf("priority %q, want above the ticket's own low: %v", res.Priority.Priority, res.Priority.Reasons)
	}
	if len(res.Priority.Reasons) != 1+got-own {
		t.Errorf("reasons %q: want where it started and one per level raised (%d)", res.Priority.Reasons, got-own)
	}
	if len(res.Priority.Reasons) > 0 && !strings.Contains(res.Priority.Reasons[0], "low") {
		t.Errorf("first reason %q, want the ticket's own priority", res.Priority.Reasons[0])
	}
	for _, r := range res.Priority.Reasons[1:] {
		if !strings.HasPrefix(r, "raised") {
			t.Errorf("reason %q, want a raise with its signal", r)
		}
	}

	if want := (engine.Routing{Group: "Service desk", Department: "support"}); res.Routing != want {
		t.Errorf("routing %+v, want %+v from the ticket", res.Routing, want)
	}
	if ids := hitIDs(res.Articles); len(ids) == 0 || ids[0] != pubReset || len(ids) > 3 {
		t.Errorf("suggested articles %v, want %s first and at most 3", ids, pubReset)
	}
	if ids := similarIDs(res.Similar); !slices.Equal(ids, []string{tktCustomer}) {
		t.Errorf("similar tickets %v, want [%s], the only ticket of Acme Ltd", ids, tktCustomer)
	} else if st := res.Similar[0]; st.Subject != "Password reset mail never arrives" || st.Score <= 0 || st.Duplicate {
		t.Errorf("similar ticket %+v: want its subject, a positive score, and no duplicate flag without vectors", st)
	}

	t.Run("a calm ticket keeps its priority", func(t *testing.T) {
		res, _ := s.triage(map[string]any{"portal": "itsm", "subject": "Printer shows offline", "priority": "high"})
		if res.Priority.Priority != models.PriorityHigh || len(res.Priority.Reasons) != 1 {
			t.Errorf("priority %+v, want high for the one reason that the ticket says so", res.Priority)
		}
		if len(res.Sentiment.Signals) != 0 {
			t.Errorf("signals %+v, want none", res.Sentiment.Signals)
		}
	})
	t.Run("no priority means medium", func(t *testing.T) {
		res, _ := s.triage(map[string]any{"subject": "Download an invoice"})
		if res.Priority.Priority != models.PriorityMedium {
			t.Errorf("priority %+v, want medium", res.Priority)
		}
		if res.Routing != (engine.Routing{}) {
			t.Errorf("routing %+v, want empty", res.Routing)
		}
		if !slices.Contains(hitIDs(res.Articles), pubInvoice) {
			t.Errorf("articles %v, want %s", hitIDs(res.Articles), pubInvoice)
		}
	})
	t.Run("critical stays critical", func(t *testing.T) {
		res, _ := s.triage(map[string]any{"portal": "itsm", "subject": "Outage", "body": angryUrgent, "priority": "critical"})
		if res.Priority.Priority != models.PriorityCritical {
			t.Errorf("priority %+v, want critical", res.Priority)
		}
	})
	t.Run("nothing similar", func(t *testing.T) {
		_, raw := s.triage(map[string]any{"portal": "customer", "org": "Acme Ltd", "subject": "xylophone"})
		for _, want := range []string{`"similar_tickets":[]`, `"suggested_articles":[]`, `"classification":{}`} {
			if !strings.Contains(string(raw), want) {
				t.Errorf("body %s does not contain %s", raw, want)
			}
		}
	})
	t.Run("the fixture is unchanged", func(t *testing.T) {
		// Triage does not store the ticket it is given.
		s.do(http.MethodDelete, "/v1/tickets/tkt-inline", nil).mustStatus(t, http.StatusNotFound)
		s.triage(map[string]any{"id": "tkt-inline", "portal": "itsm", "subject": "VPN"})
		s.do(http.MethodDelete, "/v1/tickets/tkt-inline", nil).mustStatus(t, http.StatusNotFound)
	})
}

// TestTriageByID triages indexed tickets by id.
func TestTriageByID(t *testing.T) {
	s := newServer(t, api.Config{})
	s.load()
	const other = "tkt-77x-acme-reset-again"
	s.do(http.MethodPut, "/v1/tickets/"+other, map[string]any{
		"portal": "customer", "org": "Acme Ltd", "subject": "Reset email does not arrive",
		"body": "The password reset email does not arrive.", "status": "resolved",
		"resolution": "The mail was in quarantine; released it.", "category": "Account",
		"created_at": "2026-01-02T10:00:00Z",
	}).mustStatus(t, http.StatusCreated)

	res, _ := s.triage(map[string]any{"ticket_id": tktCustomer})
	if res.TicketID != tktCustomer {
		t.Errorf("ticket_id %q, want %q", res.TicketID, tktCustomer)
	}
	if ids := similarIDs(res.Similar); !slices.Equal(ids, []string{other}) {
		t.Errorf("similar tickets %v, want [%s] and not the ticket itself", ids, other)
	} else {
		st := res.Similar[0]
		if st.Resolution != "The mail was in quarantine; released it." || st.Status != "resolved" || st.Category != "Account" || st.CreatedAt.IsZero() {
			t.Errorf("similar ticket %+v, want its resolution, status, category and time", st)
		}
	}
	// The stored ticket says medium, and its text has no strong signal.
	if res.Priority.Priority != models.PriorityMedium || !strings.Contains(res.Priority.Reasons[0], "medium") {
		t.Errorf("priority %+v, want the stored ticket's medium", res.Priority)
	}
	if !slices.Contains(hitIDs(res.Articles), pubReset) {
		t.Errorf("articles %v, want %s", hitIDs(res.Articles), pubReset)
	}

	// The id wins over any other member sent with it.
	res2, _ := s.triage(map[string]any{"ticket_id": tktCustomer, "subject": "printer", "portal": "itsm"})
	if res2.TicketID != tktCustomer || !slices.Equal(similarIDs(res2.Similar), []string{other}) {
		t.Errorf("with other members: %+v, want the stored ticket triaged", res2)
	}

	// The ITSM ticket: its department routes it, and its critical priority
	// is kept.
	res3, _ := s.triage(map[string]any{"ticket_id": tktITSM})
	if res3.Routing.Department != "it" || res3.Priority.Priority != models.PriorityCritical {
		t.Errorf("itsm ticket: routing %+v priority %+v", res3.Routing, res3.Priority)
	}
	if len(res3.Similar) != 0 {
		t.Errorf("itsm ticket: similar %v, want none (no other ITSM ticket)", similarIDs(res3.Similar))
	}

	// A deleted ticket is gone.
	s.do(http.MethodDelete, "/v1/tickets/"+other, nil).mustStatus(t, http.StatusNoContent)
	checkProblem(t, s.do(http.MethodPost, "/v1/triage", map[string]any{"ticket_id": other}), http.StatusNotFound, models.CodeNotFound, "", other)
	if res, _ := s.triage(map[string]any{"ticket_id": tktCustomer}); len(res.Similar) != 0 {
		t.Errorf("after delete: similar %v, want none", similarIDs(res.Similar))
	}
}
