package helpdesktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"
)

// FakeZendesk is a local server that speaks the parts of Zendesk's API that sync uses, from the
// Help Center and Support API references: sections with categories
// side-loaded (next_page), the incremental article export (start_time,
// end_time, next_page, end_of_stream) and the cursor-based incremental
// ticket export (start_time, cursor, after_cursor, end_of_stream, with
// users, groups and organisations side-loaded). Every third request is
// answered 429 with Retry-After, as Zendesk's rate limit does. Pages hold
// PerPage records; Token is the API token it takes from
// agent@example.com.
type FakeZendesk struct {
	articles []map[string]any // ordered by updated_at
	tickets  []map[string]any // ordered by updated_at, then id
	PerPage  int
	Token    string
	*Server
}

// NewFakeZendesk starts a FakeZendesk with nArticles articles and nTickets
// tickets, ids from 1000 and 5000.
func NewFakeZendesk(t testing.TB, nArticles, nTickets int) *FakeZendesk {
	f := &FakeZendesk{PerPage: 50, Token: "s3cret-token"}
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
	f.Server = Serve(t, 3, "7", f.serve)
	return f
}

func (f *FakeZendesk) serve(w http.ResponseWriter, r *http.Request) {
	if user, pass, ok := r.BasicAuth(); !ok || user != "agent@example.com/token" || pass != f.Token {
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
				"next_page": f.URL + "/api/v2/help_center/sections.json?include=categories&page=2&per_page=100"}
		}
	case "/api/v2/help_center/incremental/articles":
		start, err := strconv.ParseInt(q.Get("start_time"), 10, 64)
		if err != nil {
			http.Error(w, `{"error":"InvalidValue"}`, http.StatusBadRequest)
			return
		}
		var out []map[string]any
		end := start
		for _, a := range f.articles {
			u, _ := time.Parse(time.RFC3339, a["updated_at"].(string))
			if u.Unix() >= start && len(out) < f.PerPage {
				out = append(out, a)
				end = u.Unix() + 1
			}
		}
		var next any
		if len(out) == f.PerPage {
			next = f.URL + r.URL.Path + "?start_time=" + strconv.FormatInt(end, 10)
		}
		page = map[string]any{"articles": out, "count": len(out), "end_time": end, "next_page": next, "end_of_stream": len(out) < f.PerPage}
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
		to := min(len(f.tickets), from+f.PerPage)
		cursor := q.Get("cursor")
		if to > from {
			last := f.tickets[to-1]
			cursor = fmt.Sprintf("c-%s %d", last["updated_at"], last["id"])
		}
		page = map[string]any{"tickets": f.tickets[from:to], "users": []map[string]any{{"id": 77, "email": "ada@example.com"}},
			"groups": []map[string]any{{"id": 88, "name": "Tier 1"}}, "organizations": []map[string]any{},
			"after_cursor": cursor, "after_url": f.URL + r.URL.Path + "?cursor=" + url.QueryEscape(cursor),
			"end_of_stream": to == len(f.tickets)}
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(page)
}

// Touch changes ticket i: a new subject (or a delete), updated now, moved
// to the end of the export as Zendesk orders it.
func (f *FakeZendesk) Touch(i int, deleted bool) {
	f.Lock()
	defer f.Unlock()
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
