package api_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/models"
)

// TestKnownIssues: an open incident agents confirm is shown first to
// whoever searches, types or drafts about it on its portal, entitlements
// respected (a customer never sees an internal incident, nor one of a
// product they are not entitled to); triage says a matching ticket is
// about it; resolving it removes the notice everywhere.
func TestKnownIssues(t *testing.T) {
	s := newServer(t, api.Config{})
	s.load()
	agent := s.newKey(models.RoleAgent, "")
	cust := s.newKey(models.RolePortal, models.PortalCustomer)
	itsm := s.newKey(models.RolePortal, models.PortalITSM)
	put := func(id string, body map[string]any, want int) {
		t.Helper()
		s.as(agent).do(http.MethodPut, "/v1/incidents/"+id, body).mustStatus(t, want)
	}
	put("inc-cams", map[string]any{"title": "Cameras offline after firmware 4.2.1", "message": "We are rolling the update back; cameras reconnect by themselves.",
		"keywords": []string{"camera offline", "E-423"}, "portal": "customer", "products": []string{"cams"}}, http.StatusCreated)
	put("inc-vpn", map[string]any{"title": "VPN gateway certificate expired", "message": "Network Ops are renewing the certificate.",
		"visibility": "internal", "keywords": []string{"vpn"}}, http.StatusCreated)

	notices := func(key, method, target string, body any, headers ...string) []models.KnownIssue {
		t.Helper()
		req := newRequest(t, method, target, body)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		var res struct {
			KnownIssues []models.KnownIssue `json:"known_issues"`
		}
		s.as(key).doRequest(req).mustStatus(t, http.StatusOK).decode(t, &res)
		return res.KnownIssues
	}
	entitled := []string{api.HeaderUser, "ann@acme.example", api.HeaderProducts, "cams"}
	search := "/v1/search?" + url.Values{"q": {"my cameras are offline"}}.Encode()
	for name, got := range map[string][]models.KnownIssue{
		"search":     notices(cust, "GET", search, nil, entitled...),
		"type-ahead": notices(cust, "GET", "/v1/suggest?q=camera+offl", nil, entitled...),
		"deflect":    notices(cust, "POST", "/v1/deflect", map[string]any{"subject": "Error E-423", "body": "since this morning"}, entitled...),
	} {
		if len(got) != 1 || got[0].ID != "inc-cams" || got[0].Message == "" || got[0].Status != models.IncidentInvestigating {
			t.Errorf("%s, entitled customer: notices %+v; want inc-cams first", name, got)
		}
	}
	if got := notices(cust, "GET", search, nil); len(got) != 0 {
		t.Errorf("a customer not entitled to cams sees %+v", got)
	}
	if got := notices(cust, "GET", "/v1/search?q=vpn+not+working", nil, entitled...); len(got) != 0 {
		t.Errorf("a customer sees the internal incident: %+v", got)
	}
	if got := notices(itsm, "GET", "/v1/search?q=vpn+not+working", nil); len(got) != 1 || got[0].ID != "inc-vpn" {
		t.Errorf("an employee searching the VPN: %+v; want inc-vpn", got)
	}
	if got := notices(itsm, "GET", search, nil); len(got) != 0 {
		t.Errorf("an employee sees the customer portal's incident: %+v", got)
	}
	if got := notices(cust, "GET", "/v1/search?q=refund+policy", nil, entitled...); len(got) != 0 {
		t.Errorf("an unrelated search shows %+v", got)
	}

	res, _ := s.as(agent).triage(map[string]any{"portal": "customer", "subject": "camera offline", "body": "all cameras offline since the update"})
	if res.KnownIssue == nil || res.KnownIssue.ID != "inc-cams" {
		t.Errorf("triage of a matching ticket: known issue %+v; want inc-cams", res.KnownIssue)
	}
	// A portal key may not write incidents; a bound agent only its portal's.
	checkProblem(t, s.as(cust).do(http.MethodPut, "/v1/incidents/x", map[string]any{"title": "t"}), http.StatusForbidden, models.CodeForbidden, "")
	itsmAgent := s.newKey(models.RoleAgent, models.PortalITSM)
	checkProblem(t, s.as(itsmAgent).do(http.MethodPut, "/v1/incidents/x", map[string]any{"title": "t", "portal": "customer"}), http.StatusForbidden, models.CodeForbidden, "portal")
	checkProblem(t, s.as(agent).do(http.MethodPut, "/v1/incidents/x", map[string]any{"title": "t", "status": "fixed"}), http.StatusBadRequest, models.CodeInvalid, "status")

	put("inc-cams", map[string]any{"title": "Cameras offline after firmware 4.2.1", "message": "Fixed.", "status": "resolved",
		"keywords": []string{"camera offline", "E-423"}, "portal": "customer", "products": []string{"cams"}}, http.StatusOK)
	if got := notices(cust, "GET", search, nil, entitled...); len(got) != 0 {
		t.Errorf("after resolving: %+v", got)
	}
	var list struct{ Incidents []models.Incident }
	s.as(agent).do(http.MethodGet, "/v1/incidents", nil).mustStatus(t, http.StatusOK).decode(t, &list)
	if len(list.Incidents) != 2 {
		t.Errorf("incidents listed: %+v", list.Incidents)
	}
}
