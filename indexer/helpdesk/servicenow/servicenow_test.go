package servicenow

import (
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/indexer/helpdesk/helpdesktest"
	"github.com/siftdesk/sift/models"
)

func TestReadFixtures(t *testing.T) {
	recs := helpdesktest.ReadClean(t, New(), 5, "testdata/kb_knowledge.json", "testdata/incident.json", "testdata/sc_req_item.csv")
	a := recs[0].Change.Article
	if a.ID != "0b48fd75474321009db4b5b08b9a71c2" || a.Title != "How to connect to the VPN" || a.Category != "Network" ||
		a.Product != "IT" || a.Visibility != models.VisibilityPublic || a.Views != 1204 ||
		strings.Join(a.Tags, ",") != "vpn,remote access" || !a.UpdatedAt.Equal(time.Date(2024, 1, 31, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("article = %+v", a)
	}
	if want := "## Steps\n\n1. Open GlobalProtect\n2. Enter `vpn.example.com`"; a.Body != want {
		t.Errorf("body %q, want %q", a.Body, want)
	}
	if hr := recs[1].Change.Article; hr.Visibility != models.VisibilityInternal {
		t.Errorf("an article with user criteria is %q, want internal", hr.Visibility)
	}
	inc := recs[2].Change.Ticket
	if inc.ID != "9d385017c611228701d22104cc95c371" || inc.Portal != models.PortalITSM || inc.Priority != models.PriorityHigh ||
		inc.Status != "resolved" || inc.Resolution != "Restarted the mail relay." || inc.Category != "inquiry" ||
		inc.Group != "287ebd7da9fe198100f92cc8d1d2154e" || !inc.ResolvedAt.Equal(time.Date(2024, 1, 31, 8, 12, 0, 0, time.UTC)) {
		t.Errorf("incident = %+v", inc)
	}
	if string(inc.Extra["servicenow.close_code"]) != `"Solved (Permanently)"` || string(inc.Extra["servicenow.number"]) != `"INC0000060"` {
		t.Errorf("extra = %v", inc.Extra)
	}
	ritm := recs[3].Change.Ticket
	if ritm.ID != "RITM0010001" || ritm.Category != "Standard Laptop" || ritm.Requester != "Ada Lovelace" || ritm.Org != "Brightloom" ||
		ritm.Priority != models.PriorityLow || ritm.Status != "closed complete" || ritm.Group != "Hardware" || ritm.ResolvedAt.IsZero() {
		t.Errorf("requested item = %+v", ritm)
	}
	if open := recs[4].Change.Ticket; open.Priority != models.PriorityMedium || !open.ResolvedAt.IsZero() {
		t.Errorf("open requested item = %+v", open)
	}
}

func TestImportLargeExport(t *testing.T) {
	const n, m = 500, 2000
	files, src := helpdesktest.ServiceNow(t, n, m)
	recs := helpdesktest.CheckImport(t, helpdesktest.Import{Desk: New(), Files: files, Source: src, Articles: n, Tickets: m,
		Prefix: Prefix, SameArticle: sameArticle, SameTicket: sameTicket})
	if tk := recs[n].Change.Ticket; tk.Group == "" || tk.Requester == "" || tk.Status != "in progress" && tk.Status != "resolved" {
		t.Errorf("display values not used: %+v", tk)
	}
}

func TestBadTimeNamesTheField(t *testing.T) {
	_, err := New().Map("result", helpdesk.Object{"sys_id": []byte(`"x1"`), "short_description": []byte(`"s"`), "opened_at": []byte(`"31/01/2024"`)})
	if err == nil || !strings.HasPrefix(err.Error(), "opened_at: want a time such as 2024-01-31 09:00:00") {
		t.Errorf("err = %v, want one naming opened_at", err)
	}
}
