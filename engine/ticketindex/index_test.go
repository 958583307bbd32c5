package ticketindex_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/siftdesk/sift/engine/bm25"
	"github.com/siftdesk/sift/engine/ticketindex"
	"github.com/siftdesk/sift/models"
)

func ticket(id string, portal models.Portal, org, subject, body string) *models.Ticket {
	return &models.Ticket{ID: id, Portal: portal, Org: org, Requester: "ann@" + org + ".example", Subject: subject, Body: body}
}

func ids(hits []models.TicketHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

func fixture() *ticketindex.Index {
	x := ticketindex.New(bm25.English())
	x.Put(
		ticket("t1", models.PortalCustomer, "acme", "Refund for a damaged parcel", "The parcel arrived crushed and the lamp inside is broken."),
		ticket("t2", models.PortalCustomer, "acme", "Where is my parcel", "Tracking has not moved for a week."),
		ticket("t3", models.PortalCustomer, "globex", "Refund for a broken lamp", "The lamp arrived broken, I want a refund."),
		ticket("t4", models.PortalITSM, "", "VPN drops every hour", "The VPN client disconnects every hour on the office wifi."),
		ticket("t5", models.PortalITSM, "", "Laptop will not boot", "My laptop shows a black screen after the update."),
	)
	x.MarkLoaded()
	return x
}

func TestSearchRanksBySharedWordsWithinScope(t *testing.T) {
	x := fixture()
	tests := []struct {
		name  string
		text  string
		scope ticketindex.Scope
		want  []string
	}{
		{"subject words first", "refund broken lamp", ticketindex.Scope{Portal: models.PortalCustomer}, []string{"t3", "t1"}},
		{"the organisation only", "refund broken lamp", ticketindex.Scope{Portal: models.PortalCustomer, Org: "acme"}, []string{"t1"}},
		{"the portal only", "parcel vpn", ticketindex.Scope{Portal: models.PortalITSM}, []string{"t4"}},
		{"the requester only", "refund broken lamp", ticketindex.Scope{Portal: models.PortalCustomer, Requester: "Ann@Globex.example"}, []string{"t3"}},
		{"an unknown requester", "refund broken lamp", ticketindex.Scope{Portal: models.PortalCustomer, Requester: "kim@mail.example"}, []string{}},
		{"an unknown organisation", "refund", ticketindex.Scope{Portal: models.PortalCustomer, Org: "initech"}, []string{}},
		{"no known word", "zzzz qqqq", ticketindex.Scope{Portal: models.PortalCustomer}, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ids(x.Search(tc.text, 10, tc.scope))
			if !slices.Equal(got, tc.want) {
				t.Errorf("Search(%q, %+v) = %v, want %v", tc.text, tc.scope, got, tc.want)
			}
		})
	}
}

func TestSearchKeepsTheKBest(t *testing.T) {
	x := ticketindex.New(bm25.English())
	for i := range 50 {
		// Ticket i says "printer" i+1 times in its body: more is better.
		body := ""
		for range i + 1 {
			body += "printer jammed again. "
		}
		x.Put(ticket(fmt.Sprintf("p%02d", i), models.PortalITSM, "", "Office issue", body))
	}
	x.MarkLoaded()
	all := x.Search("printer jammed", 50, ticketindex.Scope{Portal: models.PortalITSM})
	top := x.Search("printer jammed", 5, ticketindex.Scope{Portal: models.PortalITSM})
	if len(all) != 50 || !slices.Equal(ids(top), ids(all[:5])) {
		t.Fatalf("top 5 %v, want the first 5 of all %v", ids(top), ids(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Score > all[i-1].Score {
			t.Fatalf("hit %d scores %f, above hit %d's %f", i, all[i].Score, i-1, all[i-1].Score)
		}
	}
}

func TestPutReplacesAndDeleteRemoves(t *testing.T) {
	x := fixture()
	scope := ticketindex.Scope{Portal: models.PortalITSM}
	x.Put(ticket("t4", models.PortalITSM, "", "Printer out of toner", "Second floor printer says toner is empty."))
	if got := ids(x.Search("vpn", 10, scope)); len(got) != 0 {
		t.Errorf("after replacing t4, vpn finds %v, want nothing", got)
	}
	if got := ids(x.Search("toner", 10, scope)); !slices.Equal(got, []string{"t4"}) {
		t.Errorf("toner finds %v, want [t4]", got)
	}
	x.Delete("t4", "missing")
	if got := ids(x.Search("toner", 10, scope)); len(got) != 0 {
		t.Errorf("after deleting t4, toner finds %v", got)
	}
	if x.Len() != 4 {
		t.Errorf("Len = %d, want 4", x.Len())
	}
}

// Loading at start never undoes a write made meanwhile: neither an older
// version over a newer one, nor a deleted ticket back.
func TestLoadKeepsWritesMadeMeanwhile(t *testing.T) {
	x := ticketindex.New(bm25.English())
	x.Put(ticket("a", models.PortalITSM, "", "New subject about keyboards", ""))
	x.Delete("b")
	x.Load(ticket("a", models.PortalITSM, "", "Old subject about mice", ""))
	x.Load(ticket("b", models.PortalITSM, "", "Deleted ticket about mice", ""))
	x.Load(ticket("c", models.PortalITSM, "", "Untouched ticket about mice", ""))
	if x.Loaded() {
		t.Fatal("Loaded before MarkLoaded")
	}
	x.MarkLoaded()
	scope := ticketindex.Scope{Portal: models.PortalITSM}
	if got := ids(x.Search("mice", 10, scope)); !slices.Equal(got, []string{"c"}) {
		t.Errorf("mice finds %v, want [c]", got)
	}
	if got := ids(x.Search("keyboards", 10, scope)); !slices.Equal(got, []string{"a"}) {
		t.Errorf("keyboards finds %v, want [a]", got)
	}
}

// Many replacements compact the posting lists without changing answers.
func TestCompactionKeepsAnswers(t *testing.T) {
	x := fixture()
	scope := ticketindex.Scope{Portal: models.PortalCustomer}
	before := x.Search("refund broken lamp parcel", 10, scope)
	for i := range 3000 {
		id := fmt.Sprintf("churn%d", i%10)
		x.Put(ticket(id, models.PortalITSM, "", "Churn ticket", "keyboard"))
	}
	x.Delete("churn0", "churn1", "churn2", "churn3", "churn4", "churn5", "churn6", "churn7", "churn8", "churn9")
	after := x.Search("refund broken lamp parcel", 10, scope)
	if !slices.Equal(before, after) {
		t.Errorf("after compaction %v, before %v", after, before)
	}
	if got := x.Search("keyboard", 10, ticketindex.Scope{Portal: models.PortalITSM}); len(got) != 0 {
		t.Errorf("deleted churn tickets still found: %v", ids(got))
	}
}
