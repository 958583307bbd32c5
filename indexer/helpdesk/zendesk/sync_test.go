package zendesk

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/indexer/helpdesk/helpdesktest"
)

// newSync returns the sync of f's desk, its cursors in a new folder.
func newSync(t *testing.T, f *helpdesktest.FakeZendesk) *helpdesktest.Sync {
	token := f.Token
	return helpdesktest.NewSync(t, func() helpdesk.Desk { return New() }, Streams(), f.URL,
		func(r *http.Request) { r.SetBasicAuth("agent@example.com/token", token) })
}

func TestSyncPullsChangesSinceTheCursor(t *testing.T) {
	f := helpdesktest.NewFakeZendesk(t, 120, 430)
	s := newSync(t, f)
	stats := s.Run(t)
	if stats.Changes != 550 || len(s.Store.Docs) != 550 {
		t.Fatalf("first sync: %+v, %d documents; want 550", stats, len(s.Store.Docs))
	}
	if f.Limited == 0 || len(s.Waits) != f.Limited || s.Waits[0] != 7*time.Second {
		t.Errorf("waited %v for %d answers 429 with Retry-After: 7", s.Waits, f.Limited)
	}
	if a := s.Store.Docs["article/1001"].Article; a == nil || a.Category != "Billing" || a.Product != "Thermo" {
		t.Errorf("article 1001 = %+v, want its section and category from the sections stream", a)
	}
	if tk := s.Store.Docs["ticket/5000"].Ticket; tk == nil || tk.Requester != "ada@example.com" || tk.Group != "Tier 1" {
		t.Errorf("ticket 5000 = %+v, want the side-loaded requester and group", tk)
	}

	// A second sync pulls only what changed, deletes included.
	f.Touch(3, false)
	f.Touch(4, true)
	clear(s.Store.Writes)
	stats = s.Run(t)
	if w := s.Store.Writes; w["ticket/5003"] != 1 || w["ticket/5004"] != 1 || w["ticket/5005"] != 0 {
		t.Errorf("second sync wrote %v, want tickets 5003 and 5004 once each", w)
	}
	if tk := s.Store.Docs["ticket/5003"].Ticket; tk == nil || tk.Subject != "Ticket 3, edited" {
		t.Errorf("edited ticket = %+v", tk)
	}
	if _, ok := s.Store.Docs["ticket/5004"]; ok || stats.Deletes != 1 {
		t.Errorf("deleted ticket still there (stats %+v)", stats)
	}
}

func TestSyncResumesAfterAKill(t *testing.T) {
	f := helpdesktest.NewFakeZendesk(t, 60, 230)
	newSync(t, f).KillUntilDone(t, 290, 2)
}

func TestSyncNeverShowsTheToken(t *testing.T) {
	f := helpdesktest.NewFakeZendesk(t, 1, 1)
	sy := newSync(t, f).Syncer(t)
	var log bytes.Buffer
	sy.Log = slog.New(slog.NewTextHandler(&log, nil))
	f.Token = "another-token" // the server no longer takes the client's
	_, err := sy.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Unauthorized (401)") {
		t.Fatalf("err = %v, want 401", err)
	}
	if strings.Contains(err.Error()+log.String(), "s3cret-token") {
		t.Errorf("the token leaked: %v\n%s", err, log.String())
	}
}
