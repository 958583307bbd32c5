package engine_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/indexer/use"
	"github.com/siftdesk/sift/models"
)

// withVectors gives a fixture the built-in embedder and a vector index.
func withVectors(t *testing.T, f *fixture) {
	t.Helper()
	emb, err := use.Load()
	if err != nil {
		t.Fatal(err)
	}
	vecs := f.vectors(emb.Model(), emb.Dimensions())
	f.ix.UseVectors(emb, vecs)
	f.eng.UseVectors(emb, vecs)
}

// waveDays are the days of the demo corpus's incident waves.
var waveDays = []string{"2026-04-22", "2026-06-30", "2026-08-11", "2026-09-14", "2026-10-03", "2026-10-19"}

// TestSpikesFindTheDemoWaves indexes the demo tickets of the wave days and
// of a few quiet days, and checks every wave is reported as a spike and
// nothing else is.
func TestSpikesFindTheDemoWaves(t *testing.T) { eachBackend(t, testSpikesFindTheDemoWaves) }

func testSpikesFindTheDemoWaves(t *testing.T, b backend) {
	if testing.Short() {
		t.Skip("embeds tickets; skipped with -short")
	}
	f := open(t, b, t.TempDir())
	withVectors(t, f)
	days := append(slices.Clone(waveDays), "2026-03-02", "2026-05-12", "2026-07-07", "2026-09-01", "2026-11-03")
	var changes []models.Change
	for _, name := range []string{"tickets.jsonl", "tickets-heldout.jsonl"} {
		for _, tk := range readTickets(t, filepath.Join(demo, name)) {
			if slices.Contains(days, tk.CreatedAt.Format(time.DateOnly)) {
				c, err := models.NewTicketChange(tk)
				if err != nil {
					t.Fatal(err)
				}
				changes = append(changes, c)
			}
		}
	}
	if err := f.writer.Apply(context.Background(), changes); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	sizes := map[string]int{}
	for _, portal := range []models.Portal{models.PortalCustomer, models.PortalITSM} {
		spikes, err := f.eng.Spikes(context.Background(), admin, portal, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range spikes {
			day := s.FirstAt.Format(time.DateOnly)
			if !slices.Contains(waveDays, day) {
				t.Errorf("spike on a quiet day %s: %+v", day, s)
			}
			found[day] = true
			sizes[day] += s.Size
		}
	}
	// The demo's README gives each wave's day and the size of its spike:
	// they must be what the spikes say.
	readme, err := os.ReadFile(filepath.Join(demo, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	claims := regexp.MustCompile(`on (\d{4}-\d{2}-\d{2}) \((\d+)\)`).FindAllStringSubmatch(strings.Join(strings.Fields(string(readme)), " "), -1)
	if len(claims) != len(waveDays) {
		t.Errorf("the demo README names %d waves with a size, want %d", len(claims), len(waveDays))
	}
	for _, c := range claims {
		if n, _ := strconv.Atoi(c[2]); sizes[c[1]] != n {
			t.Errorf("the demo README says the wave of %s is %d tickets; its spike has %d", c[1], n, sizes[c[1]])
		}
	}
	for _, day := range waveDays {
		if !found[day] {
			t.Errorf("the wave of %s was not reported as a spike", day)
		}
	}
	t.Logf("indexed %d tickets, found spikes on %d of %d wave days", len(changes), len(found), len(waveDays))
}

// TestSimilarTicketsStayInScopeAndFlagDuplicates checks that a customer
// ticket is only ever compared with those its requester may see (their
// organisation's when it shares its tickets, else their own), an ITSM
// ticket with ITSM tickets, and that an open near-identical ticket is a
// duplicate while a resolved one is not.
// Both ticket searches are checked: the full-text index's, and the
// in-memory one (loaded before the tickets are written, so every write
// reaches it as it would on a running server).
func TestSimilarTicketsStayInScopeAndFlagDuplicates(t *testing.T) {
	for _, loaded := range []bool{false, true} {
		t.Run(fmt.Sprintf("in-memory=%v", loaded), func(t *testing.T) {
			eachBackend(t, func(t *testing.T, b backend) { testSimilarTicketsStayInScopeAndFlagDuplicates(t, b, loaded) })
		})
	}
}

func testSimilarTicketsStayInScopeAndFlagDuplicates(t *testing.T, b backend, inMemory bool) {
	f := open(t, b, t.TempDir())
	withVectors(t, f)
	ctx := context.Background()
	if inMemory {
		if err := f.eng.WarmTickets(ctx); err != nil {
			t.Fatal(err)
		}
	}
	day := time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)
	body := "All our cameras went offline after last night's firmware update and show a red light."
	if _, err := f.eng.PutOrg(ctx, &models.Org{ID: "acme", SharesTickets: true}); err != nil {
		t.Fatal(err)
	}
	subject := "Cameras offline after firmware update"
	for _, tk := range []*models.Ticket{
		{ID: "A-1", Portal: models.PortalCustomer, Org: "acme", Requester: "ann@acme.example", Subject: subject, Body: body, Status: "open", CreatedAt: day},
		{ID: "A-2", Portal: models.PortalCustomer, Org: "acme", Requester: "bob@acme.example", Subject: subject, Body: body, Status: "resolved", CreatedAt: day, Resolution: "Rolled back."},
		{ID: "G-1", Portal: models.PortalCustomer, Org: "globex", Requester: "gil@globex.example", Subject: subject, Body: body, Status: "open", CreatedAt: day},
		{ID: "G-2", Portal: models.PortalCustomer, Org: "globex", Requester: "hal@globex.example", Subject: subject, Body: body, Status: "open", CreatedAt: day},
		{ID: "C-1", Portal: models.PortalCustomer, Requester: "jo@mail.example", Subject: subject, Body: body, Status: "open", CreatedAt: day},
		{ID: "I-1", Portal: models.PortalITSM, Subject: subject, Body: body, Status: "open", CreatedAt: day},
	} {
		if _, err := f.eng.PutTicket(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	fresh := &models.Ticket{ID: "A-3", Portal: models.PortalCustomer, Org: "acme", Subject: "cameras offline since the firmware update",
		Body: "Every camera went offline overnight after the firmware update, red light on all of them.", CreatedAt: day.Add(time.Hour)}
	similar, err := f.eng.SimilarTickets(ctx, admin, fresh, 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, s := range similar {
		got[s.ID] = s.Duplicate
	}
	if len(got) != 2 || !got["A-1"] || got["A-2"] {
		t.Errorf("similar to an acme ticket: %+v; want A-1 (open, duplicate) and A-2 (resolved, not duplicate) only", similar)
	}
	// globex has no record, so it shares nothing: gil's new ticket is
	// compared with gil's own only, and a consumer's with their own.
	for _, tc := range []struct {
		ticket *models.Ticket
		want   string
	}{
		{&models.Ticket{ID: "G-3", Portal: models.PortalCustomer, Org: "globex", Requester: "Gil@globex.example", Subject: fresh.Subject, Body: fresh.Body, CreatedAt: fresh.CreatedAt}, "G-1"},
		{&models.Ticket{ID: "C-2", Portal: models.PortalCustomer, Requester: "jo@mail.example", Subject: fresh.Subject, Body: fresh.Body, CreatedAt: fresh.CreatedAt}, "C-1"},
		{&models.Ticket{ID: "C-3", Portal: models.PortalCustomer, Requester: "kim@mail.example", Subject: fresh.Subject, Body: fresh.Body, CreatedAt: fresh.CreatedAt}, ""},
	} {
		similar, err := f.eng.SimilarTickets(ctx, admin, tc.ticket, 10)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, s := range similar {
			ids = append(ids, s.ID)
		}
		if want := []string{tc.want}; tc.want == "" && len(ids) > 0 || tc.want != "" && !slices.Equal(ids, want) {
			t.Errorf("similar to %s's ticket: %v; want [%s]", tc.ticket.Requester, ids, tc.want)
		}
	}
	// Once acme stops sharing, ann sees her own tickets only.
	if err := f.eng.DeleteOrg(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	fresh.Requester = "ann@acme.example"
	if similar, err = f.eng.SimilarTickets(ctx, admin, fresh, 10); err != nil || len(similar) != 1 || similar[0].ID != "A-1" {
		t.Errorf("similar to ann's ticket once acme stopped sharing: %+v, %v; want A-1 only", similar, err)
	}
	itsm := &models.Ticket{ID: "I-2", Portal: models.PortalITSM, Subject: fresh.Subject, Body: fresh.Body, CreatedAt: fresh.CreatedAt}
	similar, err = f.eng.SimilarTickets(ctx, admin, itsm, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(similar) != 1 || similar[0].ID != "I-1" {
		t.Errorf("similar to an ITSM ticket: %+v; want I-1 only", similar)
	}
}

// stalledText is a full-text index whose ticket search does not answer
// before its context ends, as a database too busy for the triage budget
// (a fault injected into the real index, which answers the rest).
type stalledText struct{ engine.TextIndex }

func (stalledText) SearchTickets(ctx context.Context, _ string, _ int, _ models.TicketScope) ([]models.TicketHit, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestTriageDoesNotWaitOnASlowTicketSearch checks that while the in-memory
// ticket search loads, triage over a full-text index that does not answer
// returns within its budget, says its similar tickets are pending rather
// than that none match, and finds them once the in-memory search is
// loaded.
func TestTriageDoesNotWaitOnASlowTicketSearch(t *testing.T) {
	eachBackend(t, testTriageDoesNotWaitOnASlowTicketSearch)
}

func testTriageDoesNotWaitOnASlowTicketSearch(t *testing.T, b backend) {
	f := open(t, b, t.TempDir())
	ctx := context.Background()
	body := "The VPN client disconnects every ten minutes since the update."
	for _, id := range []string{"I-1", "I-2"} {
		if _, err := f.eng.PutTicket(ctx, &models.Ticket{ID: id, Portal: models.PortalITSM, Subject: "VPN keeps disconnecting", Body: body, Status: "open"}); err != nil {
			t.Fatal(err)
		}
	}
	eng, err := engine.New(ctx, engine.Config{}, f.store, stalledText{f.text}, f.writer, discard)
	if err != nil {
		t.Fatal(err)
	}
	draft := &models.Ticket{Portal: models.PortalITSM, Subject: "VPN disconnects all the time", Body: body}
	bounded, cancel := context.WithTimeout(ctx, 10*time.Second) // without the budget, the search never ends
	defer cancel()
	start := time.Now()
	tr, err := eng.TriageTicket(bounded, admin, draft, engine.TriageOptions{})
	if took := time.Since(start); err != nil || !tr.SimilarPending || tr.Similar == nil || len(tr.Similar) != 0 || took > 5*time.Second {
		t.Fatalf("triage over a stalled ticket search: pending %v, similar %v, %v, took %s; want pending, an empty list, no error, within the budget",
			tr.SimilarPending, tr.Similar, err, took)
	}
	if _, err := eng.SimilarTickets(bounded, admin, draft, 5); !errors.Is(err, engine.ErrSimilarTicketsPending) {
		t.Errorf("SimilarTickets over a stalled ticket search: %v, want ErrSimilarTicketsPending", err)
	}
	if err := eng.WarmTickets(ctx); err != nil {
		t.Fatal(err)
	}
	if tr, err = eng.TriageTicket(ctx, admin, draft, engine.TriageOptions{}); err != nil || tr.SimilarPending || len(tr.Similar) != 2 {
		t.Errorf("triage once the ticket search is loaded: pending %v, similar %+v, %v; want both tickets", tr.SimilarPending, tr.Similar, err)
	}
}

// TestInMemoryTicketSearchKeepsSimilarTickets indexes the demo tickets and
// finds the tickets similar to each held-out one, first through the
// full-text index (bleve), then through the in-memory ticket search that
// replaces it once loaded. The in-memory one must find tickets of the
// held-out ticket's category at least as often (the judged figure: 0.570
// against 0.510 when written); the two agree on about half of the first
// five (0.551), as bleve's BM25 differs from the textbook one in its
// details (its idf is squared by the query weight, its average field
// length is the field's vocabulary over the index's documents).
func TestInMemoryTicketSearchKeepsSimilarTickets(t *testing.T) {
	eachBackend(t, testInMemoryTicketSearchKeepsSimilarTickets)
}

func testInMemoryTicketSearchKeepsSimilarTickets(t *testing.T, b backend) {
	f := open(t, b, t.TempDir(), filepath.Join(demo, "tickets.jsonl"))
	ctx := context.Background()
	heldOut := readTickets(t, filepath.Join(demo, "tickets-heldout.jsonl"))
	similar := func() (ids [][]string, sameCategory float64) {
		found := 0
		for _, tk := range heldOut {
			q := *tk
			q.ID = ""
			got, err := f.eng.SimilarTickets(ctx, admin, &q, 5)
			if err != nil {
				t.Fatal(err)
			}
			var top []string
			for _, s := range got {
				top = append(top, s.ID)
				found++
				if s.Category == tk.Category {
					sameCategory++
				}
			}
			ids = append(ids, top)
		}
		return ids, sameCategory / float64(max(found, 1))
	}
	before, judgedBefore := similar()
	if err := f.eng.WarmTickets(ctx); err != nil {
		t.Fatal(err)
	}
	after, judgedAfter := similar()
	var overlap float64
	for i := range before {
		shared := 0
		for _, id := range after[i] {
			if slices.Contains(before[i], id) {
				shared++
			}
		}
		overlap += float64(shared) / float64(max(len(before[i]), len(after[i]), 1))
	}
	overlap /= float64(len(before))
	t.Logf("%d held-out tickets: overlap@5 %.3f; same category as the ticket: full-text index %.3f, in-memory %.3f",
		len(heldOut), overlap, judgedBefore, judgedAfter)
	if overlap < 0.5 || judgedAfter < judgedBefore {
		t.Errorf("overlap@5 %.3f (want >= 0.5), same category %.3f against %.3f before (want no drop)", overlap, judgedAfter, judgedBefore)
	}
}

func readTickets(t *testing.T, path string) []*models.Ticket {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var out []*models.Ticket
	sc := bufio.NewScanner(file)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var tk models.Ticket
		if err := json.Unmarshal(sc.Bytes(), &tk); err != nil {
			t.Fatal(err)
		}
		out = append(out, &tk)
	}
	return out
}

// admin is a principal who may see every ticket.
var admin = models.Principal{Role: models.RoleAdmin}
