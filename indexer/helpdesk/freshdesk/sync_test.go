package freshdesk

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/indexer/helpdesk/helpdesktest"
)

// fakeFreshdesk speaks Freshdesk's API v2 list endpoints as the sync uses
// them: GET /api/v2/companies and /api/v2/groups (per_page, page), and
// GET /api/v2/tickets with updated_since, order_by=updated_at,
// order_type=asc, per_page and page; each a bare JSON array, with a Link
// header rel="next" while more pages follow. Every third request is
// answered 429 with Retry-After, as Freshdesk's rate limit does.
type fakeFreshdesk struct {
	tickets []map[string]any // ordered by updated_at
	srv     *helpdesktest.Server
}

func newFakeFreshdesk(t *testing.T, n int) *fakeFreshdesk {
	f := &fakeFreshdesk{}
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		f.tickets = append(f.tickets, map[string]any{"id": 1 + i, "subject": fmt.Sprintf("Ticket %d", i), "description_text": "help",
			"status": 2, "priority": 1, "company_id": 900, "group_id": 600, "created_at": t0.Format(time.RFC3339),
			"updated_at": t0.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
			"requester":  map[string]any{"email": "ada@example.com"}, "stats": map[string]any{"resolved_at": nil}})
	}
	f.srv = helpdesktest.Serve(t, 3, "9", f.serve)
	return f
}

func (f *fakeFreshdesk) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	perPage, err1 := strconv.Atoi(q.Get("per_page"))
	page, err2 := strconv.Atoi(q.Get("page"))
	if err1 != nil || err2 != nil || perPage > 100 || page < 1 {
		http.Error(w, `{"description":"Validation failed"}`, http.StatusBadRequest)
		return
	}
	var all []map[string]any
	switch r.URL.Path {
	case "/api/v2/companies":
		all = []map[string]any{{"id": 900, "name": "Hearthmail", "domains": []string{}}}
	case "/api/v2/groups":
		all = []map[string]any{{"id": 600, "name": "Returns", "agent_ids": []int{}}}
	case "/api/v2/tickets":
		since, err := time.Parse(time.RFC3339, q.Get("updated_since"))
		if err != nil || q.Get("order_by") != "updated_at" || q.Get("order_type") != "asc" {
			http.Error(w, `{"description":"Validation failed"}`, http.StatusBadRequest)
			return
		}
		for _, tk := range f.tickets {
			if u, _ := time.Parse(time.RFC3339, tk["updated_at"].(string)); !u.Before(since) {
				all = append(all, tk)
			}
		}
	default:
		http.NotFound(w, r)
		return
	}
	from := min((page-1)*perPage, len(all))
	to := min(from+perPage, len(all))
	if to < len(all) {
		next := *r.URL
		q.Set("page", strconv.Itoa(page+1))
		next.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, f.srv.URL, next.String()))
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(all[from:to])
}

func (f *fakeFreshdesk) sync(t *testing.T) *helpdesktest.Sync {
	return helpdesktest.NewSync(t, func() helpdesk.Desk { return New() }, Streams(), f.srv.URL,
		func(r *http.Request) { r.SetBasicAuth("api-key", "X") })
}

func TestSyncPullsChangesSinceTheCursor(t *testing.T) {
	f := newFakeFreshdesk(t, 730)
	s := f.sync(t)
	s.Run(t)
	if len(s.Store.Docs) != 730 {
		t.Fatalf("first sync: %d documents, want 730", len(s.Store.Docs))
	}
	if len(s.Waits) == 0 || s.Waits[0] != 9*time.Second {
		t.Errorf("waits %v, want Retry-After's 9s", s.Waits)
	}
	if tk := s.Store.Docs["ticket/1"].Ticket; tk == nil || tk.Org != "Hearthmail" || tk.Group != "Returns" {
		t.Errorf("ticket 1 = %+v, want company and group names", tk)
	}
	f.srv.Lock()
	tk := f.tickets[3]
	tk["subject"], tk["updated_at"] = "Ticket 3, edited", "2024-07-01T00:00:00Z"
	f.tickets = append(append(f.tickets[:3:3], f.tickets[4:]...), tk)
	f.srv.Unlock()
	clear(s.Store.Writes)
	s.Run(t)
	if w := s.Store.Writes; w["ticket/4"] != 1 || w["ticket/5"] != 0 || len(w) > 2 {
		t.Errorf("second sync wrote %v, want ticket 4 (and the latest one again)", w)
	}
}

func TestSyncResumesAfterAKill(t *testing.T) {
	f := newFakeFreshdesk(t, 450)
	f.sync(t).KillUntilDone(t, 450, 4) // six runs: one started over would write the first page six times
}
