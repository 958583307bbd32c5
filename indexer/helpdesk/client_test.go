package helpdesk

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestClientWaitsOutRateLimitsAndErrors(t *testing.T) {
	answers := []func(w http.ResponseWriter){
		func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
		},
		func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", time.Now().Add(90*time.Second).UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
		},
		func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) },
		func(w http.ResponseWriter) { w.WriteHeader(http.StatusTooManyRequests) }, // no Retry-After
		func(w http.ResponseWriter) { w.Write([]byte(`{"ok":true}`)) },
	}
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		answers[n](w)
		n++
	}))
	defer srv.Close()
	var waits []time.Duration
	c := &Client{Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
	body, _, err := c.Get(context.Background(), srv.URL+"/x")
	if err != nil || string(body) != `{"ok":true}` {
		t.Fatalf("Get = %s, %v", body, err)
	}
	if len(waits) != 4 || waits[0] != 3*time.Second || waits[1] < 80*time.Second || waits[1] > 90*time.Second ||
		waits[2] != time.Second || waits[3] != 2*time.Second {
		t.Errorf("waits = %v, want 3s, about 90s (an HTTP date), then backoff 1s, 2s", waits)
	}
}

func TestClientGivesUp(t *testing.T) {
	cases := []struct {
		name   string
		status int
		tries  int
	}{
		{"not found is not retried", http.StatusNotFound, 1},
		{"unauthorized is not retried", http.StatusUnauthorized, 1},
		{"429 forever gives up after Retries", http.StatusTooManyRequests, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tries := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tries++
				http.Error(w, "nope", tc.status)
			}))
			defer srv.Close()
			c := &Client{Retries: 2, Sleep: func(context.Context, time.Duration) error { return nil }}
			_, _, err := c.Get(context.Background(), srv.URL+"/api?token=secret")
			if err == nil || tries != tc.tries {
				t.Fatalf("err %v after %d tries, want an error after %d", err, tries, tc.tries)
			}
			if strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "/api: ") {
				t.Errorf("error %q: want the address without its query", err)
			}
		})
	}
}

func TestWindowAdvance(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	w, err := ParseWindow("", t0)
	if err != nil {
		t.Fatal(err)
	}
	c := w.Advance(100, t0.Add(time.Hour), true) // a full page, more to come
	w, _ = ParseWindow(c, t0)
	if w.Start != 0 || !w.Since.Equal(t0.Add(time.Hour)) || !w.Latest.Equal(t0.Add(time.Hour)) {
		t.Errorf("after a page: %+v, want a listing from its latest update", w)
	}
	c = w.Advance(100, t0.Add(time.Hour), true) // a page all of that time
	w, _ = ParseWindow(c, t0)
	if w.Start != 100 || !w.Since.Equal(t0.Add(time.Hour)) {
		t.Errorf("after a page of one time: %+v, want to move on by offset", w)
	}
	c = w.Advance(20, t0.Add(2*time.Hour), false) // the last page
	w, _ = ParseWindow(c, t0)
	if w.Start != 0 || !w.Since.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("after the listing: %+v, want the next from the latest update", w)
	}
	if _, err := ParseWindow("{bad", t0); err == nil {
		t.Error("a bad cursor parsed")
	}
}
