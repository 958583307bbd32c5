package zendesk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/indexer/helpdesk/helpdesktest"
)

// fakeZendesk speaks the parts of Zendesk's API that sync uses, from the
// Help Center and Support API references: sections with categories
// side-loaded (next_page), the incremental article export (start_time,
// end_time, next_page, end_of_stream) and the cursor-based incremental
// ticket export (start_time, cursor, after_cursor, end_of_stream, with
// users, groups and organisations side-loaded). Every third request is
// answered 429 with Retry-After, as Zendesk's rate limit does. Pages hold
// perPage records.
type fakeZendesk struct {
	articles []map[string]any // ordered by updated_at
	tickets  []map[string]any // ordered by updated_at, then id
	perPage  int
	token    string
	srv      *helpdesktest.Server
}

func newFakeZendesk(t *testing.T, nArticles, nTickets int) *fakeZendesk {
	f := &fakeZendesk{perPage: 50, token: "s3cret-token"}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range nArticles {
		f.articles = append(f.articles, map[string]any{"id": 1000 + i, "title": fmt.Sprintf("Article %d", i), "section_id": 1 + i%2,
			"body": fmt.Sprintf("<p>Body %d</p>", i), "label_names": []string{}, "draft": false, "locale": "en-us",
			"updated_at": base.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)})
	}
	for i := range nTickets {
		f.tickets = append(f.tickets, map[string]any{"id": 5000 + i, "subject": fmt.Sprintf("Ticket %d", i), "description": "help",
			"status": "open", "priority": "normal", "requester_id": 77, "group_id": 88, "tags": []string{"t"},
			"created_at": base.Format(time.RFC3339), "updated_at": base.Add(time.Duration(i) * time.Second).Format(time.RFC3339)})
	}
	f.srv = helpdesktest.Serve(t, 3, "7", f.serve)
	return f
}

func (f *fakeZendesk) serve(w http.ResponseWriter, r *http.Request) {
	if user, pass, ok := r.BasicAuth(); !ok || user != "agent@example.com/token" || pass != f.token {
		http.Error(w, `{"error":"Couldn't authenticate you"}`, http.StatusUnauthorized)
		return
	}
	q := r.URL.Query()
	var page map[string]any
	switch r.URL.Path {
	case "/api/v2/help_center/sections.json":
		if q.Get("page") == "2" {
			page = map[string]any{"sections": []map[string]any{{"id": 2, "name": "Billing", "category_id": 10}}, "categories": []map[string]any{{"id": 10, "name": "Thermo"}}, "next_page": nil}
		} else {
			page = map[string]any{"sections": []map[string]any{{"id": 1, "name": "Account", "category_id": 10}}, "categories": []map[string]any{{"id": 10, "name": "Thermo"}},
				"next_page": f.srv.URL + "/api/v2/help_center/sections.json?include=categories&page=2&per_page=100"}
		}
	case "/api/v2/help_center/incremental/articles.json":
		start, err := strconv.ParseInt(q.Get("start_time"), 10, 64)
		if err != nil {
			http.Error(w, `{"error":"InvalidValue"}`, http.StatusBadRequest)
			return
		}
		var out []map[string]any
		end := start
		for _, a := range f.articles {
			u, _ := time.Parse(time.RFC3339, a["updated_at"].(string))
			if u.Unix() >= start && len(out) < f.perPage {
				out = append(out, a)
				end = u.Unix() + 1
			}
		}
		var next any
		if len(out) == f.perPage {
			next = f.srv.URL + r.URL.Path + "?start_time=" + strconv.FormatInt(end, 10)
		}
		page = map[string]any{"articles": out, "count": len(out), "end_time": end, "next_page": next, "end_of_stream": len(out) < f.perPage}
	case "/api/v2/incremental/tickets/cursor.json":
		// A cursor is the updated_at and id of the last ticket returned,
		// as the order of the export is.
		var after func(map[string]any) bool
		if c := q.Get("cursor"); c != "" {
			var u string
			var id int
			if _, err := fmt.Sscanf(c, "c-%s %d", &u, &id); err != nil {
				http.Error(w, `{"error":"InvalidCursor"}`, http.StatusBadRequest)
				return
			}
			after = func(tk map[string]any) bool {
				return tk["updated_at"].(string) > u || tk["updated_at"].(string) == u && tk["id"].(int) > id
			}
		} else {
			start, err := strconv.ParseInt(q.Get("start_time"), 10, 64)
			if err != nil {
				http.Error(w, `{"error":"InvalidValue"}`, http.StatusBadRequest)
				return
			}
			after = func(tk map[string]any) bool {
				u, _ := time.Parse(time.RFC3339, tk["updated_at"].(string))
				return u.Unix() >= start
			}
		}
		from := slices.IndexFunc(f.tickets, after)
		if from < 0 {
			from = len(f.tickets)
		}
		to := min(len(f.tickets), from+f.perPage)
		cursor := q.Get("cursor")
		if to > from {
			last := f.tickets[to-1]
			cursor = fmt.Sprintf("c-%s %d", last["updated_at"], last["id"])
		}
		page = map[string]any{"tickets": f.tickets[from:to], "users": []map[string]any{{"id": 77, "email": "ada@example.com"}},
			"groups": []map[string]any{{"id": 88, "name": "Tier 1"}}, "organizations": []map[string]any{},
			"after_cursor": cursor, "after_url": f.srv.URL + r.URL.Path + "?cursor=" + url.QueryEscape(cursor),
			"end_of_stream": to == len(f.tickets)}
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(page)
}

// touch changes ticket i: a new subject (or a delete), updated now, moved
// to the end of the export as Zendesk orders it.
func (f *fakeZendesk) touch(i int, deleted bool) {
	f.srv.Lock()
	defer f.srv.Unlock()
	var tk map[string]any
	for j, x := range f.tickets {
		if x["id"] == 5000+i {
			tk = x
			f.tickets = slices.Delete(f.tickets, j, j+1)
			break
		}
	}
	tk["subject"] = fmt.Sprintf("Ticket %d, edited", i)
	if deleted {
		tk["status"] = "deleted"
	}
	tk["updated_at"] = time.Date(2025, 1, 1, 0, 0, len(f.tickets), 0, time.UTC).Format(time.RFC3339)
	f.tickets = append(f.tickets, tk)
}

// sync returns the sync of f's desk, its cursors in a new folder.
func (f *fakeZendesk) sync(t *testing.T) *helpdesktest.Sync {
	token := f.token
	return helpdesktest.NewSync(t, func() helpdesk.Desk { return New() }, Streams(), f.srv.URL,
		func(r *http.Request) { r.SetBasicAuth("agent@example.com/token", token) })
}

func TestSyncPullsChangesSinceTheCursor(t *testing.T) {
	f := newFakeZendesk(t, 120, 430)
	s := f.sync(t)
	stats := s.Run(t)
	if stats.Changes != 550 || len(s.Store.Docs) != 550 {
		t.Fatalf("first sync: %+v, %d documents; want 550", stats, len(s.Store.Docs))
	}
	if f.srv.Limited == 0 || len(s.Waits) != f.srv.Limited || s.Waits[0] != 7*time.Second {
		t.Errorf("waited %v for %d answers 429 with Retry-After: 7", s.Waits, f.srv.Limited)
	}
	if a := s.Store.Docs["article/1001"].Article; a == nil || a.Category != "Billing" || a.Product != "Thermo" {
		t.Errorf("article 1001 = %+v, want its section and category from the sections stream", a)
	}
	if tk := s.Store.Docs["ticket/5000"].Ticket; tk == nil || tk.Requester != "ada@example.com" || tk.Group != "Tier 1" {
		t.Errorf("ticket 5000 = %+v, want the side-loaded requester and group", tk)
	}

	// A second sync pulls only what changed, deletes included.
	f.touch(3, false)
	f.touch(4, true)
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
	f := newFakeZendesk(t, 60, 230)
	f.sync(t).KillUntilDone(t, 290, 2)
}

func TestSyncNeverShowsTheToken(t *testing.T) {
	f := newFakeZendesk(t, 1, 1)
	sy := f.sync(t).Syncer(t)
	var log bytes.Buffer
	sy.Log = slog.New(slog.NewTextHandler(&log, nil))
	f.token = "another-token" // the server no longer takes the client's
	_, err := sy.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Unauthorized (401)") {
		t.Fatalf("err = %v, want 401", err)
	}
	if strings.Contains(err.Error()+log.String(), "s3cret-token") {
		t.Errorf("the token leaked: %v\n%s", err, log.String())
	}
}
