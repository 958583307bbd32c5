package zendesk

import (
	"encoding/base64"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/indexer/helpdesk/helpdesktest"
	"github.com/siftdesk/sift/models"
)

func TestHookVerify(t *testing.T) {
	now := time.Date(2024, 7, 21, 10, 0, 0, 0, time.UTC)
	h := &Hook{Secret: []byte("signing-secret"), Now: func() time.Time { return now }}
	body := []byte(`{"ticket":{"id":1}}`)
	signed := func(ts string, b []byte) http.Header {
		hd := http.Header{}
		hd.Set(TimestampHeader, ts)
		hd.Set(SignatureHeader, base64.StdEncoding.EncodeToString(helpdesk.Sign([]byte("signing-secret"), []byte(ts), b)))
		return hd
	}
	fresh := now.Add(-time.Minute).Format(time.RFC3339)
	cases := []struct {
		name   string
		header http.Header
		ok     bool
	}{
		{"signed", signed(fresh, body), true},
		{"no headers", http.Header{}, false},
		{"another body", signed(fresh, []byte(`{"ticket":{"id":2}}`)), false},
		{"replayed an hour later", signed(now.Add(-time.Hour).Format(time.RFC3339), body), false},
		{"timestamp not a time", signed("yesterday", body), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := h.Verify(tc.header, body)
			if (err == nil) != tc.ok || err != nil && !errors.Is(err, models.ErrUnauthorized) {
				t.Errorf("Verify = %v, want ok %v (or an unauthorised error)", err, tc.ok)
			}
		})
	}
}

func TestHookChanges(t *testing.T) {
	cases := []struct {
		name, body string
		want       models.Change
	}{
		{"trigger body", `{"ticket":{"id":7,"subject":"s","created_at":"2024-01-01T00:00:00Z"}}`, models.Change{Kind: models.KindTicket, ID: "7"}},
		{"event", `{"type":"zen:event-type:ticket.status_changed","detail":{"id":"8","subject":"s","status":"open"}}`, models.Change{Kind: models.KindTicket, ID: "8"}},
		{"deleted event", `{"type":"zen:event-type:ticket.soft_deleted","detail":{"id":"9"}}`, models.Change{Kind: models.KindTicket, ID: "9", Delete: true}},
		{"article", `{"article":{"id":10,"title":"t","body":"<p>b</p>"}}`, models.Change{Kind: models.KindArticle, ID: "10"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := (&Hook{}).Changes([]byte(tc.body))
			if err != nil || len(got) != 1 || got[0].Kind != tc.want.Kind || got[0].ID != tc.want.ID || got[0].Delete != tc.want.Delete {
				t.Errorf("Changes = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	if _, err := (&Hook{}).Changes([]byte(`{"user":{}}`)); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("an unknown body: %v, want invalid", err)
	}
}

func FuzzImportAndHook(f *testing.F) {
	helpdesktest.FuzzDesk(f, func() helpdesk.Desk { return New() }, (&Hook{}).Changes, "testdata/articles.json", "testdata/tickets.json")
}
