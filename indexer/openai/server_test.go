package openai

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"
)

// testKey is the API key every test embedder is given. No log line or
// error message may contain it.
const testKey = "sk-test-7f3a9c2e5b8d4f1a6c0e"

// defaultDims is the length of the fake server's vectors when a request
// does not ask for one.
const defaultDims = 8

// embeddingsRequest is the body of a request to /embeddings.
type embeddingsRequest struct {
	Input      []string `json:"input"`
	Model      string   `json:"model"`
	Dimensions int      `json:"dimensions"`

	raw map[string]json.RawMessage
}

// call is one request the fake server received.
type call struct {
	path   string
	query  url.Values
	header http.Header
	body   embeddingsRequest
}

// responder answers the n-th request (from 0) to the fake server. It may
// call writeVectors or write an error itself.
type responder func(t *testing.T, n int, req embeddingsRequest, w http.ResponseWriter, r *http.Request)

// fakeServer speaks OpenAI's embeddings protocol, with vectors derived
// from a hash of each text.
type fakeServer struct {
	*httptest.Server
	mu    sync.Mutex
	calls []call
}

// newFakeServer starts a server that answers with respond, or with the
// right vectors when respond is nil. It is closed when the test ends.
func newFakeServer(t *testing.T, respond responder) *fakeServer {
	t.Helper()
	if respond == nil {
		respond = ok
	}
	s := &fakeServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("server: reading body: %v", err)
			return
		}
		var req embeddingsRequest
		if err := json.Unmarshal(data, &req); err != nil {
			t.Errorf("server: body %s: %v", data, err)
		}
		if err := json.Unmarshal(data, &req.raw); err != nil {
			t.Errorf("server: body %s: %v", data, err)
		}
		if r.Method != http.MethodPost {
			t.Errorf("server: method %s, want POST", r.Method)
		}
		s.mu.Lock()
		n := len(s.calls)
		s.calls = append(s.calls, call{path: r.URL.Path, query: r.URL.Query(), header: r.Header.Clone(), body: req})
		s.mu.Unlock()
		respond(t, n, req, w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// Calls returns the requests received so far.
func (s *fakeServer) Calls() []call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// ok answers with the right vectors, in index order.
func ok(t *testing.T, _ int, req embeddingsRequest, w http.ResponseWriter, _ *http.Request) {
	writeVectors(t, w, req, nil)
}

// embedding is one element of a response's data.
type embedding struct {
	Object    string    `json:"object"`
	Index     int       `json:"index"`
	Embedding []float32 `json:"embedding"`
}

// writeVectors answers req with fake vectors, passed through edit first if
// it is not nil.
func writeVectors(t *testing.T, w http.ResponseWriter, req embeddingsRequest, edit func([]embedding) []embedding) {
	t.Helper()
	dims := req.Dimensions
	if dims == 0 {
		dims = defaultDims
	}
	data := make([]embedding, len(req.Input))
	for i, text := range req.Input {
		data[i] = embedding{Object: "embedding", Index: i, Embedding: fakeVector(text, dims)}
	}
	if edit != nil {
		data = edit(data)
	}
	w.Header().Set("Content-Type", "application/json")
	err := json.NewEncoder(w).Encode(map[string]any{
		"object": "list",
		"data":   data,
		"model":  req.Model,
		"usage":  map[string]int{"prompt_tokens": len(req.Input), "total_tokens": len(req.Input)},
	})
	if err != nil {
		t.Errorf("server: %v", err)
	}
}

// writeError answers with status and an OpenAI error body holding message.
func writeError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"error": map[string]any{"message": message, "type": "invalid_request_error", "param": nil, "code": nil},
	})
}

// fakeVector is the server's vector for text: deterministic, of length
// dims, not of unit length.
func fakeVector(text string, dims int) []float32 {
	h := fnv.New64a()
	h.Write([]byte(text))
	r := rand.New(rand.NewPCG(h.Sum64(), 42))
	v := make([]float32, dims)
	for i := range v {
		v[i] = float32(r.Float64()*6 - 3)
	}
	return v
}

// unitVector is fakeVector scaled to unit length, as Embed should return it.
func unitVector(text string, dims int) []float32 {
	v := fakeVector(text, dims)
	normalise(v)
	return v
}

// newTestEmbedder returns an embedder for s with cfg's zero fields filled
// in for tests, and retries that wait at most a few milliseconds.
func newTestEmbedder(t *testing.T, s *fakeServer, cfg Config) *Embedder {
	t.Helper()
	if cfg.BaseURL == "" {
		cfg.BaseURL = s.URL + "/v1"
	}
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	if cfg.Model == "" {
		cfg.Model = "text-embedding-3-small"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	e, err := New(cfg, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.backoffBase, e.backoffCap = time.Millisecond, 4*time.Millisecond
	return e
}

// recordSleeps makes e's waits between attempts return at once, and
// returns the waits asked for so far.
func recordSleeps(e *Embedder) func() []time.Duration {
	var mu sync.Mutex
	var sleeps []time.Duration
	e.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		sleeps = append(sleeps, d)
		return ctx.Err()
	}
	return func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(sleeps)
	}
}
