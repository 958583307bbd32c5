package jira

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/indexer/helpdesk/helpdesktest"
)

// fakeJira speaks Jira's enhanced issue search (GET /rest/api/3/search/jql
// with jql `updated >= "yyyy/MM/dd HH:mm" ORDER BY updated ASC, key ASC`,
// maxResults, fields and nextPageToken; {issues, nextPageToken, isLast})
// and Confluence's
// content search (GET /wiki/rest/api/content/search with cql `type=page
// and lastmodified >= "yyyy-MM-dd HH:mm" order by lastmodified asc`,
// start, limit; {results, start, limit, size, _links.next}), both to the
// minute. Every fifth request is answered 429 with Retry-After.
type fakeJira struct {
	issues []map[string]any // ordered by updated, then key
	pages  []map[string]any // ordered by version.when
	srv    *helpdesktest.Server
}

var (
	jqlSince = regexp.MustCompile(`^updated >= "(\d{4}/\d\d/\d\d \d\d:\d\d)" ORDER BY updated ASC, key ASC$`)
	cqlSince = regexp.MustCompile(`^type=page and lastmodified >= "(\d{4}-\d\d-\d\d \d\d:\d\d)" order by lastmodified asc$`)
)

func newFakeJira(t *testing.T, pages, issues int) *fakeJira {
	f := &fakeJira{}
	t0 := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	for i := range pages {
		f.pages = append(f.pages, map[string]any{"id": strconv.Itoa(100 + i), "type": "page", "status": "current", "title": fmt.Sprintf("Page %d", i),
			"body":    map[string]any{"storage": map[string]any{"value": "<p>text</p>", "representation": "storage"}},
			"version": map[string]any{"when": t0.Add(time.Duration(i) * 20 * time.Second).Format("2006-01-02T15:04:05.000Z"), "number": 1}})
	}
	for i := range issues {
		f.issues = append(f.issues, map[string]any{"id": strconv.Itoa(10000 + i), "key": fmt.Sprintf("ITSM-%04d", i), "fields": map[string]any{
			"summary": fmt.Sprintf("Issue %d", i), "created": t0.Format(TimeLayout), "priority": map[string]any{"name": "Medium"},
			"updated": t0.Add(time.Duration(i) * 10 * time.Second).Format(TimeLayout)}})
	}
	f.srv = helpdesktest.Serve(t, 5, "4", f.serve)
	return f
}

func (f *fakeJira) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var page any
	switch r.URL.Path {
	case "/rest/api/3/search/jql":
		m := jqlSince.FindStringSubmatch(q.Get("jql"))
		limit, err1 := strconv.Atoi(q.Get("maxResults"))
		start, err2 := 0, error(nil)
		if tok := q.Get("nextPageToken"); tok != "" {
			_, err2 = fmt.Sscanf(tok, "p-%d", &start)
		}
		if m == nil || err1 != nil || err2 != nil || q.Get("fields") != "*all" {
			http.Error(w, `{"errorMessages":["bad request"]}`, http.StatusBadRequest)
			return
		}
		since, _ := time.Parse("2006/01/02 15:04", m[1])
		var hits []map[string]any
		for _, is := range f.issues {
			u, _ := time.Parse(TimeLayout, is["fields"].(map[string]any)["updated"].(string))
			if !u.Before(since) {
				hits = append(hits, is)
			}
		}
		out := hits[min(start, len(hits)):]
		res := map[string]any{"issues": out[:min(limit, len(out))], "isLast": len(out) <= limit}
		if len(out) > limit {
			res["nextPageToken"] = fmt.Sprintf("p-%d", start+limit) // as Jira, only while more follow
		}
		page = res
	case "/wiki/rest/api/content/search":
		m := cqlSince.FindStringSubmatch(q.Get("cql"))
		start, err1 := strconv.Atoi(q.Get("start"))
		limit, err2 := strconv.Atoi(q.Get("limit"))
		if m == nil || err1 != nil || err2 != nil {
			http.Error(w, `{"message":"bad cql"}`, http.StatusBadRequest)
			return
		}
		since, _ := time.Parse("2006-01-02 15:04", m[1])
		var hits []map[string]any
		for _, p := range f.pages {
			u, _ := time.Parse(time.RFC3339, p["version"].(map[string]any)["when"].(string))
			if !u.Before(since) {
				hits = append(hits, p)
			}
		}
		out := hits[min(start, len(hits)):]
		links := map[string]any{}
		if len(out) > limit {
			links["next"] = fmt.Sprintf("/rest/api/content/search?cql=...&start=%d", start+limit)
		}
		out = out[:min(limit, len(out))]
		page = map[string]any{"results": out, "start": start, "limit": limit, "size": len(out), "_links": links}
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(page)
}

func (f *fakeJira) sync(t *testing.T) *helpdesktest.Sync {
	return helpdesktest.NewSync(t, func() helpdesk.Desk { return New() }, Streams(), f.srv.URL,
		func(r *http.Request) { r.SetBasicAuth("ada@example.com", "api-token") })
}

func TestSyncPullsChangesSinceTheCursor(t *testing.T) {
	f := newFakeJira(t, 150, 450)
	s := f.sync(t)
	s.Run(t)
	if len(s.Store.Docs) != 600 {
		t.Fatalf("first sync: %d documents, want 600", len(s.Store.Docs))
	}
	if len(s.Waits) == 0 || s.Waits[0] != 4*time.Second {
		t.Errorf("waits %v, want Retry-After's 4s", s.Waits)
	}
	f.srv.Lock()
	is := f.issues[7]
	is["fields"].(map[string]any)["summary"] = "Issue 7, edited"
	is["fields"].(map[string]any)["updated"] = time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC).Format(TimeLayout)
	f.issues = append(append(f.issues[:7:7], f.issues[8:]...), is)
	f.srv.Unlock()
	clear(s.Store.Writes)
	s.Run(t)
	if w := s.Store.Writes; w["ticket/ITSM-0007"] != 1 || w["ticket/ITSM-0008"] != 0 || len(w) > 1+6+3 {
		t.Errorf("second sync wrote %v, want ITSM-0007 (and the last minute of each listing again)", w)
	}
	if tk := s.Store.Docs["ticket/ITSM-0007"].Ticket; tk == nil || tk.Subject != "Issue 7, edited" {
		t.Errorf("edited issue = %+v", tk)
	}
}

// TestSyncPagesThroughOneMinute lists more issues updated in one minute
// than a page holds: the search's own token must carry the sync past them.
func TestSyncPagesThroughOneMinute(t *testing.T) {
	f := newFakeJira(t, 0, 0)
	t0 := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	for i := range 3*PageSize + 7 {
		f.issues = append(f.issues, map[string]any{"id": strconv.Itoa(i), "key": fmt.Sprintf("BULK-%04d", i), "fields": map[string]any{
			"summary": "bulk edit", "updated": t0.Add(time.Duration(i%50) * time.Second).Format(TimeLayout)}})
	}
	slices.SortStableFunc(f.issues, func(a, b map[string]any) int {
		return strings.Compare(a["fields"].(map[string]any)["updated"].(string), b["fields"].(map[string]any)["updated"].(string))
	})
	s := f.sync(t)
	// One page of pages (none), the first page of issues twice (once to
	// learn the minute), then three more by token.
	if st := s.Run(t); st.Pages != 6 || len(s.Store.Docs) != 3*PageSize+7 {
		t.Errorf("%d issues in %d pages, want %d in 6", len(s.Store.Docs), st.Pages, 3*PageSize+7)
	}
}

func TestSyncResumesAfterAKill(t *testing.T) {
	f := newFakeJira(t, 120, 480)
	f.sync(t).KillUntilDone(t, 600, 4) // five runs: one started over would write the first page five times
}
