package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

// checkAnswer fails unless the server answered a request it was sent with
// a 2xx or 4xx status and a JSON body: malformed input is the client's
// fault (4xx, naming the problem), never a 5xx or a panic, which gin's
// recovery would turn into a 500.
func checkAnswer(t *testing.T, what string, r response) {
	t.Helper()
	if r.Code >= 500 || r.Code < 200 {
		t.Fatalf("%s: status %d, body %s", what, r.Code, r.Body)
	}
	if !json.Valid(r.Body) {
		t.Fatalf("%s: status %d with a body that is not JSON: %q", what, r.Code, r.Body)
	}
}

// queryPaths are the endpoints that read only a query string.
var queryPaths = []string{"/v1/suggest", "/v1/search", "/v1/incidents/spikes", "/v1/metrics/deflection", "/v1/metrics/search", "/v1/metrics/articles"}

// FuzzQueryString sends fuzzed query strings, as raw bytes on the wire,
// to every endpoint that reads one.
func FuzzQueryString(f *testing.F) {
	for _, seed := range []string{
		"q=pasword+res&portal=customer&limit=5",
		"q=vpn&portal=itsm&limit=0&offset=3",
		"q=%ff%fe%00&limit=-1",
		"q=a&offset=99999999999999999999999",
		"q=&portal=intranet",
		"q=refund;limit=3&&&=&q=two",
		"from=2026-11-01&to=2026-10-01&interval=month&by=agent",
		"since=not-a-time&portal=itsm",
		"q=" + string(bytes.Repeat([]byte("x"), 2000)),
	} {
		f.Add(uint8(0), seed)
		f.Add(uint8(3), seed)
	}
	f.Fuzz(func(t *testing.T, path uint8, raw string) {
		s := loadedServer(t)
		p := queryPaths[int(path)%len(queryPaths)]
		req, err := http.NewRequest(http.MethodGet, "http://sift.test"+p, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.RawQuery = raw
		checkAnswer(t, p+"?"+raw, s.doRequest(req))
	})
}

// bodyTargets are the endpoints that read a JSON body and change nothing
// stored, so the fuzzer may call them on the shared server.
var bodyTargets = []string{"/v1/deflect", "/v1/triage", "/v1/classify", "/v1/sentiment", "/v1/events"}

// FuzzRequestBody posts fuzzed bodies to every endpoint that reads one and
// writes nothing to the documents.
func FuzzRequestBody(f *testing.F) {
	for _, seed := range []string{
		`{"subject":"cannot log in","body":"my 2fa code is rejected","portal":"customer"}`,
		`{"portal":"itsm","subject":"VPN keeps dropping","body":"third time today","ticket_id":"T-1"}`,
		`{"text":"I am furious, this is the third time"}`,
		`{"events":[{"id":"e1","type":"search","session_id":"s","time":"2026-11-01T09:00:00Z","query":"vpn"}]}`,
		`{"subject":"a","body":"b"} trailing`,
		`{"ticket_id":7}`,
		`[1,2,3]`,
		`{"subject":"\ud800"}`,
		``,
	} {
		for i := range bodyTargets {
			f.Add(uint8(i), []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, target uint8, body []byte) {
		s := loadedServer(t)
		u := (&url.URL{Path: bodyTargets[int(target)%len(bodyTargets)]}).String()
		checkAnswer(t, u+" "+string(body), s.do(http.MethodPost, u, body))
	})
}
