package jira

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/indexer/helpdesk/helpdesktest"
	"github.com/siftdesk/sift/models"
)

func TestReadFixtures(t *testing.T) {
	recs := helpdesktest.ReadClean(t, New(), 4, "testdata/pages.json", "testdata/issues.json")
	a := recs[0].Change.Article
	want := "## Install\n\nDownload the client from the [IT portal](https://it.example.com).\n\n```bash\nsudo apt install vpn-client\n```\n\n> Restart afterwards."
	if a.Body != want {
		t.Errorf("body:\n%s\nwant:\n%s", a.Body, want)
	}
	if a.ID != "65538" || a.Category != "Network" || a.Product != "IT Knowledge Base" || strings.Join(a.Tags, ",") != "vpn,remote-work" ||
		!a.UpdatedAt.Equal(time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)) || a.Visibility != models.VisibilityPublic {
		t.Errorf("page = %+v", a)
	}
	if del := recs[1].Change; !del.Delete || del.ID != "65539" || del.Kind != models.KindArticle {
		t.Errorf("trashed page = %+v, want a delete", del)
	}
	tk := recs[2].Change.Ticket
	if tk.ID != "ITSM-42" || tk.Portal != models.PortalITSM || tk.Category != "Report a system problem" || tk.Org != "Brightloom Finance" ||
		tk.Group != "Network" || tk.Priority != models.PriorityHigh || tk.Status != "resolved" || tk.Resolution != "Done" ||
		tk.Requester != "ada@example.com" || !tk.ResolvedAt.Equal(time.Date(2024, 1, 30, 8, 45, 0, 0, time.UTC)) {
		t.Errorf("issue = %+v", tk)
	}
	if string(tk.Extra["jira.fields.labels"]) != `["vpn"]` || string(tk.Extra["jira.id"]) != `"10068"` {
		t.Errorf("extra = %v", tk.Extra)
	}
	adf := recs[3].Change.Ticket
	if adf.Body != "I need a second monitor.\n\nDesk 4.12,\nthird floor" || adf.Priority != models.PriorityLow || adf.Category != "Service Request" {
		t.Errorf("issue with an ADF description = %+v", adf)
	}
}

func TestImportLargeExport(t *testing.T) {
	const n, m = 500, 2000
	files, src := helpdesktest.Jira(t, n, m)
	for id, r := range src {
		if strings.HasPrefix(id, "ITSM-") { // issue fields are kept one by one
			b, _ := json.Marshal(r)
			var o helpdesk.Object
			if err := json.Unmarshal(b, &o); err != nil {
				t.Fatal(err)
			}
			src[id] = flatten(o)
		}
	}
	helpdesktest.CheckImport(t, helpdesktest.Import{Desk: New(), Files: files, Source: src, Articles: n, Tickets: m,
		Prefix: Prefix, SameArticle: samePage, SameTicket: sameIssue})
}
