package api_test

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/models"
)

// search runs /v1/search and returns the decoded 200 answer.
func (s *testServer) search(q, portal string, extra ...string) models.SearchResult {
	s.t.Helper()
	v := url.Values{"q": {q}}
	if portal != "" {
		v.Set("portal", portal)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	var res models.SearchResult
	s.do(http.MethodGet, "/v1/search?"+v.Encode(), nil).mustStatus(s.t, http.StatusOK).decode(s.t, &res)
	return res
}

// suggest runs /v1/suggest and returns the decoded 200 answer.
func (s *testServer) suggest(q, portal string) models.SuggestResult {
	s.t.Helper()
	v := url.Values{"q": {q}}
	if portal != "" {
		v.Set("portal", portal)
	}
	var res models.SuggestResult
	s.do(http.MethodGet, "/v1/suggest?"+v.Encode(), nil).mustStatus(s.t, http.StatusOK).decode(s.t, &res)
	return res
}

func hitIDs(hits []models.ArticleHit) []string {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	return ids
}

// suggested returns the suggestion for article id, if any.
func suggested(res models.SuggestResult, id string) (models.Suggestion, bool) {
	for _, s := range res.Suggestions {
		if s.Kind == models.SuggestionArticle && s.ID == id {
			return s, true
		}
	}
	return models.Suggestion{}, false
}

func TestArticleLifecycle(t *testing.T) {
	s := newServer(t, api.Config{})
	s.load()
	const id = "kb-zephyr-42"
	path := "/v1/articles/" + id

	// Create: 201, the stored article comes back normalised, with the
	// members Sift does not model.
	art := map[string]any{
		"title":     "  Pair the Zephyr headset ",
		"body":      "Hold the **power** button for five seconds until the light blinks blue.",
		"tags":      []string{" Audio ", "audio", "Bluetooth", ""},
		"category":  "Hardware",
		"legacy_id": 7,
		"source":    map[string]any{"system": "old-hc", "path": []any{"a", "b"}},
	}
	var created map[string]any
	s.do(http.MethodPut, path, art).mustStatus(t, http.StatusCreated).decode(t, &created)
	for k, want := range map[string]any{"id": id, "title": "Pair the Zephyr headset", "visibility": "public", "legacy_id": float64(7)} {
		if created[k] != want {
			t.Errorf("created %s = %#v, want %#v", k, created[k], want)
		}
	}
	if got, want := created["tags"], []any{"audio", "bluetooth"}; !slices.Equal(got.([]any), want) {
		t.Errorf("created tags = %v, want %v", got, want)
	}
	if src, _ := created["source"].(map[string]any); src["system"] != "old-hc" {
		t.Errorf("created source = %#v, want the object sent", created["source"])
	}

	// Searchable and suggested, in both portals, as soon as PUT returned.
	for _, portal := range []string{"", "customer", "itsm"} {
		if ids := hitIDs(s.search("zephyr", portal).Hits); !slices.Equal(ids, []string{id}) {
			t.Errorf("portal %q: search zephyr = %v, want [%s]", portal, ids, id)
		}
		if _, ok := suggested(s.suggest("zeph", portal), id); !ok {
			t.Errorf("portal %q: suggest zeph does not offer %s", portal, id)
		}
	}

	// Read back, unknown members included.
	var got map[string]any
	s.do(http.MethodGet, path, nil).mustStatus(t, http.StatusOK).decode(t, &got)
	if got["legacy_id"] != float64(7) || got["title"] != "Pair the Zephyr headset" {
		t.Errorf("GET = %v", got)
	}

	// Replace: 200, and search and type-ahead see the new title at once.
	art["title"] = "Connect the Zephyr headset over Bluetooth"
	art["id"] = id // an id in the body equal to the path's is fine
	s.do(http.MethodPut, path, art).mustStatus(t, http.StatusOK)
	if hits := s.search("zephyr", "").Hits; len(hits) != 1 || hits[0].Title != art["title"] {
		t.Errorf("search after replace = %+v, want the new title", hits)
	}
	if sg, ok := suggested(s.suggest("zeph", ""), id); !ok || sg.Title != art["title"] || sg.Text != art["title"] {
		t.Errorf("suggest after replace = %+v, %v; want the new title", sg, ok)
	}
	if _, ok := suggested(s.suggest("pair", ""), id); ok {
		t.Error("suggest pair still offers the old title")
	}

	// Made internal: gone from the customer portal at once, still in ITSM.
	art["visibility"] = "internal"
	s.do(http.MethodPut, path, art).mustStatus(t, http.StatusOK)
	if hits := s.search("zephyr", "customer").Hits; len(hits) != 0 {
		t.Errorf("customer search after making it internal = %v", hitIDs(hits))
	}
	if _, ok := suggested(s.suggest("zeph", "customer"), id); ok {
		t.Error("customer suggest offers the article after it was made internal")
	}
	if _, ok := suggested(s.suggest("zeph", "itsm"), id); !ok {
		t.Error("itsm suggest lost the article after it was made internal")
	}
	s.do(http.MethodGet, path, nil).mustStatus(t, http.StatusNotFound)
	s.do(http.MethodGet, path+"?portal=itsm", nil).mustStatus(t, http.StatusOK)

	// Delete: 204 with no body, then gone everywhere; a second delete is 404.
	r := s.do(http.MethodDelete, path, nil).mustStatus(t, http.StatusNoContent)
	if len(r.Body) != 0 {
		t.Errorf("DELETE body = %q, want none", r.Body)
	}
	for _, portal := range []string{"customer", "itsm"} {
		if hits := s.search("zephyr", portal).Hits; len(hits) != 0 {
			t.Errorf("portal %s: search after delete = %v", portal, hitIDs(hits))
		}
		if _, ok := suggested(s.suggest("zeph", portal), id); ok {
			t.Errorf("portal %s: suggest after delete still offers %s", portal, id)
		}
		checkProblem(t, s.do(http.MethodGet, path+"?portal="+portal, nil), http.StatusNotFound, models.CodeNotFound, "", id)
	}
	checkProblem(t, s.do(http.MethodDelete, path, nil), http.StatusNotFound, models.CodeNotFound, "", id)

	// The rest of the fixture is untouched.
	if ids := hitIDs(s.search("printer", "").Hits); !slices.Contains(ids, pubPrinter) {
		t.Errorf("search printer = %v, want %s", ids, pubPrinter)
	}
}

func TestTicketLifecycle(t *testing.T) {
	s := newServer(t, api.Config{})
	const id = "INC0012345"
	path := "/v1/tickets/" + id
	tk := map[string]any{
		"portal": " ITSM ", "subject": "Laptop will not boot", "priority": "HIGH",
		"department": "IT", "status": "Open", "created_at": "2025-03-04T09:12:00Z",
		"external_ref": map[string]any{"system": "snow", "sys_id": "abc"},
	}
	var created map[string]any
	s.do(http.MethodPut, path, tk).mustStatus(t, http.StatusCreated).decode(t, &created)
	for k, want := range map[string]any{"id": id, "portal": "itsm", "priority": "high", "department": "it", "status": "open", "created_at": "2025-03-04T09:12:00Z"} {
		if created[k] != want {
			t.Errorf("created %s = %#v, want %#v", k, created[k], want)
		}
	}
	if ref, _ := created["external_ref"].(map[string]any); ref["sys_id"] != "abc" {
		t.Errorf("created external_ref = %#v, want the object sent", created["external_ref"])
	}

	tk["status"] = "resolved"
	tk["resolution"] = "Replaced the SSD."
	var replaced map[string]any
	s.do(http.MethodPut, path, tk).mustStatus(t, http.StatusOK).decode(t, &replaced)
	if replaced["status"] != "resolved" || replaced["resolution"] != "Replaced the SSD." {
		t.Errorf("replaced = %v", replaced)
	}

	r := s.do(http.MethodDelete, path, nil).mustStatus(t, http.StatusNoContent)
	if len(r.Body) != 0 {
		t.Errorf("DELETE body = %q, want none", r.Body)
	}
	checkProblem(t, s.do(http.MethodDelete, path, nil), http.StatusNotFound, models.CodeNotFound, "", id)
	// Deleting and re-creating creates again.
	s.do(http.MethodPut, path, tk).mustStatus(t, http.StatusCreated)
}

func TestSearch(t *testing.T) {
	s := loadedServer(t)

	tests := []struct {
		name      string
		q, portal string
		params    []string
		wantIDs   []string // exactly these hits, in this order; nil: check wantTotal only
		wantTotal uint64
	}{
		{name: "customer sees public only", q: "password", wantIDs: []string{pubReset}, wantTotal: 1},
		{name: "explicit customer", q: "password", portal: "customer", wantIDs: []string{pubReset}, wantTotal: 1},
		{name: "itsm sees internal too", q: "password", portal: "itsm", wantTotal: 2},
		{name: "first page", q: "password", portal: "itsm", params: []string{"limit", "1"}, wantTotal: 2},
		{name: "past the end", q: "password", portal: "itsm", params: []string{"offset", "2"}, wantIDs: []string{}, wantTotal: 2},
		{name: "largest limit and offset", q: "invoice", params: []string{"limit", "50", "offset", "1000"}, wantIDs: []string{}, wantTotal: 1},
		{name: "one typo", q: "invoise", wantIDs: []string{pubInvoice}, wantTotal: 1},
		{name: "no match", q: "xylophone", wantIDs: []string{}, wantTotal: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := s.search(tc.q, tc.portal, tc.params...)
			if res.Total != tc.wantTotal {
				t.Errorf("total %d, want %d", res.Total, tc.wantTotal)
			}
			if tc.wantIDs != nil && !slices.Equal(hitIDs(res.Hits), tc.wantIDs) {
				t.Errorf("hits %v, want %v", hitIDs(res.Hits), tc.wantIDs)
			}
			if res.Hits == nil {
				t.Error("hits is null, want an array")
			}
			if res.Facets == nil {
				t.Error("facets is null, want an object")
			}
		})
	}

	t.Run("pages do not overlap", func(t *testing.T) {
		p1 := s.search("password", "itsm", "limit", "1")
		p2 := s.search("password", "itsm", "limit", "1", "offset", "1")
		if len(p1.Hits) != 1 || len(p2.Hits) != 1 || p1.Hits[0].ID == p2.Hits[0].ID {
			t.Errorf("page 1 %v, page 2 %v: want one different hit each", hitIDs(p1.Hits), hitIDs(p2.Hits))
		}
	})

	t.Run("hit fields and facets", func(t *testing.T) {
		res := s.search("spooler", "")
		if len(res.Hits) != 1 {
			t.Fatalf("hits %v, want one", hitIDs(res.Hits))
		}
		h := res.Hits[0]
		if h.ID != pubPrinter || h.Title != "Printer shows offline" || h.Category != "Hardware" || h.Product != "Printers" || h.Score <= 0 {
			t.Errorf("hit %+v", h)
		}
		want := map[string][]models.FacetCount{
			"category": {{Value: "Hardware", Count: 1}},
			"product":  {{Value: "Printers", Count: 1}},
		}
		for name, counts := range want {
			if !slices.Equal(res.Facets[name], counts) {
				t.Errorf("facet %s = %v, want %v", name, res.Facets[name], counts)
			}
		}
	})

	t.Run("raw JSON shape", func(t *testing.T) {
		r := s.do(http.MethodGet, "/v1/search?q=xylophone", nil).mustStatus(t, http.StatusOK)
		var raw map[string]any
		r.decode(t, &raw)
		for _, k := range []string{"hits", "total", "facets", "took_us"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("no %q in %s", k, r.Body)
			}
		}
		if !bytes.Contains(r.Body, []byte(`"hits":[]`)) {
			t.Errorf("an empty page should be an empty array: %s", r.Body)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
	})
}

// TestSnippets checks the highlighted snippet of a body match, before and
// after tickets are indexed next to the articles.
func TestSnippets(t *testing.T) {
	s := newServer(t, api.Config{})
	for _, a := range fixtureArticles {
		s.do(http.MethodPut, "/v1/articles/"+a["id"].(string), a).mustStatus(t, http.StatusCreated)
	}
	check := func(when string) {
		t.Helper()
		for _, portal := range []string{"customer", "itsm"} {
			hits := s.search("spooler", portal).Hits
			if len(hits) != 1 || hits[0].Snippet != "Check the cable, then restart the print <mark>spooler</mark>. If the printer still shows offline, reinstall the driver." {
				t.Errorf("%s, portal %s: hits %+v, want %s with the matched word marked", when, portal, hits, pubPrinter)
			}
		}
		var res models.DeflectResult
		s.do(http.MethodPost, "/v1/deflect", map[string]any{"body": "the spooler"}).mustStatus(t, http.StatusOK).decode(t, &res)
		if len(res.Articles) != 1 || !strings.Contains(res.Articles[0].Snippet, "<mark>spooler</mark>") {
			t.Errorf("%s: deflect %+v, want a snippet marking spooler", when, res.Articles)
		}
	}
	check("articles only")

	s.do(http.MethodPut, "/v1/articles/pub-escape", map[string]any{"title": "Escaping", "body": "Type <script>alert(1)</script> & press spooler-free enter"}).mustStatus(t, http.StatusCreated)
	var res models.SearchResult
	s.do(http.MethodGet, "/v1/search?q=alert", nil).mustStatus(t, http.StatusOK).decode(t, &res)
	if len(res.Hits) != 1 || strings.Contains(res.Hits[0].Snippet, "<script>") || !strings.Contains(res.Hits[0].Snippet, "&lt;script&gt;") {
		t.Errorf("snippet of HTML text %+v, want it escaped", res.Hits)
	}
	s.do(http.MethodDelete, "/v1/articles/pub-escape", nil).mustStatus(t, http.StatusNoContent)

	for _, tk := range fixtureTickets {
		s.do(http.MethodPut, "/v1/tickets/"+tk["id"].(string), tk).mustStatus(t, http.StatusCreated)
	}
	check("after tickets")
}

// TestFacetsHaveNoEmptyValue checks that articles without a category or
// product are not counted under an empty value.
func TestFacetsHaveNoEmptyValue(t *testing.T) {
	s := newServer(t, api.Config{})
	s.do(http.MethodPut, "/v1/articles/kb-bare", map[string]any{"title": "Bare article", "body": "No category, no product."}).mustStatus(t, http.StatusCreated)
	res := s.search("bare", "")
	if res.Total != 1 {
		t.Fatalf("total %d, want 1", res.Total)
	}
	for name, counts := range res.Facets {
		for _, c := range counts {
			if c.Value == "" {
				t.Errorf("facet %s has an empty value: %v", name, counts)
			}
		}
	}
}

func TestSuggest(t *testing.T) {
	s := loadedServer(t)

	t.Run("completes a prefix", func(t *testing.T) {
		res := s.suggest("print", "")
		if len(res.Suggestions) == 0 {
			t.Fatal("no suggestions")
		}
		got := res.Suggestions[0]
		want := models.Suggestion{Kind: models.SuggestionArticle, ID: pubPrinter, Title: "Printer shows offline", Text: "Printer shows offline", Score: got.Score, Match: "text"}
		if got != want || got.Score <= 0 {
			t.Errorf("first suggestion %+v, want %+v with a positive score", got, want)
		}
	})
	t.Run("limit", func(t *testing.T) {
		var res models.SuggestResult
		s.do(http.MethodGet, "/v1/suggest?q=re&portal=itsm&limit=1", nil).mustStatus(t, http.StatusOK).decode(t, &res)
		if len(res.Suggestions) != 1 {
			t.Errorf("%d suggestions, want 1", len(res.Suggestions))
		}
	})
	t.Run("empty query", func(t *testing.T) {
		r := s.do(http.MethodGet, "/v1/suggest", nil).mustStatus(t, http.StatusOK)
		if !bytes.Contains(r.Body, []byte(`"suggestions":[]`)) || !bytes.Contains(r.Body, []byte(`"took_us":`)) {
			t.Errorf("body %s, want an empty suggestions array and took_us", r.Body)
		}
	})
	t.Run("longest query", func(t *testing.T) {
		s.do(http.MethodGet, "/v1/suggest?q="+strings.Repeat("a", models.MaxSuggestQueryLength), nil).mustStatus(t, http.StatusOK)
	})
}

func TestDeflect(t *testing.T) {
	s := loadedServer(t)

	tests := []struct {
		name    string
		body    map[string]any
		wantTop string // "" means no articles
		wantMax int
	}{
		{name: "subject", body: map[string]any{"subject": "printer offline"}, wantTop: pubPrinter, wantMax: models.DefaultDeflectLimit},
		{name: "body only", body: map[string]any{"body": "where can I download my invoice?"}, wantTop: pubInvoice, wantMax: models.DefaultDeflectLimit},
		{name: "limit", body: map[string]any{"subject": "reset password", "body": "printer invoice", "limit": 1}, wantTop: pubReset, wantMax: 1},
		{name: "largest limit", body: map[string]any{"subject": "invoice", "limit": models.MaxDeflectLimit, "portal": "itsm"}, wantTop: pubInvoice, wantMax: models.MaxDeflectLimit},
		{name: "nothing matches", body: map[string]any{"subject": "xylophone"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(http.MethodPost, "/v1/deflect", tc.body).mustStatus(t, http.StatusOK)
			var res models.DeflectResult
			r.decode(t, &res)
			if res.Articles == nil {
				t.Fatalf("articles is null, want an array: %s", r.Body)
			}
			if tc.wantTop == "" {
				if len(res.Articles) != 0 {
					t.Errorf("articles %v, want none", hitIDs(res.Articles))
				}
				return
			}
			if len(res.Articles) == 0 || res.Articles[0].ID != tc.wantTop {
				t.Errorf("articles %v, want %s first", hitIDs(res.Articles), tc.wantTop)
			}
			if len(res.Articles) > tc.wantMax {
				t.Errorf("%d articles, want at most %d", len(res.Articles), tc.wantMax)
			}
		})
	}
	t.Run("longest draft", func(t *testing.T) {
		body := map[string]any{"subject": "invoice", "body": strings.Repeat("x", models.MaxDeflectTextBytes-len("invoice"))}
		s.do(http.MethodPost, "/v1/deflect", body).mustStatus(t, http.StatusOK)
	})
}

// TestAnswersNameTheirPortal checks that an answer says which portal's
// view it is, also when the request left portal out.
func TestAnswersNameTheirPortal(t *testing.T) {
	s := loadedServer(t)
	agent := s.newKey(models.RoleAgent, "")
	for target, want := range map[string]string{
		"/v1/suggest?q=vpn":             "customer",
		"/v1/suggest?q=vpn&portal=itsm": "itsm",
		"/v1/search?q=vpn&portal=itsm":  "itsm",
	} {
		r := s.as(agent).do(http.MethodGet, target, nil).mustStatus(t, http.StatusOK)
		if got := r.Header.Get(api.HeaderPortal); got != want {
			t.Errorf("%s: %s %q, want %q", target, api.HeaderPortal, got, want)
		}
	}
}
