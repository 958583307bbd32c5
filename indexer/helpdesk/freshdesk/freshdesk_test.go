package freshdesk

import (
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk/helpdesktest"
	"github.com/siftdesk/sift/models"
)

func TestReadFixtures(t *testing.T) {
	recs := helpdesktest.ReadClean(t, New(), 4, "testdata/categories.json", "testdata/folders.json", "testdata/companies.json",
		"testdata/groups.json", "testdata/articles.json", "testdata/tickets.json")
	a := recs[0].Change.Article
	if a.ID != "5000001" || a.Body != "Go to **Settings** > **Profile**.\n\n- Enter the new address\n- Confirm it" ||
		a.Category != "Accounts" || a.Product != "Getting started" || a.Views != 310 || a.Visibility != models.VisibilityPublic ||
		strings.Join(a.Tags, ",") != "email,profile" {
		t.Errorf("article = %+v", a)
	}
	if agents := recs[1].Change.Article; agents.Visibility != models.VisibilityInternal {
		t.Errorf("an article of a folder for agents is %q, want internal", agents.Visibility)
	}
	tk := recs[2].Change.Ticket
	if tk.ID != "20" || tk.Org != "Hearthmail" || tk.Group != "Returns" || tk.Requester != "isla.fraser@hearthmail.example" ||
		tk.Priority != models.PriorityCritical || tk.Status != "resolved" || tk.Category != "Refund" ||
		!tk.ResolvedAt.Equal(time.Date(2024, 3, 1, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("ticket = %+v", tk)
	}
	if string(tk.Extra["freshdesk.custom_fields"]) != `{"cf_order_number":"BL-391027","cf_region":"EU"}` {
		t.Errorf("custom fields kept as %s", tk.Extra["freshdesk.custom_fields"])
	}
	if del := recs[3].Change; !del.Delete || del.ID != "21" {
		t.Errorf("deleted ticket = %+v, want a delete", del)
	}
}

func TestImportLargeExport(t *testing.T) {
	const n, m = 500, 2000
	files, src := helpdesktest.Freshdesk(t, n, m)
	recs := helpdesktest.CheckImport(t, helpdesktest.Import{Desk: New(), Files: files, Source: src, Articles: n, Tickets: m,
		Prefix: Prefix, SameArticle: sameArticle, SameTicket: sameTicket})
	if tk := recs[n].Change.Ticket; tk.Group == "" || tk.Requester == "" {
		t.Errorf("groups and requesters not used: %+v", tk)
	}
}
