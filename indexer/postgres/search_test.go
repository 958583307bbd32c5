package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/siftdesk/sift/indexer/postgres"
	"github.com/siftdesk/sift/models"
)

func TestSearchTicketsByTextWithinScope(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	var changes []models.Change
	for _, tk := range []models.Ticket{
		{ID: "C-1", Portal: models.PortalCustomer, Org: "acme", Subject: "Parcel arrived damaged", Body: "The box was crushed."},
		{ID: "C-2", Portal: models.PortalCustomer, Org: "acme", Subject: "Refund for my order", Body: "The parcel never came, I want a refund."},
		{ID: "C-3", Portal: models.PortalCustomer, Org: "globex", Subject: "Parcels damaged again", Body: "Damaged on arrival."},
		{ID: "I-1", Portal: models.PortalITSM, Subject: "Parcel tracking page down", Body: "The internal tool fails."},
		{ID: "C-4", Portal: models.PortalCustomer, Org: "acme", Subject: "Invoice address", Body: "Change the address please."},
	} {
		c, err := models.NewTicketChange(&tk)
		if err != nil {
			t.Fatal(err)
		}
		changes = append(changes, c)
	}
	if err := s.Write(ctx, changes); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		text  string
		scope models.TicketScope
		want  []string
	}{
		{"the subject weighs more than the body; any word matches", "damaged parcels", models.TicketScope{Portal: models.PortalCustomer, Org: "acme"}, []string{"C-1", "C-2"}},
		{"an organisation's tickets only", "damaged parcels", models.TicketScope{Portal: models.PortalCustomer, Org: "globex"}, []string{"C-3"}},
		{"a portal's tickets, every organisation", "damaged", models.TicketScope{Portal: models.PortalCustomer}, []string{"C-3", "C-1"}},
		{"the other portal", "parcel", models.TicketScope{Portal: models.PortalITSM}, []string{"I-1"}},
		{"query syntax is read as words", "parcel & !(refund) | 'x':*", models.TicketScope{Portal: models.PortalCustomer, Org: "acme"}, []string{"C-2", "C-1"}},
		{"no word", "?! --", models.TicketScope{Portal: models.PortalCustomer}, nil},
		{"stop words only", "the and of", models.TicketScope{Portal: models.PortalCustomer}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits, err := s.SearchTickets(ctx, tc.text, 10, tc.scope)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range hits {
				got = append(got, h.ID)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("SearchTickets(%q, %+v) = %v, want %v", tc.text, tc.scope, got, tc.want)
			}
		})
	}
}

func TestFeedFromNowDeliversOnlyLaterChanges(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	if err := s.Write(ctx, []models.Change{article("KB-1", "Before", models.VisibilityPublic), article("KB-2", "Deleted before", models.VisibilityPublic)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, []models.Change{models.NewDelete(models.KindArticle, "KB-2")}); err != nil {
		t.Fatal(err)
	}
	feed, err := s.FeedFromNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []models.Change{article("KB-3", "After", models.VisibilityPublic), models.NewDelete(models.KindArticle, "KB-1")} {
		if err := s.Write(ctx, []models.Change{c}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	err = feed.CatchUp(ctx, func(_ context.Context, changes []models.Change) error {
		for _, c := range changes {
			got = append(got, c.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"KB-3", "KB-1"}) {
		t.Errorf("delivered %v, want the changes after the feed was taken: [KB-3 KB-1]", got)
	}
}

// TestSearchTicketsFindsByRareWordsOverManyTickets checks that over
// 10,000 tickets or more, once the statistics say which words most
// tickets hold, those words of a long draft only rank the tickets its
// rarer words find: every ticket holds "account order help", the draft's
// rare words are in two. Before the statistics, every word finds.
func TestSearchTicketsFindsByRareWordsOverManyTickets(t *testing.T) {
	s, url := openStore(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// No statistics until the test asks for them.
	if _, err := conn.Exec(ctx, "ALTER TABLE documents SET (autovacuum_enabled = false)"); err != nil {
		t.Fatal(err)
	}
	var changes []models.Change
	add := func(tk models.Ticket) {
		tk.Portal = models.PortalITSM
		c, err := models.NewTicketChange(&tk)
		if err != nil {
			t.Fatal(err)
		}
		changes = append(changes, c)
	}
	for i := range 10_000 {
		add(models.Ticket{ID: fmt.Sprint("filler-", i), Subject: "Account order help", Body: fmt.Sprintf("Help with an order on my account, case %d.", i)})
	}
	add(models.Ticket{ID: "capacitor", Subject: "Flux capacitor calibration fails", Body: "Help: the calibration of the flux capacitor fails on my order."})
	add(models.Ticket{ID: "flux", Subject: "Flux readings drift", Body: "Flux readings on my account drift."})
	for i := 0; i < len(changes); i += 2000 {
		if err := s.Write(ctx, changes[i:min(i+2000, len(changes))]); err != nil {
			t.Fatal(err)
		}
	}
	draft := "I need help with my account and my order: the flux capacitor calibration fails, please help today"
	search := func(s *postgres.Store) []string {
		hits, err := s.SearchTickets(ctx, draft, 10, models.TicketScope{Portal: models.PortalITSM})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, h := range hits {
			ids = append(ids, h.ID)
		}
		return ids
	}
	if got := search(s); len(got) != 10 || got[0] != "capacitor" {
		t.Errorf("without statistics: %v; want 10 hits, capacitor first", got)
	}
	if _, err := conn.Exec(ctx, "ANALYZE documents"); err != nil {
		t.Fatal(err)
	}
	fresh, err := postgres.Open(ctx, postgres.Config{URL: url}) // reads the statistics anew
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if got := search(fresh); !slices.Equal(got, []string{"capacitor", "flux"}) {
		t.Errorf("with statistics: %v; want [capacitor flux] alone", got)
	}
}
