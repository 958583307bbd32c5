package postgres_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/siftdesk/sift/indexer/postgres"
	"github.com/siftdesk/sift/models"
)

func TestMigrationsFromEmptyAndAgain(t *testing.T) {
	url := testURL(t)
	ctx := context.Background()
	applied, err := postgres.Migrate(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 || applied[0] != "0001_init.sql" {
		t.Fatalf("first run applied %v, want 0001_init.sql first", applied)
	}
	again, err := postgres.Migrate(ctx, url)
	if err != nil || len(again) != 0 {
		t.Fatalf("second run applied %v, %v; want nothing", again, err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n != len(applied) {
		t.Errorf("schema_migrations has %d rows (%v), want %d", n, err, len(applied))
	}
	// Opening runs migrations too, and finds nothing to do.
	s, err := postgres.Open(ctx, postgres.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

func TestConcurrentMigrationsApplyOnce(t *testing.T) {
	url := testURL(t)
	ctx := context.Background()
	errs := make(chan error, 4)
	total := make(chan int, 4)
	for range 4 {
		go func() {
			applied, err := postgres.Migrate(ctx, url)
			errs <- err
			total <- len(applied)
		}()
	}
	sum := 0
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
		sum += <-total
	}
	files, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("migration files: %v, %v", files, err)
	}
	if sum != len(files) {
		t.Errorf("four replicas applied %d migrations in all, want each of the %d once", sum, len(files))
	}
}

func article(id, title string, vis models.Visibility) models.Change {
	c, err := models.NewArticleChange(&models.Article{ID: id, Title: title, Body: "Body of " + title, Visibility: vis})
	if err != nil {
		panic(err)
	}
	return c
}

func TestStoreWritesReadsAndDeletes(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	a1 := article("KB-1", "Reset a password", models.VisibilityPublic)
	a1.Vector, a1.Model = []float32{1, 0, 0}, "m1"
	a2 := article("KB-2", "VPN setup", models.VisibilityInternal)
	tk, err := models.NewTicketChange(&models.Ticket{ID: "T-1", Portal: models.PortalITSM, Subject: "VPN drops", Org: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := models.NewQueryChange(&models.QueryRecord{Query: "track my order", Portal: models.PortalCustomer, Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, []models.Change{a1, a2, tk, q}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Article(ctx, "KB-1")
	if err != nil || got.Title != "Reset a password" {
		t.Fatalf("Article = %+v, %v", got, err)
	}
	if _, err := s.Article(ctx, "KB-404"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("missing article: %v, want not found", err)
	}
	if tg, err := s.Ticket(ctx, "T-1"); err != nil || tg.Org != "Acme" {
		t.Errorf("Ticket = %+v, %v", tg, err)
	}
	hashes, err := s.Hashes(ctx, models.KindArticle)
	if err != nil || len(hashes) != 2 || hashes["KB-1"] != a1.Hash {
		t.Errorf("Hashes = %v, %v", hashes, err)
	}
	if h, err := s.Hash(ctx, models.KindArticle, "KB-404"); h != "" || err != nil {
		t.Errorf("Hash of missing = %q, %v", h, err)
	}
	var ids []string
	if err := s.Articles(ctx, func(a *models.Article) error { ids = append(ids, a.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []string{"KB-1", "KB-2"}) {
		t.Errorf("Articles = %v", ids)
	}
	var queries []string
	if err := s.Queries(ctx, func(q *models.QueryRecord) error { queries = append(queries, q.Query); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(queries, []string{"track my order"}) {
		t.Errorf("Queries = %v", queries)
	}

	// Vectors are tagged with their model; a vector-only change adds one to
	// a stored document and leaves the document alone.
	vecs := func(model string) map[string][]float32 {
		out := map[string][]float32{}
		if err := s.Vectors(ctx, models.KindArticle, model, func(id string, v []float32) error { out[id] = v; return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if v := vecs("m1"); len(v) != 1 || !slices.Equal(v["KB-1"], []float32{1, 0, 0}) {
		t.Errorf("m1 vectors = %v", v)
	}
	if v := vecs("m2"); len(v) != 0 {
		t.Errorf("m2 vectors = %v, want none", v)
	}
	vo := a2
	vo.VectorOnly, vo.Vector, vo.Model, vo.Article = true, []float32{0, 1, 0}, "m1", nil
	if err := s.Write(ctx, []models.Change{vo}); err != nil {
		t.Fatal(err)
	}
	if v := vecs("m1"); len(v) != 2 {
		t.Errorf("after vector-only write, m1 vectors = %v", v)
	}
	if got, _ := s.Article(ctx, "KB-2"); got == nil || got.Title != "VPN setup" {
		t.Errorf("vector-only write changed the document: %+v", got)
	}

	// Deletes, and the last change of a document in a batch wins.
	a1b := article("KB-1", "Reset a password (new)", models.VisibilityPublic)
	if err := s.Write(ctx, []models.Change{models.NewDelete(models.KindArticle, "KB-1"), a1b, models.NewDelete(models.KindArticle, "KB-2")}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Article(ctx, "KB-1"); err != nil || got.Title != "Reset a password (new)" {
		t.Errorf("KB-1 after delete+upsert = %+v, %v", got, err)
	}
	if n, _ := s.Count(ctx, models.KindArticle); n != 1 {
		t.Errorf("Count = %d, want 1", n)
	}
	if v := vecs("m1"); len(v) != 0 {
		t.Errorf("vectors of replaced and deleted articles remain: %v", v)
	}
	if err := s.Write(ctx, []models.Change{{Kind: "widget", ID: "x", Delete: true}}); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("unknown kind: %v, want invalid", err)
	}
}

func TestUnknownFieldsRoundTrip(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	var a models.Article
	raw := `{"id":"KB-7","title":"Printer offline","body":"Restart it.","x_owner":{"team":"desk","since":2019}}`
	if err := a.UnmarshalJSON([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	c, err := models.NewArticleChange(&a)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, []models.Change{c}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Article(ctx, "KB-7")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := a.MarshalJSON()
	back, _ := got.MarshalJSON()
	if string(back) != string(want) {
		t.Errorf("stored article marshals to\n%s\nwant\n%s", back, want)
	}
}

func TestEventsDedupeAndReplayInAppendOrder(t *testing.T) {
	s, _ := openStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	ev := func(id string, minute int) models.Event {
		return models.Event{ID: id, Type: models.EventSearch, SessionID: "s1", Portal: models.PortalCustomer, Time: t0.Add(time.Duration(minute) * time.Minute), Query: "q " + id}
	}
	ids := func(evs []models.Event) []string {
		var out []string
		for _, e := range evs {
			out = append(out, e.ID)
		}
		return out
	}
	added, err := s.Append(ctx, []models.Event{ev("e3", 3), ev("e1", 1), ev("e2", 1), ev("e1", 1)})
	if want := []string{"e3", "e1", "e2"}; err != nil || !slices.Equal(ids(added), want) {
		t.Fatalf("Append = %v, %v; want %v added (the second e1 a duplicate)", ids(added), err, want)
	}
	added, err = s.Append(ctx, []models.Event{ev("e2", 1), ev("e4", 5)})
	if want := []string{"e4"}; err != nil || !slices.Equal(ids(added), want) {
		t.Fatalf("second Append = %v, %v; want %v added", ids(added), err, want)
	}
	var replayed []models.Event
	if err := s.Replay(ctx, func(e models.Event) error {
		replayed = append(replayed, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"e3", "e1", "e2", "e4"}; !slices.Equal(ids(replayed), want) {
		t.Errorf("Replay = %v, want %v (append order)", ids(replayed), want)
	}
	if n, err := s.EventCount(ctx); err != nil || n != 4 {
		t.Errorf("EventCount = %d, %v", n, err)
	}
}

func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := postgres.Open(ctx, postgres.Config{URL: "postgres://sift:secret-pw@127.0.0.1:1/sift?sslmode=disable"})
	if !errors.Is(err, models.ErrUnavailable) {
		t.Errorf("Open on a closed port: %v, want unavailable", err)
	}
	if err != nil && containsPassword(err.Error()) {
		t.Errorf("error repeats the password: %v", err)
	}
	if _, err := postgres.Open(ctx, postgres.Config{URL: "postgres://sift:secret-pw@127.0.0.1:1/sift?sslmode=bogus"}); err == nil || containsPassword(err.Error()) {
		t.Errorf("bad URL: %v; want an error without the password", err)
	}
}

func containsPassword(s string) bool { return strings.Contains(s, "secret-pw") }

func TestMaskURL(t *testing.T) {
	cases := []struct{ in, want string }{
		{"postgres://sift:pw@db:5432/sift?sslmode=disable", "postgres://sift:xxxxx@db:5432/sift?sslmode=disable"},
		{"postgres://db/sift", "postgres://db/sift"},
		{"host=db password=pw", "(connection string)"},
	}
	for _, tc := range cases {
		if got := postgres.MaskURL(tc.in); got != tc.want {
			t.Errorf("MaskURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestExclusively runs a function from two stores (two replicas' pools)
// over one schema at once and checks they never overlap.
func TestExclusively(t *testing.T) {
	url := testURL(t)
	ctx := context.Background()
	var inside, most, runs atomic.Int32
	var wg sync.WaitGroup
	for range 2 {
		s, err := postgres.Open(ctx, postgres.Config{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		wg.Go(func() {
			for range 3 {
				err := s.Exclusively(ctx, "test", func() error {
					n := inside.Add(1)
					for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
					}
					time.Sleep(30 * time.Millisecond)
					inside.Add(-1)
					runs.Add(1)
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if runs.Load() != 6 || most.Load() != 1 {
		t.Errorf("%d runs, at most %d at once; want 6 runs, one at a time", runs.Load(), most.Load())
	}
}
