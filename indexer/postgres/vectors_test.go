package postgres_test

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/siftdesk/sift/indexer/postgres"
	"github.com/siftdesk/sift/models"
)

// randomUnit returns a random unit vector.
func randomUnit(r *rand.Rand, dims int) []float32 {
	v := make([]float32, dims)
	var n float64
	for i := range v {
		v[i] = float32(r.NormFloat64())
		n += float64(v[i]) * float64(v[i])
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(n))
	}
	return v
}

func cosine(a, b []float32) float64 {
	var d float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
	}
	return d
}

// exactTop returns the ids of the k vectors nearest q among those keep
// accepts, by brute force.
func exactTop(vecs map[string][]float32, q []float32, k int, keep func(id string) bool) []string {
	type hit struct {
		id string
		s  float64
	}
	var all []hit
	for id, v := range vecs {
		if keep(id) {
			all = append(all, hit{id, cosine(q, v)})
		}
	}
	slices.SortFunc(all, func(a, b hit) int { return cmp.Compare(b.s, a.s) })
	var out []string
	for _, h := range all[:min(k, len(all))] {
		out = append(out, h.id)
	}
	return out
}

func TestVectorSearchFiltersAndRecall(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	const dims, n = 32, 600
	r := rand.New(rand.NewPCG(1, 2))
	vecs := map[string][]float32{}
	internal := map[string]bool{}
	var changes []models.Change
	for i := range n {
		id := fmt.Sprintf("KB-%04d", i)
		vis := models.VisibilityPublic
		if i%3 == 0 {
			vis, internal[id] = models.VisibilityInternal, true
		}
		c := article(id, "Article "+id, vis)
		c.Vector, c.Model = randomUnit(r, dims), "m"
		vecs[id] = c.Vector
		changes = append(changes, c)
		if i%4 == 0 { // another model's vectors never show up
			o := article(fmt.Sprintf("OTHER-%04d", i), "Other", models.VisibilityPublic)
			o.Vector, o.Model = randomUnit(r, dims), "other"
			changes = append(changes, o)
		}
	}
	tickets := map[string]*models.Ticket{}
	for i := range 200 {
		tk := &models.Ticket{ID: fmt.Sprintf("T-%03d", i), Portal: models.PortalCustomer, Org: []string{"Acme", "Globex"}[i%2], Subject: "s"}
		if i%5 == 0 {
			tk.Portal = models.PortalITSM
		}
		c, err := models.NewTicketChange(tk)
		if err != nil {
			t.Fatal(err)
		}
		c.Vector, c.Model = randomUnit(r, dims), "m"
		vecs[tk.ID] = c.Vector
		tickets[tk.ID] = tk
		changes = append(changes, c)
	}
	if err := s.Write(ctx, changes); err != nil {
		t.Fatal(err)
	}
	idx, err := s.VectorIndex(ctx, "m", dims)
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.EnsureIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if err := idx.EnsureIndex(ctx); err != nil {
		t.Fatalf("second EnsureIndex (indexes exist): %v", err)
	}
	found, total := 0, 0
	for range 30 {
		q := randomUnit(r, dims)
		hits, err := idx.SearchArticles(ctx, q, 10, models.ArticleFilter{Visibilities: []models.Visibility{models.VisibilityPublic}})
		if err != nil {
			t.Fatal(err)
		}
		want := exactTop(vecs, q, 10, func(id string) bool { return id[:3] == "KB-" && !internal[id] })
		if len(hits) != 10 {
			t.Fatalf("got %d hits, want 10", len(hits))
		}
		for i, h := range hits {
			if internal[h.ID] || h.ID[:3] != "KB-" {
				t.Fatalf("public search returned %s", h.ID)
			}
			if i > 0 && h.Score > hits[i-1].Score {
				t.Errorf("hits not best first: %v", hits)
			}
			if slices.Contains(want, h.ID) {
				found++
			}
		}
		total += len(want)

		th, err := idx.SearchTickets(ctx, q, 5, models.TicketScope{Portal: models.PortalCustomer, Org: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		if len(th) != 5 {
			t.Fatalf("got %d ticket hits, want 5", len(th))
		}
		for _, h := range th {
			if tk := tickets[h.ID]; tk.Portal != models.PortalCustomer || tk.Org != "Acme" {
				t.Errorf("customer/Acme search returned %+v", tk)
			}
		}
	}
	if recall := float64(found) / float64(total); recall < 0.95 {
		t.Errorf("filtered recall@10 = %.3f, want at least 0.95", recall)
	}
	if _, err := idx.SearchArticles(ctx, []float32{1, 2}, 10, models.ArticleFilter{}); err == nil {
		t.Error("a query of the wrong length was accepted")
	}
	if _, err := s.VectorIndex(ctx, "", 3); err == nil {
		t.Error("VectorIndex accepted an empty model")
	}
}

func TestFeedDeliversChangesInOrder(t *testing.T) {
	s, url := openStore(t)
	ctx := context.Background()
	if err := s.Write(ctx, []models.Change{article("KB-0", "Before the feed", models.VisibilityPublic)}); err != nil {
		t.Fatal(err)
	}
	feed := s.Feed()
	// A second store is another replica writing.
	other, err := postgres.Open(ctx, postgres.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	writes := [][]models.Change{
		{article("KB-1", "One", models.VisibilityPublic), article("KB-2", "Two", models.VisibilityPublic)},
		{models.NewDelete(models.KindArticle, "KB-1")},
		{models.NewDelete(models.KindArticle, "KB-404")}, // deletes nothing: no change
		{article("KB-2", "Two again", models.VisibilityPublic)},
	}
	for _, w := range writes {
		if err := other.Write(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	err = feed.CatchUp(ctx, func(_ context.Context, cs []models.Change) error {
		for _, c := range cs {
			switch {
			case c.Delete:
				got = append(got, "delete "+c.ID)
			default:
				got = append(got, "put "+c.ID+" "+c.Article.Title)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The feed delivers each document's latest state, in the order of
	// its last change: superseded versions are not replayed.
	want := []string{"put KB-0 Before the feed", "delete KB-1", "put KB-2 Two again"}
	if !slices.Equal(got, want) {
		t.Errorf("feed delivered %q, want %q", got, want)
	}
	// Nothing new: nothing delivered; a failed apply is delivered again.
	if err := feed.CatchUp(ctx, func(context.Context, []models.Change) error { t.Error("delivered twice"); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := other.Write(ctx, []models.Change{article("KB-3", "Three", models.VisibilityPublic)}); err != nil {
		t.Fatal(err)
	}
	fail := fmt.Errorf("disk full")
	if err := feed.CatchUp(ctx, func(context.Context, []models.Change) error { return fail }); err != fail {
		t.Fatalf("CatchUp = %v, want the apply error", err)
	}
	n := 0
	if err := feed.CatchUp(ctx, func(_ context.Context, cs []models.Change) error { n += len(cs); return nil }); err != nil || n != 1 {
		t.Errorf("after a failed apply, redelivered %d changes (%v), want 1", n, err)
	}
}
