package openai

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The embedder fits the interface the indexer and the engine consume.
var _ interface {
	Model() string
	Dimensions() int
	Embed(ctx context.Context, texts []string) ([][]float32, error)
} = (*Embedder)(nil)

// texts returns n distinct texts.
func texts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("How do I reset my password? (%d)", i)
	}
	return out
}

func TestEmbedBatchesKeepOrder(t *testing.T) {
	for _, tc := range []struct {
		name       string
		dims       int
		batchSize  int
		n          int
		wantSizes  []int
		reverse    bool
		wantModel  string
		wantLength int
	}{
		{name: "default dimensions", batchSize: 3, n: 10, wantSizes: []int{3, 3, 3, 1},
			wantModel: "openai:text-embedding-3-small@default", wantLength: defaultDims},
		{name: "chosen dimensions", dims: 16, batchSize: 4, n: 8, wantSizes: []int{4, 4},
			wantModel: "openai:text-embedding-3-small@16", wantLength: 16},
		{name: "data out of index order", batchSize: 5, n: 7, wantSizes: []int{5, 2}, reverse: true,
			wantModel: "openai:text-embedding-3-small@default", wantLength: defaultDims},
		{name: "default batch size", n: 100, wantSizes: []int{96, 4},
			wantModel: "openai:text-embedding-3-small@default", wantLength: defaultDims},
		{name: "one text", n: 1, wantSizes: []int{1},
			wantModel: "openai:text-embedding-3-small@default", wantLength: defaultDims},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t, func(t *testing.T, _ int, req embeddingsRequest, w http.ResponseWriter, _ *http.Request) {
				writeVectors(t, w, req, func(data []embedding) []embedding {
					if tc.reverse {
						slices.Reverse(data)
					}
					return data
				})
			})
			e := newTestEmbedder(t, s, Config{Dimensions: tc.dims, BatchSize: tc.batchSize})
			if got := e.Dimensions(); got != tc.dims {
				t.Errorf("Dimensions() before Embed = %d, want %d", got, tc.dims)
			}
			in := texts(tc.n)
			got, err := e.Embed(context.Background(), in)
			if err != nil {
				t.Fatalf("Embed: %v", err)
			}
			if len(got) != len(in) {
				t.Fatalf("Embed returned %d vectors for %d texts", len(got), len(in))
			}
			for i, text := range in {
				if want := unitVector(text, tc.wantLength); !slices.Equal(got[i], want) {
					t.Errorf("vector %d = %v, want %v", i, got[i], want)
				}
			}

			calls := s.Calls()
			var sizes []int
			var sent []string
			for _, c := range calls {
				sizes = append(sizes, len(c.body.Input))
				sent = append(sent, c.body.Input...)
				if c.path != "/v1/embeddings" {
					t.Errorf("path %q, want /v1/embeddings", c.path)
				}
				if c.body.Model != "text-embedding-3-small" {
					t.Errorf("model %q, want text-embedding-3-small", c.body.Model)
				}
				_, hasDims := c.body.raw["dimensions"]
				if hasDims != (tc.dims > 0) || c.body.Dimensions != tc.dims {
					t.Errorf("request dimensions %s (present %v), want %d", c.body.raw["dimensions"], hasDims, tc.dims)
				}
				if got, want := c.header.Get("Authorization"), "Bearer "+testKey; got != want {
					t.Errorf("Authorization header %q, want the key as a Bearer token", got)
				}
			}
			if !slices.Equal(sizes, tc.wantSizes) {
				t.Errorf("batch sizes %v, want %v", sizes, tc.wantSizes)
			}
			if !slices.Equal(sent, in) {
				t.Errorf("texts were sent in another order: %q", sent)
			}
			if got := e.Dimensions(); got != tc.wantLength {
				t.Errorf("Dimensions() = %d, want %d", got, tc.wantLength)
			}
			if got := e.Model(); got != tc.wantModel {
				t.Errorf("Model() = %q, want %q", got, tc.wantModel)
			}
		})
	}
}

func TestEmbedNormalises(t *testing.T) {
	s := newFakeServer(t, nil)
	e := newTestEmbedder(t, s, Config{})
	in := []string{"printer offline", "printer is offline again", "refund for order 1234"}
	got, err := e.Embed(context.Background(), in)
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	for i, v := range got {
		var sum float64
		for _, x := range v {
			sum += float64(x) * float64(x)
		}
		if math.Abs(math.Sqrt(sum)-1) > 1e-6 {
			t.Errorf("vector %d has length %v, want 1", i, math.Sqrt(sum))
		}
	}
	// The dot product of the unit vectors is the cosine of the raw ones.
	a, b := fakeVector(in[0], defaultDims), fakeVector(in[2], defaultDims)
	var dot, na, nb, unitDot float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
		unitDot += float64(got[0][i]) * float64(got[2][i])
	}
	if cos := dot / math.Sqrt(na*nb); math.Abs(cos-unitDot) > 1e-6 {
		t.Errorf("dot product of unit vectors %v, cosine of raw ones %v", unitDot, cos)
	}
}

func TestNormalise(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []float32
		ok   bool
		want []float32
	}{
		{"scaled", []float32{3, 4}, true, []float32{0.6, 0.8}},
		{"already unit", []float32{0, 1, 0}, true, []float32{0, 1, 0}},
		{"zero", []float32{0, 0}, false, nil},
		{"NaN", []float32{float32(math.NaN()), 1}, false, nil},
		{"infinite", []float32{float32(math.Inf(1)), 1}, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := slices.Clone(tc.in)
			if ok := normalise(v); ok != tc.ok {
				t.Fatalf("normalise(%v) = %v, want %v", tc.in, ok, tc.ok)
			}
			if tc.ok && !slices.Equal(v, tc.want) {
				t.Errorf("normalise(%v) gave %v, want %v", tc.in, v, tc.want)
			}
		})
	}
}

// step is what the fake server does for one request in a scripted test.
type step struct {
	status     int    // 0 or 200: answer with vectors
	header     string // "Name: value" to set on an error response
	message    string // error message
	plainBody  string // non-JSON body instead of an OpenAI error body
	hangUpOnce bool   // close the connection without answering
}

// script answers request n with steps[n], or with the last step after them.
func script(steps ...step) responder {
	return func(t *testing.T, n int, req embeddingsRequest, w http.ResponseWriter, r *http.Request) {
		st := steps[min(n, len(steps)-1)]
		switch {
		case st.hangUpOnce:
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Errorf("server: hijack: %v", err)
				return
			}
			conn.Close()
		case st.status == 0 || st.status == http.StatusOK:
			writeVectors(t, w, req, nil)
		default:
			if st.header != "" {
				name, value, _ := strings.Cut(st.header, ": ")
				w.Header().Set(name, value)
			}
			if st.plainBody != "" {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(st.status)
				fmt.Fprint(w, st.plainBody)
				return
			}
			writeError(w, st.status, st.message)
		}
	}
}

func TestEmbedRetries(t *testing.T) {
	for _, tc := range []struct {
		name       string
		steps      []step
		maxRetries int
		wantCalls  int
		wantSleeps []time.Duration // exact waits; nil: only count them
		wantErr    []string        // substrings of the error; none: success
		wantStatus int             // status in the error
	}{
		{
			name:       "429 with Retry-After, then success",
			steps:      []step{{status: 429, header: "Retry-After: 2", message: "Rate limit reached"}, {}},
			wantCalls:  2,
			wantSleeps: []time.Duration{2 * time.Second},
		},
		{
			name:       "429 with retry-after-ms, then success",
			steps:      []step{{status: 429, header: "retry-after-ms: 750", message: "Rate limit reached"}, {}},
			wantCalls:  2,
			wantSleeps: []time.Duration{750 * time.Millisecond},
		},
		{
			name:      "500 twice, then success",
			steps:     []step{{status: 500, message: "The server had an error"}, {status: 500}, {}},
			wantCalls: 3,
		},
		{
			name:      "502 from a proxy with an HTML body, then success",
			steps:     []step{{status: 502, plainBody: "<html>Bad Gateway</html>"}, {}},
			wantCalls: 2,
		},
		{
			name:      "connection dropped, then success",
			steps:     []step{{hangUpOnce: true}, {}},
			wantCalls: 2,
		},
		{
			name:       "401 is not retried",
			steps:      []step{{status: 401, message: "Incorrect API key provided"}},
			wantCalls:  1,
			wantErr:    []string{"embeddings endpoint rejected the API key (401)", "batch 1 of 1"},
			wantStatus: 401,
		},
		{
			name:       "400 is not retried",
			steps:      []step{{status: 400, message: "This model's maximum context length is 8192 tokens"}},
			wantCalls:  1,
			wantErr:    []string{"rejected the request (400)", "maximum context length"},
			wantStatus: 400,
		},
		{
			name:       "403 is not retried",
			steps:      []step{{status: 403, message: "Country not supported"}},
			wantCalls:  1,
			wantErr:    []string{"refused access (403)", "Country not supported"},
			wantStatus: 403,
		},
		{
			name:       "404 is not retried",
			steps:      []step{{status: 404, plainBody: "404 page not found"}},
			wantCalls:  1,
			wantErr:    []string{"not found (404)", "text-embedding-3-small", "/v1"},
			wantStatus: 404,
		},
		{
			name:       "MaxRetries exhausted",
			steps:      []step{{status: 503, message: "overloaded"}},
			maxRetries: 2,
			wantCalls:  3,
			wantErr:    []string{"gave up after 3 attempts", "(503)", "overloaded", "batch 1 of 1"},
			wantStatus: 503,
		},
		{
			name:       "no retries",
			steps:      []step{{status: 500}},
			maxRetries: -1,
			wantCalls:  1,
			wantErr:    []string{"gave up after 1 attempt:", "(500)"},
			wantStatus: 500,
		},
		{
			name:       "Retry-After too long",
			steps:      []step{{status: 429, header: "Retry-After: 3600", message: "quota"}},
			wantCalls:  1,
			wantErr:    []string{"retry after 1h0m0s", "(429)"},
			wantStatus: 429,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t, script(tc.steps...))
			e := newTestEmbedder(t, s, Config{MaxRetries: tc.maxRetries})
			sleeps := recordSleeps(e)
			in := texts(3)
			got, err := e.Embed(context.Background(), in)
			if n := len(s.Calls()); n != tc.wantCalls {
				t.Errorf("%d requests, want %d", n, tc.wantCalls)
			}
			if n := len(sleeps()); n != max(tc.wantCalls-1, 0) {
				t.Errorf("%d waits (%v), want %d", n, sleeps(), tc.wantCalls-1)
			}
			if tc.wantSleeps != nil && !slices.Equal(sleeps(), tc.wantSleeps) {
				t.Errorf("waits %v, want %v", sleeps(), tc.wantSleeps)
			}
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Embed: %v", err)
				}
				for i, text := range in {
					if !slices.Equal(got[i], unitVector(text, defaultDims)) {
						t.Errorf("vector %d is wrong after retries", i)
					}
				}
				return
			}
			if err == nil {
				t.Fatalf("Embed succeeded, want an error with %q", tc.wantErr)
			}
			if got != nil {
				t.Errorf("Embed returned vectors with its error")
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			var ee *embedError
			if !errors.As(err, &ee) || ee.status != tc.wantStatus {
				t.Errorf("error %#v: want an embedError with status %d", err, tc.wantStatus)
			}
		})
	}
}

func TestEmbedBackoffWaits(t *testing.T) {
	s := newFakeServer(t, script(step{status: 500}))
	e := newTestEmbedder(t, s, Config{MaxRetries: 6})
	e.backoffBase, e.backoffCap = 250*time.Millisecond, 10*time.Second
	sleeps := recordSleeps(e)
	if _, err := e.Embed(context.Background(), texts(1)); err == nil {
		t.Fatal("Embed succeeded against a failing server")
	}
	got := sleeps()
	if len(got) != 6 {
		t.Fatalf("%d waits, want 6", len(got))
	}
	for i, d := range got {
		if ceiling := min(250*time.Millisecond<<i, 10*time.Second); d < 0 || d > ceiling {
			t.Errorf("wait %d = %s, want 0 to %s", i+1, d, ceiling)
		}
	}
}

func TestBackoff(t *testing.T) {
	e := &Embedder{backoffBase: 250 * time.Millisecond, backoffCap: 10 * time.Second}
	for retry := 1; retry <= 70; retry++ {
		ceiling := 10 * time.Second
		if retry <= 6 {
			ceiling = 250 * time.Millisecond << (retry - 1)
		}
		var top time.Duration
		for range 200 {
			d := e.backoff(retry)
			if d < 0 || d > ceiling {
				t.Fatalf("backoff(%d) = %s, want 0 to %s", retry, d, ceiling)
			}
			top = max(top, d)
		}
		if top < ceiling/2 {
			t.Errorf("backoff(%d) never above %s in 200 draws, ceiling %s: not full jitter", retry, top, ceiling)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		header map[string]string
		want   time.Duration
	}{
		{"absent", nil, -1},
		{"seconds", map[string]string{"Retry-After": "3"}, 3 * time.Second},
		{"zero", map[string]string{"Retry-After": "0"}, 0},
		{"fractional seconds", map[string]string{"Retry-After": "1.5"}, 1500 * time.Millisecond},
		{"HTTP date", map[string]string{"Retry-After": "Sun, 01 Mar 2026 12:00:07 GMT"}, 7 * time.Second},
		{"HTTP date past", map[string]string{"Retry-After": "Sun, 01 Mar 2026 11:00:00 GMT"}, 0},
		{"milliseconds", map[string]string{"retry-after-ms": "20"}, 20 * time.Millisecond},
		{"milliseconds first", map[string]string{"retry-after-ms": "20", "Retry-After": "1"}, 20 * time.Millisecond},
		{"bad milliseconds", map[string]string{"retry-after-ms": "soon", "Retry-After": "1"}, time.Second},
		{"garbage", map[string]string{"Retry-After": "later"}, -1},
		{"negative", map[string]string{"Retry-After": "-5"}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.header {
				h.Set(k, v)
			}
			if got := retryAfter(h, now); got != tc.want {
				t.Errorf("retryAfter(%v) = %s, want %s", tc.header, got, tc.want)
			}
		})
	}
}

// slow answers after the request's context ends, or after a second.
func slow(_ *testing.T, _ int, _ embeddingsRequest, _ http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(time.Second):
	}
}

func TestEmbedTimeout(t *testing.T) {
	t.Run("retried, then failing", func(t *testing.T) {
		s := newFakeServer(t, slow)
		e := newTestEmbedder(t, s, Config{Timeout: 50 * time.Millisecond, MaxRetries: 2})
		start := time.Now()
		_, err := e.Embed(context.Background(), texts(2))
		if err == nil {
			t.Fatal("Embed succeeded against a server that never answers")
		}
		if n := len(s.Calls()); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
		for _, want := range []string{"timed out after 50ms", "gave up after 3 attempts"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
		}
		if d := time.Since(start); d > 900*time.Millisecond {
			t.Errorf("Embed took %s with 3 attempts of 50ms", d)
		}
	})
	t.Run("retried, then succeeding", func(t *testing.T) {
		s := newFakeServer(t, func(t *testing.T, n int, req embeddingsRequest, w http.ResponseWriter, r *http.Request) {
			if n == 0 {
				slow(t, n, req, w, r)
				return
			}
			ok(t, n, req, w, r)
		})
		// Long enough for the second request on a busy machine.
		e := newTestEmbedder(t, s, Config{Timeout: 150 * time.Millisecond})
		var logs bytes.Buffer
		e.log = slog.New(slog.NewTextHandler(&logs, nil))
		if _, err := e.Embed(context.Background(), texts(2)); err != nil {
			t.Fatalf("Embed: %v", err)
		}
		if n := len(s.Calls()); n != 2 {
			t.Errorf("%d requests, want 2; logs:\n%s", n, logs.String())
		}
	})
}

func TestEmbedCancel(t *testing.T) {
	for _, tc := range []struct {
		name    string
		respond responder
	}{
		{"during a wait", script(step{status: 429, header: "Retry-After: 30"})},
		{"during a request", slow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t, tc.respond)
			e := newTestEmbedder(t, s, Config{Timeout: 10 * time.Second})
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			start := time.Now()
			_, err := e.Embed(ctx, texts(2))
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Embed error %v, want context.Canceled", err)
			}
			if d := time.Since(start); d > 500*time.Millisecond {
				t.Errorf("Embed returned %s after the context was cancelled at 50ms", d)
			}
			if n := len(s.Calls()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
	t.Run("before the call", func(t *testing.T) {
		s := newFakeServer(t, nil)
		e := newTestEmbedder(t, s, Config{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := e.Embed(ctx, texts(2)); !errors.Is(err, context.Canceled) {
			t.Errorf("Embed error %v, want context.Canceled", err)
		}
		if n := len(s.Calls()); n != 0 {
			t.Errorf("%d requests, want none", n)
		}
	})
}

func TestEmbedBadResponses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		dims    int
		edit    func([]embedding) []embedding
		wantErr string
	}{
		{"one vector missing", 0, func(d []embedding) []embedding { return d[:len(d)-1] },
			"returned 2 vectors for 3 texts"},
		{"one vector too many", 0, func(d []embedding) []embedding { return append(d, d[0]) },
			"returned 4 vectors for 3 texts"},
		{"inconsistent dimensions", 0, func(d []embedding) []embedding { d[1].Embedding = d[1].Embedding[:5]; return d },
			"vectors of 8 and 5 dimensions"},
		{"repeated index", 0, func(d []embedding) []embedding { d[2].Index = 0; return d },
			"index 0, out of range or repeated"},
		{"index out of range", 0, func(d []embedding) []embedding { d[2].Index = 3; return d },
			"index 3, out of range or repeated"},
		{"zero vector", 0, func(d []embedding) []embedding { clear(d[1].Embedding); return d },
			"zero or non-finite vector for text 1"},
		{"empty vectors", 0, func(d []embedding) []embedding {
			for i := range d {
				d[i].Embedding = []float32{}
			}
			return d
		}, "empty vectors"},
		{"dimensions ignored", 16, func(d []embedding) []embedding {
			for i := range d {
				d[i].Embedding = d[i].Embedding[:8]
			}
			return d
		}, "vectors of 8 dimensions, Dimensions is 16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t, func(t *testing.T, _ int, req embeddingsRequest, w http.ResponseWriter, _ *http.Request) {
				writeVectors(t, w, req, tc.edit)
			})
			e := newTestEmbedder(t, s, Config{Dimensions: tc.dims})
			recordSleeps(e)
			_, err := e.Embed(context.Background(), texts(3))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Embed error %v, want one containing %q", err, tc.wantErr)
			}
			if n := len(s.Calls()); n != 1 {
				t.Errorf("%d requests, want 1: a bad response is not retried", n)
			}
		})
	}
	t.Run("dimensions change between batches", func(t *testing.T) {
		s := newFakeServer(t, func(t *testing.T, n int, req embeddingsRequest, w http.ResponseWriter, _ *http.Request) {
			if n > 0 {
				req.Dimensions = defaultDims + 1
			}
			writeVectors(t, w, req, nil)
		})
		e := newTestEmbedder(t, s, Config{BatchSize: 2})
		_, err := e.Embed(context.Background(), texts(4))
		if want := "batch 2 of 2 (texts 2 to 3): endpoint returned vectors of 9 dimensions, earlier ones had 8"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Embed error %v, want one containing %q", err, want)
		}
		if got := e.Dimensions(); got != defaultDims {
			t.Errorf("Dimensions() = %d, want the first response's %d", got, defaultDims)
		}
	})
}

func TestEmbedInputs(t *testing.T) {
	s := newFakeServer(t, nil)
	e := newTestEmbedder(t, s, Config{})
	got, err := e.Embed(context.Background(), nil)
	if err != nil || len(got) != 0 {
		t.Errorf("Embed(nil) = %v, %v; want no vectors and no error", got, err)
	}
	_, err = e.Embed(context.Background(), []string{"a", "", "c"})
	if err == nil || !strings.Contains(err.Error(), "text 1 is empty") {
		t.Errorf("Embed with an empty text: error %v, want one naming text 1", err)
	}
	if n := len(s.Calls()); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}

func TestEmbedAzure(t *testing.T) {
	s := newFakeServer(t, nil)
	e := newTestEmbedder(t, s, Config{
		BaseURL:         s.URL, // the resource endpoint
		Model:           "sift-embed.v3",
		AzureAPIVersion: "2024-02-01",
		Dimensions:      12,
	})
	got, err := e.Embed(context.Background(), texts(3))
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	if len(got) != 3 || len(got[0]) != 12 {
		t.Fatalf("Embed returned %d vectors of %d, want 3 of 12", len(got), len(got[0]))
	}
	calls := s.Calls()
	if len(calls) != 1 {
		t.Fatalf("%d requests, want 1", len(calls))
	}
	c := calls[0]
	if want := "/openai/deployments/sift-embed.v3/embeddings"; c.path != want {
		t.Errorf("path %q, want %q", c.path, want)
	}
	if got := c.query.Get("api-version"); got != "2024-02-01" {
		t.Errorf("api-version %q, want 2024-02-01", got)
	}
	if got := c.header.Get("api-key"); got != testKey {
		t.Errorf("api-key header %q, want the key", got)
	}
	if got := c.header.Get("Authorization"); got != "" {
		t.Errorf("Authorization header %q, want none for Azure", got)
	}
	if got, want := e.Model(), "openai:sift-embed.v3@12"; got != want {
		t.Errorf("Model() = %q, want %q", got, want)
	}
}

func TestEmbedHeaders(t *testing.T) {
	t.Run("organization", func(t *testing.T) {
		s := newFakeServer(t, nil)
		e := newTestEmbedder(t, s, Config{Organization: "org-sift"})
		if _, err := e.Embed(context.Background(), texts(1)); err != nil {
			t.Fatalf("Embed: %v", err)
		}
		if got := s.Calls()[0].header.Get("OpenAI-Organization"); got != "org-sift" {
			t.Errorf("OpenAI-Organization header %q, want org-sift", got)
		}
	})
	t.Run("no key", func(t *testing.T) {
		s := newFakeServer(t, nil)
		e, err := New(Config{BaseURL: s.URL + "/v1", Model: "nomic-embed-text"}, nil)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		if _, err := e.Embed(context.Background(), texts(1)); err != nil {
			t.Fatalf("Embed: %v", err)
		}
		if got := s.Calls()[0].header.Get("Authorization"); got != "" {
			t.Errorf("Authorization header %q, want none without a key", got)
		}
	})
}

// TestAPIKeyNeverLeaks makes an endpoint quote the key back in every error
// it can, and checks that neither the logs, at Debug, nor the errors hold it.
func TestAPIKeyNeverLeaks(t *testing.T) {
	echo := "Incorrect API key provided: " + testKey + ". You can find your API key at https://platform.openai.com."
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"401", []step{{status: 401, message: echo}}},
		{"400", []step{{status: 400, message: echo}}},
		{"403", []step{{status: 403, message: echo}}},
		{"404 plain body", []step{{status: 404, plainBody: echo}}},
		{"500 retried then exhausted", []step{{status: 500, message: echo}}},
		{"502 plain body retried", []step{{status: 502, plainBody: echo}}},
		{"key cut by the length limit", []step{{status: 400, message: strings.Repeat("x", maxDetail-16) + testKey}}},
		{"success", []step{{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			s := newFakeServer(t, script(tc.steps...))
			cfg := Config{BaseURL: s.URL + "/v1", APIKey: testKey, Model: "text-embedding-3-small", MaxRetries: 2}
			e, err := New(cfg, log)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			e.backoffBase, e.backoffCap = time.Millisecond, time.Millisecond
			_, err = e.Embed(context.Background(), texts(2))
			if err != nil && strings.Contains(err.Error(), testKey[:12]) {
				t.Errorf("error holds the key: %v", err)
			}
			if err != nil && strings.Contains(fmt.Sprintf("%+v %#v", err, err), testKey) {
				t.Errorf("formatted error holds the key")
			}
			if strings.Contains(logs.String(), testKey[:12]) {
				t.Errorf("logs hold the key:\n%s", logs.String())
			}
			if logs.Len() == 0 {
				t.Errorf("nothing logged at Debug")
			}
			if got := s.Calls()[0].header.Get("Authorization"); got != "Bearer "+testKey {
				t.Errorf("Authorization header %q, want the key as a Bearer token", got)
			}
		})
	}
	t.Run("retry warnings", func(t *testing.T) {
		var logs bytes.Buffer
		log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
		s := newFakeServer(t, script(step{status: 503, message: echo}, step{}))
		e, err := New(Config{BaseURL: s.URL + "/v1", APIKey: testKey, Model: "m"}, log)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		e.backoffBase, e.backoffCap = time.Millisecond, time.Millisecond
		if _, err := e.Embed(context.Background(), texts(1)); err != nil {
			t.Fatalf("Embed: %v", err)
		}
		out := logs.String()
		if !strings.Contains(out, `"level":"WARN"`) || !strings.Contains(out, `"status":503`) {
			t.Errorf("want a warning with status 503, logs:\n%s", out)
		}
		if strings.Contains(out, testKey) {
			t.Errorf("logs hold the key:\n%s", out)
		}
	})
}

func TestEmbedConcurrent(t *testing.T) {
	s := newFakeServer(t, nil)
	e := newTestEmbedder(t, s, Config{BatchSize: 2})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			in := texts(5 + g)
			got, err := e.Embed(context.Background(), in)
			if err != nil {
				t.Errorf("Embed: %v", err)
				return
			}
			for i, text := range in {
				if !slices.Equal(got[i], unitVector(text, defaultDims)) {
					t.Errorf("goroutine %d: vector %d is wrong", g, i)
				}
			}
		})
	}
	wg.Wait()
}
