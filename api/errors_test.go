package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/models"
)

func TestProblems(t *testing.T) {
	s := loadedServer(t)
	long := func(n int) string { return url.QueryEscape(strings.Repeat("a", n)) }
	article := func(kv ...any) map[string]any {
		a := map[string]any{"title": "A title"}
		for i := 0; i+1 < len(kv); i += 2 {
			a[kv[i].(string)] = kv[i+1]
		}
		return a
	}

	tests := []struct {
		name    string
		method  string
		target  string
		body    any
		status  int
		code    string
		field   string   // "" means the problem must have no field
		details []string // substrings the detail must contain
	}{
		// portal
		{"suggest bad portal", "GET", "/v1/suggest?q=re&portal=partner", nil, 400, models.CodeInvalid, "portal", []string{`"partner"`, "customer", "itsm"}},
		{"search bad portal", "GET", "/v1/search?q=re&portal=Customer", nil, 400, models.CodeInvalid, "portal", []string{`"Customer"`}},
		{"deflect bad portal", "POST", "/v1/deflect", map[string]any{"subject": "x", "portal": "admin"}, 400, models.CodeInvalid, "portal", []string{`"admin"`}},
		{"get article bad portal", "GET", "/v1/articles/" + pubReset + "?portal=all", nil, 400, models.CodeInvalid, "portal", []string{`"all"`}},

		// limit
		{"suggest limit too big", "GET", "/v1/suggest?q=re&limit=21", nil, 400, models.CodeInvalid, "limit", []string{"between 1 and 20", "21"}},
		{"suggest limit negative", "GET", "/v1/suggest?q=re&limit=-1", nil, 400, models.CodeInvalid, "limit", []string{"between 1 and 20"}},
		{"suggest limit zero", "GET", "/v1/suggest?q=re&limit=0", nil, 400, models.CodeInvalid, "limit", []string{"1 or more", "got 0"}},
		{"search limit zero", "GET", "/v1/search?q=re&limit=0", nil, 400, models.CodeInvalid, "limit", []string{"1 or more", "got 0"}},
		{"deflect limit zero", "POST", "/v1/deflect", map[string]any{"subject": "printer", "limit": 0}, 400, models.CodeInvalid, "limit", []string{"1 or more", "got 0"}},
		{"deflect explain not a boolean", "POST", "/v1/deflect", map[string]any{"subject": "printer", "explain": "yes"}, 400, models.CodeInvalid, "explain", []string{"want true or false", "got a JSON string"}},
		{"suggest limit not an integer", "GET", "/v1/suggest?q=re&limit=ten", nil, 400, models.CodeInvalid, "limit", []string{"integer", `"ten"`}},
		{"search limit too big", "GET", "/v1/search?q=re&limit=51", nil, 400, models.CodeInvalid, "limit", []string{"between 1 and 50", "51"}},
		{"search limit not an integer", "GET", "/v1/search?q=re&limit=1.5", nil, 400, models.CodeInvalid, "limit", []string{"integer", `"1.5"`}},
		{"deflect limit too big", "POST", "/v1/deflect", map[string]any{"subject": "x", "limit": 21}, 400, models.CodeInvalid, "limit", []string{"between 1 and 20"}},
		{"deflect limit negative", "POST", "/v1/deflect", map[string]any{"subject": "x", "limit": -3}, 400, models.CodeInvalid, "limit", []string{"-3"}},
		{"deflect limit a string", "POST", "/v1/deflect", `{"subject":"x","limit":"5"}`, 400, models.CodeInvalid, "limit", []string{"int", "string"}},

		// offset
		{"offset too big", "GET", "/v1/search?q=re&offset=1001", nil, 400, models.CodeInvalid, "offset", []string{"between 0 and 1000", "1001"}},
		{"offset negative", "GET", "/v1/search?q=re&offset=-1", nil, 400, models.CodeInvalid, "offset", []string{"between 0 and 1000"}},
		{"offset not an integer", "GET", "/v1/search?q=re&offset=2nd", nil, 400, models.CodeInvalid, "offset", []string{"integer", `"2nd"`}},

		// query
		{"suggest query too long", "GET", "/v1/suggest?q=" + long(models.MaxSuggestQueryLength+1), nil, 400, models.CodeInvalid, "q", []string{"201", "at most 200"}},
		{"search query too long", "GET", "/v1/search?q=" + long(models.MaxSearchQueryLength+1), nil, 400, models.CodeInvalid, "q", []string{"1001", "at most 1000"}},
		{"search query missing", "GET", "/v1/search", nil, 400, models.CodeInvalid, "q", []string{"required"}},
		{"search query blank", "GET", "/v1/search?q=+++", nil, 400, models.CodeInvalid, "q", []string{"required"}},

		// deflect body
		{"deflect empty object", "POST", "/v1/deflect", `{}`, 400, models.CodeInvalid, "subject", []string{"subject or body is required"}},
		{"deflect blank draft", "POST", "/v1/deflect", map[string]any{"subject": "  ", "body": "\n\t"}, 400, models.CodeInvalid, "subject", []string{"subject or body is required"}},
		{"deflect no body", "POST", "/v1/deflect", nil, 400, models.CodeInvalid, "body", []string{"empty"}},
		{"deflect draft too long", "POST", "/v1/deflect", map[string]any{"subject": "x", "body": strings.Repeat("y", models.MaxDeflectTextBytes)}, 413, models.CodeTooLarge, "body", []string{"32769", "at most 32768"}},
		{"deflect unknown field", "POST", "/v1/deflect", `{"subject":"printer","portl":"itsm"}`, 400, models.CodeInvalid, "portl", []string{`unknown field "portl"`}},
		{"deflect malformed JSON", "POST", "/v1/deflect", `{"subject": printer}`, 400, models.CodeInvalid, "", []string{"malformed JSON", "byte"}},
		{"deflect truncated JSON", "POST", "/v1/deflect", `{"subject": "printer"`, 400, models.CodeInvalid, "", []string{"malformed JSON", "ends"}},
		{"deflect trailing data", "POST", "/v1/deflect", `{"subject": "printer"} {"subject": "again"}`, 400, models.CodeInvalid, "", []string{"malformed JSON", "after the JSON value"}},
		{"deflect stray bracket", "POST", "/v1/deflect", `{"subject": "printer"}]`, 400, models.CodeInvalid, "", []string{"malformed JSON", "after the JSON value"}},
		{"article trailing data", "PUT", "/v1/articles/kb-1", `{"title": "x"} x`, 400, models.CodeInvalid, "", []string{"malformed JSON"}},
		{"article not an object", "PUT", "/v1/articles/kb-1", `"kb-1"`, 400, models.CodeInvalid, "", []string{"want a JSON object, got a JSON string"}},
		{"deflect not an object", "POST", "/v1/deflect", `["printer"]`, 400, models.CodeInvalid, "", []string{"want a JSON object, got a JSON array"}},

		// article writes
		{"article malformed JSON", "PUT", "/v1/articles/kb-1", `{"title": "x",}`, 400, models.CodeInvalid, "", []string{"malformed JSON"}},
		{"article no body", "PUT", "/v1/articles/kb-1", nil, 400, models.CodeInvalid, "body", []string{"empty"}},
		{"article id mismatch", "PUT", "/v1/articles/kb-1", article("id", "kb-2"), 400, models.CodeInvalid, "id", []string{`"kb-2"`, `"kb-1"`, "differs"}},
		{"article bad path id", "PUT", "/v1/articles/kb%201", article(), 400, models.CodeInvalid, "id", []string{`"kb 1"`}},
		{"article path id with spaces", "PUT", "/v1/articles/%20kb-1", article(), 400, models.CodeInvalid, "id", []string{`" kb-1"`}},
		{"article path id too long", "PUT", "/v1/articles/" + strings.Repeat("k", models.MaxIDLength+1), article(), 400, models.CodeInvalid, "id", []string{"129", "at most 128"}},
		{"article no title", "PUT", "/v1/articles/kb-1", map[string]any{"body": "x"}, 400, models.CodeInvalid, "title", []string{"required"}},
		{"article title too long", "PUT", "/v1/articles/kb-1", article("title", strings.Repeat("t", models.MaxTitleLength+1)), 413, models.CodeTooLarge, "title", []string{"501", "at most 500"}},
		{"article bad visibility", "PUT", "/v1/articles/kb-1", article("visibility", "secret"), 400, models.CodeInvalid, "visibility", []string{`"secret"`}},
		{"article negative views", "PUT", "/v1/articles/kb-1", article("views", -1), 400, models.CodeInvalid, "views", []string{"negative"}},
		{"article views a string", "PUT", "/v1/articles/kb-1", article("views", "many"), 400, models.CodeInvalid, "views", []string{"string"}},
		{"article too many tags", "PUT", "/v1/articles/kb-1", article("tags", manyTags(models.MaxTags+1)), 400, models.CodeInvalid, "tags", []string{"51", "at most 50"}},

		// ticket writes
		{"ticket id mismatch", "PUT", "/v1/tickets/t-1", map[string]any{"id": "t-2", "portal": "itsm", "subject": "x"}, 400, models.CodeInvalid, "id", []string{`"t-2"`, `"t-1"`}},
		{"ticket no portal", "PUT", "/v1/tickets/t-1", map[string]any{"subject": "x"}, 400, models.CodeInvalid, "portal", []string{"required"}},
		{"ticket bad portal", "PUT", "/v1/tickets/t-1", map[string]any{"subject": "x", "portal": "web"}, 400, models.CodeInvalid, "portal", []string{`"web"`}},
		{"ticket no text", "PUT", "/v1/tickets/t-1", map[string]any{"portal": "itsm"}, 400, models.CodeInvalid, "subject", []string{"subject or body"}},
		{"ticket bad priority", "PUT", "/v1/tickets/t-1", map[string]any{"portal": "itsm", "subject": "x", "priority": "asap"}, 400, models.CodeInvalid, "priority", []string{`"asap"`}},
		{"ticket resolved before created", "PUT", "/v1/tickets/t-1", map[string]any{"portal": "itsm", "subject": "x", "created_at": "2025-02-01T00:00:00Z", "resolved_at": "2025-01-01T00:00:00Z"}, 400, models.CodeInvalid, "resolved_at", []string{"before"}},
		{"ticket malformed JSON", "PUT", "/v1/tickets/t-1", `{"portal": "itsm" "subject": "x"}`, 400, models.CodeInvalid, "", []string{"malformed JSON"}},

		// missing documents
		{"get missing article", "GET", "/v1/articles/kb-missing", nil, 404, models.CodeNotFound, "", []string{`"kb-missing"`, "not found"}},
		{"delete missing article", "DELETE", "/v1/articles/kb-missing", nil, 404, models.CodeNotFound, "", []string{`"kb-missing"`}},
		{"delete missing ticket", "DELETE", "/v1/tickets/t-missing", nil, 404, models.CodeNotFound, "", []string{`"t-missing"`}},

		// routing
		{"unknown route", "GET", "/v1/nowhere", nil, 404, models.CodeNotFound, "", []string{"GET /v1/nowhere", "/openapi.json"}},
		{"unknown version", "POST", "/v2/deflect", `{"subject":"x"}`, 404, models.CodeNotFound, "", []string{"POST /v2/deflect"}},
		{"post a ticket", "POST", "/v1/tickets/" + tktITSM, `{}`, 405, models.CodeInvalid, "", []string{"POST is not allowed"}},
		{"post to search", "POST", "/v1/search", `{}`, 405, models.CodeInvalid, "", []string{"POST is not allowed on /v1/search"}},
		{"get deflect", "GET", "/v1/deflect?subject=x", nil, 405, models.CodeInvalid, "", []string{"GET is not allowed on /v1/deflect"}},
		{"patch an article", "PATCH", "/v1/articles/" + pubReset, `{}`, 405, models.CodeInvalid, "", []string{"PATCH"}},
		{"delete health", "DELETE", "/healthz", nil, 405, models.CodeInvalid, "", []string{"DELETE"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkProblem(t, s.do(tc.method, tc.target, tc.body), tc.status, tc.code, tc.field, tc.details...)
		})
	}

	// None of the rejected writes reached the store.
	for _, path := range []string{"/v1/articles/kb-1", "/v1/articles/kb-2"} {
		if r := s.do(http.MethodGet, path+"?portal=itsm", nil); r.Code != http.StatusNotFound {
			t.Errorf("GET %s after rejected writes: status %d, want 404", path, r.Code)
		}
	}
	if r := s.do(http.MethodDelete, "/v1/tickets/t-1", nil); r.Code != http.StatusNotFound {
		t.Errorf("DELETE /v1/tickets/t-1 after rejected writes: status %d, want 404", r.Code)
	}
}

func manyTags(n int) []string {
	tags := make([]string, n)
	for i := range tags {
		tags[i] = fmt.Sprintf("tag%d", i)
	}
	return tags
}

func TestMethodNotAllowedListsAllowedMethods(t *testing.T) {
	s := loadedServer(t)
	tests := []struct {
		method, target, allow string
	}{
		{"POST", "/v1/search", "GET, OPTIONS"},
		{"PUT", "/v1/suggest", "GET, OPTIONS"},
		{"GET", "/v1/deflect", "OPTIONS, POST"},
		{"POST", "/v1/articles/x", "GET, OPTIONS, PUT, DELETE"},
		{"POST", "/v1/tickets/x", "GET, PUT, DELETE"},
		{"POST", "/metrics", "GET"},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			r := s.do(tc.method, tc.target, nil)
			checkProblem(t, r, http.StatusMethodNotAllowed, models.CodeInvalid, "")
			if got := r.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	const limit = 256
	s := newServer(t, api.Config{MaxBodyBytes: limit})
	big := map[string]any{"title": "Big", "body": strings.Repeat("b", 2*limit)}
	small := map[string]any{"title": "Small", "body": "fits"}

	tests := []struct {
		name    string
		method  string
		target  string
		body    any
		chunked bool // no Content-Length: the limit is found while reading
		details []string
	}{
		{"article, declared length", "PUT", "/v1/articles/kb-big", big, false, []string{"at most 256"}},
		{"article, chunked", "PUT", "/v1/articles/kb-big", big, true, []string{"over 256 bytes"}},
		{"ticket, declared length", "PUT", "/v1/tickets/t-big", map[string]any{"portal": "itsm", "subject": strings.Repeat("s", 2*limit)}, false, []string{"at most 256"}},
		{"ticket, chunked", "PUT", "/v1/tickets/t-big", map[string]any{"portal": "itsm", "subject": strings.Repeat("s", 2*limit)}, true, []string{"over 256 bytes"}},
		{"deflect, declared length", "POST", "/v1/deflect", map[string]any{"subject": strings.Repeat("d ", limit)}, false, []string{"at most 256"}},
		{"deflect, chunked", "POST", "/v1/deflect", map[string]any{"subject": strings.Repeat("d ", limit)}, true, []string{"over 256 bytes"}},
		{"search with a body", "GET", "/v1/search?q=x", strings.Repeat("z", 2*limit), false, []string{"at most 256"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(t, tc.method, tc.target, tc.body)
			if tc.chunked {
				req.ContentLength = -1
			}
			checkProblem(t, s.doRequest(req), http.StatusRequestEntityTooLarge, models.CodeTooLarge, "body", tc.details...)
		})
	}

	// Nothing over the limit was stored; a body under it is fine.
	s.do(http.MethodGet, "/v1/articles/kb-big", nil).mustStatus(t, http.StatusNotFound)
	if data, _ := json.Marshal(small); len(data) > limit {
		t.Fatalf("the small article is %d bytes, over the limit", len(data))
	}
	s.do(http.MethodPut, "/v1/articles/kb-small", small).mustStatus(t, http.StatusCreated)
}

func TestDefaultBodyLimit(t *testing.T) {
	s := newServer(t, api.Config{})
	// An article body at its own limit fits in the default request limit...
	ok := map[string]any{"title": "Long", "body": strings.Repeat("w ", models.MaxTextBytes/2)}
	s.do(http.MethodPut, "/v1/articles/kb-long", ok).mustStatus(t, http.StatusCreated)
	// ...and a request over api.DefaultMaxBodyBytes does not.
	tooBig := `{"title":"Huge","body":"` + strings.Repeat("h", api.DefaultMaxBodyBytes) + `"}`
	checkProblem(t, s.do(http.MethodPut, "/v1/articles/kb-huge", tooBig), http.StatusRequestEntityTooLarge, models.CodeTooLarge, "body",
		fmt.Sprint(api.DefaultMaxBodyBytes))
}
