package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/siftdesk/sift/models"
)

var secret = []byte("a-subscriber-secret")

// receiver answers with the statuses in order (200 once they run out),
// checking each request's signature as a subscriber would.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	got      []Event
	bad      int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if Verify(req.Header.Get(SignatureHeader), secret, body, time.Now(), time.Minute) != nil {
		r.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	status := http.StatusOK
	if len(r.statuses) > 0 {
		status, r.statuses = r.statuses[0], r.statuses[1:]
	}
	if status == http.StatusOK {
		var ev Event
		json.Unmarshal(body, &ev)
		r.got = append(r.got, ev)
	}
	w.WriteHeader(status)
}

func newNotifier(waits *[]time.Duration) *Notifier {
	var mu sync.Mutex
	return New(Config{MaxAttempts: 4, Sleep: func(_ context.Context, d time.Duration) error {
		mu.Lock()
		*waits = append(*waits, d)
		mu.Unlock()
		return nil
	}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func TestDeliveryRetriesSignsAndLogs(t *testing.T) {
	rcv := &receiver{statuses: []int{http.StatusServiceUnavailable, http.StatusTooManyRequests}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	var waits []time.Duration
	n := newNotifier(&waits)
	if err := n.Subscribe(Subscription{ID: "status-page", URL: srv.URL, Secret: secret, Events: []EventType{KnownIssueOpened}}); err != nil {
		t.Fatal(err)
	}
	n.Publish(context.Background(), Event{Type: KnownIssueOpened, Data: map[string]string{"id": "INC-1"}})
	n.Publish(context.Background(), Event{Type: SpikeDetected}) // not subscribed
	n.Wait()
	if len(rcv.got) != 1 || rcv.got[0].Type != KnownIssueOpened || rcv.bad != 0 {
		t.Fatalf("received %+v (%d badly signed), want the one event once", rcv.got, rcv.bad)
	}
	if len(waits) != 2 || waits[0] != time.Second || waits[1] != 2*time.Second {
		t.Errorf("waits %v, want 1s then 2s", waits)
	}
	log := n.Deliveries("status-page")
	if len(log) != 3 || log[0].Status != 503 || log[1].Status != 429 || log[2].Status != 200 || !log[2].Final || log[1].Final {
		t.Errorf("delivery log %+v", log)
	}
}

func TestDeliveryGivesUp(t *testing.T) {
	for _, tc := range []struct {
		name     string
		statuses []int
		attempts int
	}{
		{"a refusal is final", []int{http.StatusGone}, 1},
		{"errors until MaxAttempts", []int{500, 500, 500, 500, 500}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(&receiver{statuses: tc.statuses})
			defer srv.Close()
			var waits []time.Duration
			n := newNotifier(&waits)
			n.Subscribe(Subscription{ID: "s", URL: srv.URL, Secret: secret, Events: EventTypes})
			n.Publish(context.Background(), Event{Type: ContentGapCrossed})
			n.Wait()
			log := n.Deliveries("")
			if len(log) != tc.attempts || !log[len(log)-1].Final || log[len(log)-1].Error == "" {
				t.Errorf("delivery log %+v, want %d attempts, the last final and failed", log, tc.attempts)
			}
		})
	}
}

func TestVerifyRefusesForgeriesAndReplays(t *testing.T) {
	body := []byte(`{"type":"spike.detected"}`)
	now := time.Now()
	good := Sign(secret, now, body)
	cases := []struct {
		name, header string
		body         []byte
		ok           bool
	}{
		{"signed", good, body, true},
		{"another body", good, []byte(`{}`), false},
		{"another secret", Sign([]byte("another-secret-xx"), now, body), body, false},
		{"replayed later", Sign(secret, now.Add(-time.Hour), body), body, false},
		{"malformed", "v1=abc", body, false},
	}
	for _, tc := range cases {
		if err := Verify(tc.header, secret, tc.body, now, 5*time.Minute); (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

func TestSubscriptionValidate(t *testing.T) {
	ok := Subscription{ID: "s1", URL: "https://chat.example/hook", Secret: secret, Events: []EventType{SpikeDetected}}
	for _, tc := range []struct {
		field string
		edit  func(*Subscription)
	}{
		{"url", func(s *Subscription) { s.URL = "ftp://x" }},
		{"secret", func(s *Subscription) { s.Secret = []byte("short") }},
		{"events", func(s *Subscription) { s.Events = []EventType{"ticket.eaten"} }},
		{"id", func(s *Subscription) { s.ID = "" }},
	} {
		s := ok
		tc.edit(&s)
		var e *models.Error
		if err := s.Validate(); !errors.As(err, &e) || e.Field != tc.field {
			t.Errorf("%s: %v, want an error about it", tc.field, err)
		}
	}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid subscription: %v", err)
	}
}

func TestWatcherPublishesChanges(t *testing.T) {
	incidents := []models.Incident{{ID: "I1", Status: models.IncidentInvestigating}}
	var spikes []Spike
	gaps := []Gap{{Topic: "refund damaged parcel", Size: 3}}
	var got []EventType
	w := &Watcher{
		Incidents:    func() []models.Incident { return incidents },
		Spikes:       func(context.Context) ([]Spike, error) { return spikes, nil },
		Gaps:         func(context.Context) ([]Gap, error) { return gaps, nil },
		GapThreshold: 10,
		Publish:      func(_ context.Context, ev Event) { got = append(got, ev.Type) },
	}
	ctx := context.Background()
	w.Check(ctx) // takes stock: I1 was open already
	if len(got) != 0 {
		t.Fatalf("the first check published %v", got)
	}
	incidents = []models.Incident{{ID: "I1", Status: models.IncidentResolved}, {ID: "I2", Status: models.IncidentIdentified}}
	spikes = []Spike{{Portal: models.PortalITSM, Size: 6, Tickets: []string{"T1", "T2"}}}
	gaps = []Gap{{Topic: "refund damaged parcel", Size: 12}}
	w.Check(ctx)
	want := []EventType{KnownIssueResolved, KnownIssueOpened, SpikeDetected, ContentGapCrossed}
	if len(got) != len(want) {
		t.Fatalf("published %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("published %v, want %v", got, want)
		}
	}
	got = nil
	w.Check(ctx) // nothing changed
	if len(got) != 0 {
		t.Errorf("an unchanged check published %v", got)
	}
	// A check whose gaps fail takes stock of nothing: the incident opened
	// meanwhile is published by the next good check.
	incidents = append(incidents, models.Incident{ID: "I3", Status: models.IncidentInvestigating})
	w.Gaps = func(context.Context) ([]Gap, error) { return nil, errors.New("gaps unavailable") }
	if err := w.Check(ctx); err == nil || len(got) != 0 {
		t.Errorf("a check whose gaps failed: %v, published %v; want an error, nothing published", err, got)
	}
	w.Gaps = func(context.Context) ([]Gap, error) { return gaps, nil }
	if err := w.Check(ctx); err != nil || !slices.Equal(got, []EventType{KnownIssueOpened}) {
		t.Errorf("the check after: %v, published %v; want I3 opened", err, got)
	}
}
