package zendesk

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk/helpdesktest"
	"github.com/siftdesk/sift/models"
)

func TestReadFixtures(t *testing.T) {
	recs := helpdesktest.ReadClean(t, New(), 5, "testdata/user_segments.json", "testdata/articles.json", "testdata/tickets.json")
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
	if string(a.Extra["zendesk.promoted"]) != "true" || string(a.Extra["zendesk.section_id"]) != "1635" {
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

func TestImportLargeExport(t *testing.T) {
	const n, m = 500, 2000
	files, src := helpdesktest.Zendesk(t, n, m)
	recs := helpdesktest.CheckImport(t, helpdesktest.Import{Desk: New(), Files: files, Source: src, Articles: n, Tickets: m,
		Prefix: Prefix, SameArticle: sameArticle, SameTicket: sameTicket})
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
