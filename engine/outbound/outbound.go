// Package outbound tells other systems (a status page, a chat tool, a
// portal) what Sift notices: a known issue opened or resolved, a spike of
// near-duplicate tickets, a content gap that crossed a threshold.
//
// A subscription names a URL, a secret and the event types it wants. A
// Notifier POSTs each event to every subscription that wants it, as JSON,
// signed: X-Sift-Signature is "t=UNIX,v1=HEX", HEX the HMAC-SHA256 under
// the subscription's secret of "UNIX.BODY", so a receiver checks the body
// and refuses a replay (Verify does both). A delivery that fails (a
// network error, a 5xx, a 429) is tried again after 1 s, 2 s, 4 s... up to
// MaxAttempts tries; a 4xx other than 429 is final. Every attempt goes to
// the delivery log, newest last. A Watcher polls what the engine knows and
// publishes the changes as events.
//
// Measure it with go test ./engine/outbound -v: the tests run a receiver
// that fails, rate-limits and then accepts, and check the signatures,
// the retries and the log.
package outbound

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/siftdesk/sift/models"
)

// EventType names what happened.
type EventType string

// The events Sift publishes.
const (
	KnownIssueOpened   EventType = "known_issue.opened"
	KnownIssueResolved EventType = "known_issue.resolved"
	SpikeDetected      EventType = "spike.detected"
	ContentGapCrossed  EventType = "content_gap.crossed"
)

// EventTypes lists every event type.
var EventTypes = []EventType{KnownIssueOpened, KnownIssueResolved, SpikeDetected, ContentGapCrossed}

// Event is one thing that happened, as its subscribers receive it.
type Event struct {
	ID   string    `json:"id"`
	Type EventType `json:"type"`
	At   time.Time `json:"at"`
	Data any       `json:"data"`
}

// Subscription is who wants which events, where.
type Subscription struct {
	ID     string      `json:"id"`
	URL    string      `json:"url"`
	Secret []byte      `json:"-"`
	Events []EventType `json:"events"`
}

// MinSecretBytes is the shortest secret a subscription may have.
const MinSecretBytes = 16

// Validate reports the first problem with the subscription, naming the
// field.
func (s Subscription) Validate() error {
	if err := models.ValidateID(s.ID); err != nil {
		return err
	}
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return models.Invalid("url", "want an http or https address, got %q", s.URL)
	}
	if len(s.Secret) < MinSecretBytes {
		return models.Invalid("secret", "want at least %d bytes", MinSecretBytes)
	}
	if len(s.Events) == 0 {
		return models.Invalid("events", "name at least one event")
	}
	for _, e := range s.Events {
		if !slices.Contains(EventTypes, e) {
			return models.Invalid("events", "unknown event %q", e)
		}
	}
	return nil
}

// Delivery is one attempt to deliver an event to a subscription.
type Delivery struct {
	Subscription string    `json:"subscription"`
	Event        string    `json:"event"`
	Type         EventType `json:"type"`
	Attempt      int       `json:"attempt"`
	At           time.Time `json:"at"`
	Status       int       `json:"status,omitempty"` // the receiver's answer; 0 when none came
	Error        string    `json:"error,omitempty"`
	// Final is true on the attempt that delivered the event or gave up.
	Final bool `json:"final"`
}

// Config tunes a Notifier. Zero values are the defaults.
type Config struct {
	// HTTP sends the requests; nil means a client with a 10 s timeout.
	HTTP *http.Client
	// MaxAttempts bounds the tries of one delivery; 0 means 6.
	MaxAttempts int
	// MaxBackoff bounds the wait between tries; 0 means 5 minutes.
	MaxBackoff time.Duration
	// LogSize is how many attempts the delivery log keeps; 0 means 1,000.
	LogSize int
	// Sleep waits for d or until ctx ends; nil means a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Notifier delivers events to their subscribers. It is safe for
// concurrent use.
type Notifier struct {
	cfg  Config
	log  *slog.Logger
	mu   sync.Mutex
	subs map[string]Subscription
	sent []Delivery // the delivery log, oldest first
	wg   sync.WaitGroup
}

// New returns a notifier with no subscriptions.
func New(cfg Config, log *slog.Logger) *Notifier {
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 6
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.LogSize == 0 {
		cfg.LogSize = 1000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return &Notifier{cfg: cfg, log: log.With("component", "outbound"), subs: map[string]Subscription{}}
}

// Subscribe adds or replaces a subscription after validating it.
func (n *Notifier) Subscribe(s Subscription) error {
	if err := s.Validate(); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.subs[s.ID] = s
	return nil
}

// Unsubscribe removes a subscription; a missing one is not found.
func (n *Notifier) Unsubscribe(id string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.subs[id]; !ok {
		return models.NotFound("subscription %q not found", id)
	}
	delete(n.subs, id)
	return nil
}

// Publish delivers ev, in the background, to every subscription that
// wants its type; an event without an id or a time gets them. Deliveries
// stop when ctx ends; Wait waits for them.
func (n *Notifier) Publish(ctx context.Context, ev Event) {
	if ev.ID == "" {
		ev.ID = newID()
	}
	if ev.At.IsZero() {
		ev.At = n.cfg.Now().UTC()
	}
	body, err := json.Marshal(ev)
	if err != nil {
		n.log.Error("an event does not encode", "type", ev.Type, "err", err)
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, s := range n.subs {
		if slices.Contains(s.Events, ev.Type) {
			n.wg.Add(1)
			go func() {
				defer n.wg.Done()
				n.deliver(ctx, s, ev, body)
			}()
		}
	}
}

// Wait waits for the deliveries under way to finish or give up.
func (n *Notifier) Wait() { n.wg.Wait() }

// Deliveries returns the delivery log of a subscription (every one when
// id is empty), oldest first.
func (n *Notifier) Deliveries(id string) []Delivery {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []Delivery
	for _, d := range n.sent {
		if id == "" || d.Subscription == id {
			out = append(out, d)
		}
	}
	return out
}

// deliver tries to POST body to s until it is accepted, refused for good,
// or MaxAttempts tries failed.
func (n *Notifier) deliver(ctx context.Context, s Subscription, ev Event, body []byte) {
	backoff := time.Second
	for attempt := 1; ; attempt++ {
		status, err := n.post(ctx, s, ev, body)
		d := Delivery{Subscription: s.ID, Event: ev.ID, Type: ev.Type, Attempt: attempt, At: n.cfg.Now().UTC(), Status: status}
		retry := err != nil || status == http.StatusTooManyRequests || status >= 500
		switch {
		case err != nil:
			d.Error = err.Error()
		case status/100 != 2:
			d.Error = http.StatusText(status)
		}
		d.Final = !retry || attempt >= n.cfg.MaxAttempts || ctx.Err() != nil
		n.record(d)
		if d.Final {
			if d.Error != "" {
				n.log.Warn("gave up delivering an event", "subscription", s.ID, "event", ev.ID, "attempts", attempt, "err", d.Error)
			}
			return
		}
		if n.cfg.Sleep(ctx, min(backoff, n.cfg.MaxBackoff)) != nil {
			return
		}
		backoff *= 2
	}
}

func (n *Notifier) post(ctx context.Context, s Subscription, ev Event, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Sift-Event", string(ev.Type))
	req.Header.Set("X-Sift-Delivery", ev.ID)
	req.Header.Set(SignatureHeader, Sign(s.Secret, n.cfg.Now(), body))
	resp, err := n.cfg.HTTP.Do(req)
	if err != nil {
		if ue, ok := err.(*url.Error); ok {
			err = ue.Err // without the address, which may carry a token
		}
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// record adds d to the delivery log, dropping the oldest past LogSize.
func (n *Notifier) record(d Delivery) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, d)
	if over := len(n.sent) - n.cfg.LogSize; over > 0 {
		n.sent = slices.Delete(n.sent, 0, over)
	}
}

// SignatureHeader carries an event's signature.
const SignatureHeader = "X-Sift-Signature"

// Sign returns the signature header of body sent at t under secret:
// "t=UNIX,v1=HEX", HEX the HMAC-SHA256 of "UNIX.BODY".
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature header of body, as a receiver does: it must
// be Sign's under secret, made within tolerance of now.
func Verify(header string, secret, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return models.Unauthorized("%s: want t=UNIX,v1=HEX", SignatureHeader)
	}
	at := time.Unix(unix, 0)
	if d := now.Sub(at); d > tolerance || d < -tolerance {
		return models.Unauthorized("%s: signed at %s, more than %v from now", SignatureHeader, at.UTC().Format(time.RFC3339), tolerance)
	}
	if want := Sign(secret, at, body); !hmac.Equal([]byte("t="+ts+",v1="+sig), []byte(want)) {
		return models.Unauthorized("%s does not match the body", SignatureHeader)
	}
	return nil
}

// newID returns a random event id.
func newID() string {
	var b [12]byte
	rand.Read(b[:]) // never returns an error (crypto/rand, Go 1.24 on)
	return "ev_" + hex.EncodeToString(b[:])
}

// Subscriptions returns every subscription, by id.
func (n *Notifier) Subscriptions() []Subscription {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]Subscription, 0, len(n.subs))
	for _, s := range n.subs {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Subscription) int { return strings.Compare(a.ID, b.ID) })
	return out
}
