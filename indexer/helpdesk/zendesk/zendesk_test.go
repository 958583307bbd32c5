package zendesk

import (
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk/helpdesktest"
	"github.com/siftdesk/sift/models"
)

func TestReadFixtures(t *testing.T) {
	recs := helpdesktest.ReadAll(t, New(), "testdata/user_segments.json", "testdata/articles.json", "testdata/tickets.json")
	if len(recs) != 5 {
		t.Fatalf("read %d records, want 3 articles and 2 tickets", len(recs))
	}
	for _, r := range recs {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Source, r.Err)
		}
	}
	a := recs[0].Change.Article
	want := "## Before you start\n\nYou need access to the **email** you signed up with.\n\n" +
		"1. Open [the sign-in page](https://app.example.com/login).\n2. Choose *Forgot password?*\n\n" +
		"```sh\ncurl -X POST /reset\n```\n\n| Plan | Link valid for |\n| --- | --- |\n| Free | 1 hour |"
	if a.Body != want {
		t.Errorf("body:\n%s\nwant:\n%s", a.Body, want)
	}
	if a.ID != "360001234567" || a.Category != "Account" || a.Product != "Thermo" || a.Visibility != models.VisibilityPublic ||
		strings.Join(a.Tags, ",") != "password,sign-in" || !a.UpdatedAt.Equal(time.Date(2024, 4, 17, 17, 18, 10, 0, time.UTC)) {
		t.Errorf("article = %+v", a)
	}
	if string(a.Extra["zendesk.promoted"]) != "true" || string(a.Extra["zendesk.section"]) != `"Account"` {
		t.Errorf("extra = %v", a.Extra)
	}
	if draft := recs[1].Change.Article; draft.Visibility != models.VisibilityInternal {
		t.Errorf("a draft for staff is %q, want internal", draft.Visibility)
	}
	if premium := recs[2].Change.Article; strings.Join(premium.Tiers, ",") != "premium" || premium.Visibility != models.VisibilityPublic {
		t.Errorf("premium segment: tiers %v, visibility %q", premium.Tiers, premium.Visibility)
	}
	tk := recs[3].Change.Ticket
	if tk.ID != "35436" || tk.Portal != models.PortalCustomer || tk.Org != "Fastpost" || tk.Requester != "johnny@example.com" ||
		tk.Group != "Tier 2" || tk.Priority != models.PriorityCritical || tk.Status != "solved" || tk.Category != "incident" ||
		tk.Body != "The fire is very colorful." || tk.ResolvedAt.IsZero() {
		t.Errorf("ticket = %+v", tk)
	}
	if string(tk.Extra["zendesk.custom_fields"]) != `[{"id":27642,"value":"745"},{"id":27648,"value":"yes"}]` {
		t.Errorf("custom fields kept as %s", tk.Extra["zendesk.custom_fields"])
	}
	if del := recs[4].Change; !del.Delete || del.ID != "35437" || del.Kind != models.KindTicket {
		t.Errorf("deleted ticket = %+v, want a delete of ticket 35437", del)
	}
}

func TestBadRecordsNameTheProblem(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tickets.jsonl")
	lines := `{"id": 1, "subject": "ok", "created_at": "2024-01-01T00:00:00Z"}
{"id": "x", "subject": "no number"}
{"id": 3, "subject": "bad time", "created_at": "yesterday"}
{"id": 4, "subject": "bad priority"
`
	if err := os.WriteFile(path, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	recs := helpdesktest.ReadAll(t, New(), path)
	want := []string{"", "tickets.jsonl:2 id: want the ticket's number", "tickets.jsonl:3 created_at: want a time", "tickets.jsonl:4 "}
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d", len(recs), len(want))
	}
	for i, r := range recs {
		got := ""
		if r.Err != nil {
			got = fmt.Sprintf("%s:%d %v", filepath.Base(r.Source), r.Line, r.Err)
		}
		if !strings.HasPrefix(got, want[i]) || (want[i] == "") != (r.Err == nil) {
			t.Errorf("record %d: %q, want it to start %q", i+1, got, want[i])
		}
	}
}

// export writes a Zendesk export of n articles and m tickets made from
// the demo corpus: one Help Center page with sections, categories and
// user segments, and incremental ticket export pages of 1,000 tickets
// with users, groups and organisations side-loaded. It returns the
// files and the source records by id.
func export(t *testing.T, n, m int) ([]string, map[string]any) {
	arts, ticks := helpdesktest.Corpus(t, n, m)
	dir := t.TempDir()
	src := map[string]any{}
	ids := map[string]int{}
	id := func(kind, name string) int {
		if name == "" {
			return 0
		}
		key := kind + "\x00" + name
		if ids[key] == 0 {
			ids[key] = 1000 + len(ids)
		}
		return ids[key]
	}
	var articles, sections, categories, segments []map[string]any
	for i, a := range arts {
		r := map[string]any{
			"id": 360000000000 + i, "url": fmt.Sprintf("https://example.zendesk.com/api/v2/help_center/en-us/articles/%d.json", 360000000000+i),
			"html_url": "https://example.zendesk.com/hc/en-us/articles/" + a.ID, "author_id": 3465, "comments_disabled": i%7 == 0,
			"draft": false, "promoted": i%11 == 0, "position": i % 5, "vote_sum": i % 13, "vote_count": i % 17,
			"section_id": id("section", a.Category), "created_at": a.UpdatedAt.AddDate(0, -1, 0).Format(time.RFC3339),
			"updated_at": a.UpdatedAt.Format(time.RFC3339), "edited_at": a.UpdatedAt.Format(time.RFC3339),
			"name": a.Title, "title": a.Title, "source_locale": "en-us", "locale": "en-us", "outdated": i%19 == 0,
			"outdated_locales": []string{}, "permission_group_id": 123, "user_segment_id": nil, "content_tag_ids": []string{},
			"label_names": a.Tags, "body": "<h2>" + html.EscapeString(a.Title) + "</h2><p>" + html.EscapeString(a.Body) + "</p><script>x()</script>",
		}
		if a.Visibility == models.VisibilityInternal {
			r["user_segment_id"] = 7001
		}
		articles = append(articles, r)
		src[fmt.Sprint(r["id"])] = r
	}
	for key, n := range ids {
		kind, name, _ := strings.Cut(key, "\x00")
		if kind == "section" {
			sections = append(sections, map[string]any{"id": n, "name": name, "category_id": 3465, "locale": "en-us"})
		}
	}
	categories = append(categories, map[string]any{"id": 3465, "name": "Brightloom", "locale": "en-us"})
	segments = append(segments, map[string]any{"id": 7001, "name": "Staff", "user_type": "staff", "tags": []string{}})
	files := []string{helpdesktest.Write(t, dir, "articles.json", map[string]any{
		"articles": articles, "sections": sections, "categories": categories, "user_segments": segments,
		"page": 1, "per_page": len(articles), "count": len(articles), "next_page": nil,
	})}

	zdPriority := map[models.Priority]string{models.PriorityCritical: "urgent", models.PriorityHigh: "high", models.PriorityMedium: "normal", models.PriorityLow: "low"}
	zdStatus := map[string]string{"resolved": "solved", "closed": "closed", "open": "open", "pending": "pending", "new": "new"}
	for page := 0; page*1000 < len(ticks); page++ {
		var tickets, users, groups, orgs []map[string]any
		for i := page * 1000; i < min(len(ticks), (page+1)*1000); i++ {
			tk := ticks[i]
			status := zdStatus[tk.Status]
			if status == "" {
				status = "open"
			}
			r := map[string]any{
				"url": fmt.Sprintf("https://example.zendesk.com/api/v2/tickets/%d.json", 100000+i), "id": 100000 + i,
				"external_id": tk.ID, "via": map[string]any{"channel": "web", "source": map[string]any{"from": map[string]any{}, "to": map[string]any{}, "rel": nil}},
				"created_at": tk.CreatedAt.Format(time.RFC3339), "updated_at": tk.CreatedAt.Add(time.Hour).Format(time.RFC3339),
				"type": "question", "subject": tk.Subject, "raw_subject": tk.Subject, "description": tk.Body,
				"priority": zdPriority[tk.Priority], "status": status, "recipient": "support@brightloom.example",
				"requester_id": id("user", tk.Requester), "submitter_id": id("user", tk.Requester), "assignee_id": 235323,
				"organization_id": id("org", tk.Org), "group_id": id("group", tk.Group), "collaborator_ids": []int{},
				"follower_ids": []int{}, "has_incidents": false, "is_public": true, "due_at": nil,
				"tags": []string{tk.Category, tk.Department}, "custom_fields": []map[string]any{{"id": 27642, "value": tk.Category}},
				"satisfaction_rating": nil, "sharing_agreement_ids": []int{}, "brand_id": 1, "ticket_form_id": 9,
			}
			if tk.Org == "" {
				r["organization_id"] = nil
			}
			tickets = append(tickets, r)
			src[fmt.Sprint(r["id"])] = r
			users = append(users, map[string]any{"id": id("user", tk.Requester), "email": tk.Requester, "role": "end-user"})
			groups = append(groups, map[string]any{"id": id("group", tk.Group), "name": tk.Group})
			if tk.Org != "" {
				orgs = append(orgs, map[string]any{"id": id("org", tk.Org), "name": tk.Org})
			}
		}
		files = append(files, helpdesktest.Write(t, dir, fmt.Sprintf("tickets-%d.json", page), map[string]any{
			"tickets": tickets, "users": users, "groups": groups, "organizations": orgs,
			"after_cursor": fmt.Sprintf("c%d", page), "end_of_stream": (page+1)*1000 >= len(ticks),
		}))
	}
	return files, src
}

func TestImportLargeExport(t *testing.T) {
	const n, m = 500, 2000
	files, src := export(t, n, m)
	start := time.Now()
	recs := helpdesktest.ReadAll(t, New(), files...)
	elapsed := time.Since(start)
	helpdesktest.CheckImport(t, helpdesktest.Import{Records: recs, Source: src, Articles: n, Tickets: m,
		Prefix: Prefix, SameArticle: sameArticle, SameTicket: sameTicket})
	t.Logf("read %d articles and %d tickets in %v (%.0f records/s)", n, m, elapsed, float64(len(recs))/elapsed.Seconds())
	// The body is Markdown of the HTML: heading kept, script gone.
	if b := recs[0].Change.Article.Body; !strings.HasPrefix(b, "## ") || strings.Contains(b, "x()") {
		t.Errorf("body %q", b)
	}
	if tk := recs[n].Change.Ticket; tk.Requester == "" || tk.Group == "" {
		t.Errorf("side-loaded users and groups not used: %+v", tk)
	}
	// The kept fields encode as JSON as they were read.
	b, err := json.Marshal(recs[n].Change.Ticket)
	if err != nil || !strings.Contains(string(b), `"zendesk.via":{"channel":"web"`) {
		t.Errorf("ticket encodes as %s (%v)", b, err)
	}
}
