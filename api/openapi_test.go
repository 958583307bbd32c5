package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/engine/sentiment"
	"github.com/siftdesk/sift/models"
)

// loadOpenAPI reads the document as the server serves it and checks it is
// the file in the package.
func loadOpenAPI(t *testing.T, s *testServer) map[string]any {
	t.Helper()
	r := s.do(http.MethodGet, "/openapi.json", nil).mustStatus(t, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	file, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.Body, file) {
		t.Error("served document differs from openapi.json")
	}
	var doc map[string]any
	r.decode(t, &doc)
	return doc
}

// pointer resolves a JSON pointer such as "#/components/schemas/Article".
func pointer(doc any, ptr string) (any, bool) {
	if !strings.HasPrefix(ptr, "#") {
		return nil, false
	}
	cur := doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "#"), "/")[1:] {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// deref follows $ref until it reaches a value without one.
func deref(t *testing.T, doc, v any) map[string]any {
	t.Helper()
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%v is not an object", v)
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		if v, ok = pointer(doc, ref); !ok {
			t.Fatalf("$ref %q does not resolve", ref)
		}
	}
	t.Fatal("$ref chain too long")
	return nil
}

var httpMethods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

// TestOpenAPIMatchesRoutes compares the routes gin has with the document's
// paths and operations, both ways, so neither can change alone.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := loadedServer(t)
	doc := loadOpenAPI(t, s)

	param := regexp.MustCompile(`:([A-Za-z_]+)`)
	var routes []string
	for _, r := range s.gin().Routes() {
		routes = append(routes, r.Method+" "+param.ReplaceAllString(r.Path, "{$1}"))
	}
	var documented []string
	paths, _ := doc["paths"].(map[string]any)
	for path, item := range paths {
		for _, m := range httpMethods {
			if _, ok := item.(map[string]any)[m]; ok {
				documented = append(documented, strings.ToUpper(m)+" "+path)
			}
		}
	}
	slices.Sort(routes)
	slices.Sort(documented)
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routes, d) {
			t.Errorf("openapi.json documents %s, which the router does not have", d)
		}
	}
	if len(routes) < 11 {
		t.Errorf("only %d routes: %v", len(routes), routes)
	}
}

// TestOpenAPIRoles checks that every authenticated operation lists in
// x-sift-roles exactly the roles api.RouteRoles admits, documents 401, 403
// and 429, and that the open operations say they need no key.
func TestOpenAPIRoles(t *testing.T) {
	s := loadedServer(t)
	doc := loadOpenAPI(t, s)
	param := regexp.MustCompile(`:([A-Za-z_]+)`)
	seen := 0
	for _, r := range s.gin().Routes() {
		path := param.ReplaceAllString(r.Path, "{$1}")
		op, ok := pointer(doc, "#/paths/"+strings.ReplaceAll(path, "/", "~1")+"/"+strings.ToLower(r.Method))
		if !ok {
			continue // TestOpenAPIMatchesRoutes reports it
		}
		m := op.(map[string]any)
		want, authenticated := api.RouteRoles[r.Method+" "+r.Path]
		if !authenticated {
			if sec, ok := m["security"].([]any); !ok || len(sec) != 0 {
				t.Errorf("%s %s: open, but its security is %v, want []", r.Method, path, m["security"])
			}
			continue
		}
		seen++
		if got := asStrings(m["x-sift-roles"]); !slices.Equal(got, roleNames(want)) {
			t.Errorf("%s %s: x-sift-roles %v, want %v", r.Method, path, got, want)
		}
		for _, code := range []string{"401", "403", "429"} {
			if _, ok := m["responses"].(map[string]any)[code]; !ok {
				t.Errorf("%s %s: %s not documented", r.Method, path, code)
			}
		}
	}
	if seen != len(api.RouteRoles) {
		t.Errorf("%d authenticated routes found, the role table has %d", seen, len(api.RouteRoles))
	}
}

func roleNames(roles []models.Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return out
}

// TestOpenAPIDocument checks the document is well formed: OpenAPI 3.1,
// every $ref resolves, every operation has an id and documents its
// success and its errors as problem+json, and path parameters are declared.
func TestOpenAPIDocument(t *testing.T) {
	s := loadedServer(t)
	doc := loadOpenAPI(t, s)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi %q, want 3.1.x", v)
	}

	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, ok := pointer(doc, ref); !ok {
					t.Errorf("%s: $ref %q does not resolve", path, ref)
				}
			}
			for k, x := range v {
				walk(path+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(path+"/"+strconv.Itoa(i), x)
			}
		}
	}
	walk("#", doc)

	opIDs := map[string]bool{}
	for path, item := range doc["paths"].(map[string]any) {
		item := item.(map[string]any)
		for _, m := range httpMethods {
			op, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			name := strings.ToUpper(m) + " " + path
			id, _ := op["operationId"].(string)
			if id == "" || opIDs[id] {
				t.Errorf("%s: operationId %q missing or repeated", name, id)
			}
			opIDs[id] = true
			if d, _ := op["description"].(string); d == "" {
				t.Errorf("%s: no description", name)
			}

			// Path parameters are declared, on the path or the operation.
			var params []any
			if p, ok := item["parameters"].([]any); ok {
				params = append(params, p...)
			}
			if p, ok := op["parameters"].([]any); ok {
				params = append(params, p...)
			}
			declared := map[string]bool{}
			for _, p := range params {
				p := deref(t, doc, p)
				if p["in"] == "path" {
					declared[p["name"].(string)] = true
				}
			}
			for _, m := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s: path parameter %s not declared", name, m[1])
				}
			}

			responses, _ := op["responses"].(map[string]any)
			success := false
			for code, resp := range responses {
				n, err := strconv.Atoi(code)
				if err != nil {
					t.Errorf("%s: response %q is not a status code", name, code)
					continue
				}
				resp := deref(t, doc, resp)
				content, _ := resp["content"].(map[string]any)
				switch {
				case n < 300:
					success = true
				case n >= 400:
					media, ok := content["application/problem+json"].(map[string]any)
					if !ok {
						t.Errorf("%s: %d is not application/problem+json", name, n)
						continue
					}
					if ref, _ := media["schema"].(map[string]any)["$ref"].(string); ref != "#/components/schemas/Problem" {
						t.Errorf("%s: %d schema %q, want the Problem schema", name, n, ref)
					}
				}
			}
			if !success {
				t.Errorf("%s: no success response", name)
			}
			if _, ok := responses["405"]; !ok {
				t.Errorf("%s: 405 not documented", name)
			}
		}
	}
}

// TestOpenAPIBounds checks the limits the document states against the
// constants the server enforces.
func TestOpenAPIBounds(t *testing.T) {
	s := loadedServer(t)
	doc := loadOpenAPI(t, s)

	// queryParam finds a parameter of an operation by name.
	queryParam := func(path, method, name string) map[string]any {
		t.Helper()
		op, ok := pointer(doc, "#/paths/"+strings.ReplaceAll(path, "/", "~1")+"/"+method)
		if !ok {
			t.Fatalf("no %s %s", method, path)
		}
		for _, p := range op.(map[string]any)["parameters"].([]any) {
			p := deref(t, doc, p)
			if p["name"] == name {
				return deref(t, doc, p["schema"])
			}
		}
		t.Fatalf("%s %s has no parameter %s", method, path, name)
		return nil
	}
	schema := func(ptr string) map[string]any {
		t.Helper()
		v, ok := pointer(doc, ptr)
		if !ok {
			t.Fatalf("no %s", ptr)
		}
		return v.(map[string]any)
	}

	tests := []struct {
		name   string
		schema map[string]any
		key    string
		want   int
	}{
		{"suggest q", queryParam("/v1/suggest", "get", "q"), "maxLength", models.MaxSuggestQueryLength},
		{"suggest limit max", queryParam("/v1/suggest", "get", "limit"), "maximum", models.MaxSuggestLimit},
		{"suggest limit min", queryParam("/v1/suggest", "get", "limit"), "minimum", 1},
		{"suggest limit default", queryParam("/v1/suggest", "get", "limit"), "default", models.DefaultSuggestLimit},
		{"search q", queryParam("/v1/search", "get", "q"), "maxLength", models.MaxSearchQueryLength},
		{"search limit max", queryParam("/v1/search", "get", "limit"), "maximum", models.MaxSearchLimit},
		{"search limit default", queryParam("/v1/search", "get", "limit"), "default", models.DefaultSearchLimit},
		{"search offset max", queryParam("/v1/search", "get", "offset"), "maximum", models.MaxSearchOffset},
		{"search offset min", queryParam("/v1/search", "get", "offset"), "minimum", 0},
		{"deflect limit max", schema("#/components/schemas/DeflectRequest/properties/limit"), "maximum", models.MaxDeflectLimit},
		{"deflect limit default", schema("#/components/schemas/DeflectRequest/properties/limit"), "default", models.DefaultDeflectLimit},
		{"id", schema("#/components/schemas/DocumentId"), "maxLength", models.MaxIDLength},
		{"article title", schema("#/components/schemas/Article/properties/title"), "maxLength", models.MaxTitleLength},
		{"article body", schema("#/components/schemas/Article/properties/body"), "maxLength", models.MaxTextBytes},
		{"article tags", schema("#/components/schemas/Article/properties/tags"), "maxItems", models.MaxTags},
		{"article tag", schema("#/components/schemas/Article/properties/tags/items"), "maxLength", models.MaxTagLength},
		{"article category", schema("#/components/schemas/Article/properties/category"), "maxLength", models.MaxLabelLength},
		{"article products", schema("#/components/schemas/Article/properties/products"), "maxItems", models.MaxEntitlementCodes},
		{"article tiers", schema("#/components/schemas/Article/properties/tiers"), "maxItems", models.MaxEntitlementCodes},
		{"link ttl max", schema("#/components/schemas/CreateLinkRequest/properties/ttl_seconds"), "maximum", int(models.MaxLinkTTL / time.Second)},
		{"link ttl default", schema("#/components/schemas/CreateLinkRequest/properties/ttl_seconds"), "default", int(models.DefaultLinkTTL / time.Second)},
		{"ticket subject", schema("#/components/schemas/Ticket/properties/subject"), "maxLength", models.MaxTextBytes},
		{"ticket group", schema("#/components/schemas/Ticket/properties/group"), "maxLength", models.MaxLabelLength},
		{"sentiment text", schema("#/components/schemas/SentimentRequest/properties/text"), "maxLength", engine.MaxClassifyTextBytes},
		{"classify body", schema("#/components/schemas/ClassifyRequest/properties/body"), "maxLength", engine.MaxClassifyTextBytes},
		{"spike size", schema("#/components/schemas/Spike/properties/size"), "minimum", engine.MinSpikeSize},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.schema[tc.key].(float64)
			if !ok || int(got) != tc.want {
				t.Errorf("%s = %v, want %d", tc.key, tc.schema[tc.key], tc.want)
			}
		})
	}

	// Texts that state limits in prose.
	prose := []struct{ ptr, want string }{
		{"#/info/description", strconv.Itoa(api.DefaultMaxBodyBytes)},
		{"#/components/schemas/DeflectRequest/properties/body/description", strconv.Itoa(models.MaxDeflectTextBytes)},
		{"#/components/parameters/portal/description", `customer`},
		{"#/components/parameters/portal/description", `never`},
		{"#/components/schemas/SentimentRequest/properties/text/description", strconv.Itoa(engine.MaxClassifyTextBytes)},
		{"#/components/schemas/ClassifyRequest/properties/body/description", strconv.Itoa(engine.MaxClassifyTextBytes)},
		{"#/components/schemas/TriageRequest/description", strconv.Itoa(engine.MaxClassifyTextBytes)},
		{"#/components/schemas/Spike/properties/size/description", strconv.Itoa(engine.MinSpikeSize)},
		// The agent endpoints say who may call them.
		{"#/info/description", "Bearer"},
		{"#/info/description", api.HeaderProducts},
		{"#/paths/~1v1~1classify/post/description", "agent and admin keys"},
		{"#/paths/~1v1~1sentiment/post/description", "agent and admin keys"},
		{"#/paths/~1v1~1triage/post/description", "agent and admin keys"},
		{"#/paths/~1v1~1incidents~1spikes/get/description", "agent and admin keys"},
		{"#/paths/~1v1~1classify/post/description", "sift train"},
		{"#/paths/~1v1~1incidents~1spikes/get/description", "embedder"},
	}
	for _, p := range prose {
		v, _ := pointer(doc, p.ptr)
		if s, _ := v.(string); !strings.Contains(s, p.want) {
			t.Errorf("%s does not mention %s", p.ptr, p.want)
		}
	}
	if v, _ := pointer(doc, "#/components/schemas/Portal/default"); v != string(models.PortalCustomer) {
		t.Errorf("Portal default %v, want customer", v)
	}

	// The enumerations match the models.
	enums := []struct {
		ptr  string
		want []string
	}{
		{"#/components/schemas/Portal/enum", []string{string(models.PortalCustomer), string(models.PortalITSM)}},
		{"#/components/schemas/Visibility/enum", []string{string(models.VisibilityPublic), string(models.VisibilityInternal)}},
		{"#/components/schemas/Priority/enum", priorities()},
		{"#/components/schemas/SentimentResult/properties/label/enum", []string{sentiment.Negative, sentiment.Neutral, sentiment.Positive}},
		{"#/components/schemas/Signal/properties/kind/enum", []string{sentiment.Frustration, sentiment.Urgency, sentiment.ChurnRisk, sentiment.Impact}},
		{"#/components/schemas/Problem/properties/code/enum", []string{models.CodeInvalid, models.CodeNotFound, models.CodeConflict,
			models.CodeForbidden, models.CodeUnavailable, models.CodeTooLarge, models.CodeInternal,
			models.CodeUnauthorized, models.CodeRateLimited, models.CodeGone}},
		{"#/components/schemas/Role/enum", roleNames(models.Roles)},
	}
	for _, e := range enums {
		v, _ := pointer(doc, e.ptr)
		xs, ok := v.([]any)
		if !ok {
			t.Errorf("%s is not an array", e.ptr)
			continue
		}
		var got []string
		for _, x := range xs {
			got = append(got, x.(string))
		}
		if !slices.Equal(got, e.want) {
			t.Errorf("%s = %v, want %v", e.ptr, got, e.want)
		}
	}

	// Spikes default to the ITSM portal, unlike the self-service endpoints.
	spikesPortal := queryParam("/v1/incidents/spikes", "get", "portal")
	if got := asStrings(spikesPortal["enum"]); !slices.Equal(got, []string{string(models.PortalCustomer), string(models.PortalITSM)}) {
		t.Errorf("spikes portal enum %v", got)
	}
	if spikesPortal["default"] != string(models.PortalITSM) {
		t.Errorf("spikes portal default %v, want itsm", spikesPortal["default"])
	}
	if since := queryParam("/v1/incidents/spikes", "get", "since"); since["format"] != "date-time" {
		t.Errorf("spikes since format %v, want date-time", since["format"])
	}
}

func priorities() []string {
	var out []string
	for _, p := range models.Priorities {
		out = append(out, string(p))
	}
	return out
}

// TestResponsesMatchSchemas checks the members of real answers against the
// properties and required lists of the documented schemas, so that a
// renamed or added JSON member shows up here.
func TestResponsesMatchSchemas(t *testing.T) {
	s := loadedServer(t)
	doc := loadOpenAPI(t, s)
	t.Cleanup(func() { s.do(http.MethodDelete, "/v1/tickets/t-schema", nil) })

	tests := []struct {
		name, method, target string
		body                 any
		schema               string
	}{
		{"suggest", "GET", "/v1/suggest?q=pass", nil, "SuggestResult"},
		{"search", "GET", "/v1/search?q=password+spooler", nil, "SearchResult"},
		{"deflect", "POST", "/v1/deflect", map[string]any{"subject": "printer offline"}, "DeflectResult"},
		{"article", "GET", "/v1/articles/" + pubReset, nil, "Article"},
		{"health", "GET", "/healthz", nil, "Health"},
		{"problem", "GET", "/v1/search?limit=x&q=a", nil, "Problem"},
		{"ticket", "PUT", "/v1/tickets/t-schema", map[string]any{"portal": "itsm", "subject": "x", "priority": "low"}, "Ticket"},
		{"sentiment", "POST", "/v1/sentiment", map[string]any{"text": "URGENT!! Third time I ask, still not fixed, we will cancel our subscription"}, "SentimentResult"},
		{"sentiment neutral", "POST", "/v1/sentiment", map[string]any{"text": "Where is the invoice?"}, "SentimentResult"},
		{"triage inline", "POST", "/v1/triage", map[string]any{"portal": "customer", "org": "Acme Ltd", "subject": "Password reset mail is missing", "body": "Urgent: I need it immediately", "group": "Desk", "priority": "low"}, "Triage"},
		{"triage by id", "POST", "/v1/triage", map[string]any{"ticket_id": tktITSM}, "Triage"},
		{"triage nothing found", "POST", "/v1/triage", map[string]any{"subject": "xylophone"}, "Triage"},
		{"classify problem", "POST", "/v1/classify", map[string]any{"subject": "x"}, "Problem"},
		{"spikes problem", "GET", "/v1/incidents/spikes", nil, "Problem"},
		{"triage problem", "POST", "/v1/triage", map[string]any{"ticket_id": "t-missing"}, "Problem"},
		{"get ticket", "GET", "/v1/tickets/" + tktITSM, nil, "Ticket"},
		{"create key", "POST", "/v1/keys", map[string]any{"role": "agent", "portal": "itsm", "name": "schema"}, "CreatedKey"},
		{"list keys", "GET", "/v1/keys", nil, "ApiKeyList"},
		{"create link", "POST", "/v1/tickets/" + tktITSM + "/links", nil, "CreatedLink"},
		{"read link problem", "GET", "/v1/links/x.y", nil, "Problem"},
		{"no key", "GET", "/v1/suggest?q=a&key=none", nil, "Problem"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			caller := s
			if strings.Contains(tc.target, "key=none") {
				caller = s.as("")
			}
			r := caller.do(tc.method, tc.target, tc.body)
			if want := tc.schema == "Problem"; (r.Code >= 400) != want {
				t.Errorf("status %d: %s", r.Code, r.Body)
			}
			var v any
			r.decode(t, &v)
			checkSchema(t, doc, tc.schema, deref(t, doc, map[string]any{"$ref": "#/components/schemas/" + tc.schema}), v)
		})
	}
}

// TestLinkViewMatchesSchema reads a private link and checks the answer
// against the LinkView schema.
func TestLinkViewMatchesSchema(t *testing.T) {
	s := loadedServer(t)
	doc := loadOpenAPI(t, s)
	var l struct{ URL string }
	s.do(http.MethodPost, "/v1/tickets/"+tktCustomer+"/links", nil).mustStatus(t, http.StatusCreated).decode(t, &l)
	var v any
	s.as("").do(http.MethodGet, l.URL, nil).mustStatus(t, http.StatusOK).decode(t, &v)
	checkSchema(t, doc, "LinkView", deref(t, doc, map[string]any{"$ref": "#/components/schemas/LinkView"}), v)
}

// checkSchema checks objects' members against properties, required and
// additionalProperties, recursing into properties and array items. It is
// not a JSON Schema validator, only enough to catch drift.
func checkSchema(t *testing.T, doc any, where string, schema map[string]any, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		if ty, _ := schema["type"].(string); ty != "" && ty != "object" {
			t.Errorf("%s: got an object, schema says %s", where, ty)
			return
		}
		props, _ := schema["properties"].(map[string]any)
		for _, r := range asStrings(schema["required"]) {
			if _, ok := v[r]; !ok {
				t.Errorf("%s: required member %q missing", where, r)
			}
		}
		for k, x := range v {
			p, ok := props[k]
			if !ok {
				switch ap := schema["additionalProperties"].(type) {
				case bool:
					if !ap {
						t.Errorf("%s: member %q is not in the schema", where, k)
					}
				case map[string]any:
					checkSchema(t, doc, where+"."+k, deref(t, doc, ap), x)
				}
				continue
			}
			checkSchema(t, doc, where+"."+k, deref(t, doc, p), x)
		}
	case []any:
		items, ok := schema["items"]
		if !ok {
			t.Errorf("%s: got an array, schema has no items", where)
			return
		}
		for i, x := range v {
			checkSchema(t, doc, where+"["+strconv.Itoa(i)+"]", deref(t, doc, items), x)
		}
	case string:
		if ty, _ := schema["type"].(string); ty != "" && ty != "string" {
			t.Errorf("%s: got a string, schema says %s", where, ty)
		}
		if enum := asStrings(schema["enum"]); enum != nil && !slices.Contains(enum, v) {
			t.Errorf("%s: %q not in %v", where, v, enum)
		}
	case float64:
		if ty, _ := schema["type"].(string); ty != "" && ty != "number" && ty != "integer" {
			t.Errorf("%s: got a number, schema says %s", where, ty)
		}
	}
}

func asStrings(v any) []string {
	xs, _ := v.([]any)
	var out []string
	for _, x := range xs {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// TestOpenAPIIsValidJSON keeps the file parseable with the standard
// decoder and free of duplicate keys at the top of each path.
func TestOpenAPIIsValidJSON(t *testing.T) {
	data, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(data) {
		t.Fatal("openapi.json is not valid JSON")
	}
	// Duplicate keys are legal JSON but the second silently wins; count
	// path keys in the raw text against the parsed map.
	var doc struct {
		Paths map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for p := range doc.Paths {
		if n := bytes.Count(data, []byte(`"`+p+`": {`)); n != 1 {
			t.Errorf("path %s appears %d times", p, n)
		}
	}
}
