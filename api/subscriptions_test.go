package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/engine/outbound"
	"github.com/siftdesk/sift/models"
)

func TestSubscriptions(t *testing.T) {
	got := make(chan string, 4)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- r.Header.Get("X-Sift-Event") + " " + string(body)
	}))
	defer receiver.Close()
	n := outbound.New(outbound.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s := newServer(t, api.Config{Outbound: n})

	sub := map[string]any{"id": "status-page", "url": receiver.URL, "secret": "a-long-enough-secret", "events": []string{"known_issue.opened"}}
	r := s.do(http.MethodPost, "/v1/subscriptions", sub).mustStatus(t, http.StatusCreated)
	if strings.Contains(string(r.Body), "a-long-enough-secret") {
		t.Errorf("the secret came back: %s", r.Body)
	}
	bad := map[string]any{"id": "x", "url": "ftp://nope", "secret": "a-long-enough-secret", "events": []string{"spike.detected"}}
	checkProblem(t, s.do(http.MethodPost, "/v1/subscriptions", bad), http.StatusBadRequest, models.CodeInvalid, "url")

	var list struct {
		Subscriptions []outbound.Subscription `json:"subscriptions"`
	}
	s.do(http.MethodGet, "/v1/subscriptions", nil).mustStatus(t, http.StatusOK).decode(t, &list)
	if len(list.Subscriptions) != 1 || list.Subscriptions[0].URL != receiver.URL {
		t.Errorf("subscriptions %+v", list.Subscriptions)
	}

	n.Publish(context.Background(), outbound.Event{Type: outbound.KnownIssueOpened, Data: map[string]string{"id": "INC-1"}})
	n.Wait()
	if ev := <-got; !strings.HasPrefix(ev, "known_issue.opened {") || !strings.Contains(ev, "INC-1") {
		t.Errorf("received %q", ev)
	}
	var log struct {
		Deliveries []outbound.Delivery `json:"deliveries"`
	}
	s.do(http.MethodGet, "/v1/deliveries?subscription=status-page", nil).mustStatus(t, http.StatusOK).decode(t, &log)
	if len(log.Deliveries) != 1 || log.Deliveries[0].Status != http.StatusOK || !log.Deliveries[0].Final {
		t.Errorf("delivery log %+v", log.Deliveries)
	}

	s.do(http.MethodDelete, "/v1/subscriptions/status-page", nil).mustStatus(t, http.StatusNoContent)
	checkProblem(t, s.do(http.MethodDelete, "/v1/subscriptions/status-page", nil), http.StatusNotFound, models.CodeNotFound, "")

	// A server without a notifier says so.
	plain := newServer(t, api.Config{})
	checkProblem(t, plain.do(http.MethodGet, "/v1/subscriptions", nil), http.StatusServiceUnavailable, models.CodeUnavailable, "", "not configured")
}
