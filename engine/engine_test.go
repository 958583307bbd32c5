package engine_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/bleve"
	"github.com/siftdesk/sift/models"
)

// demo is the demo corpus, which the engine tests run over.
var demo = filepath.Join("..", "testdata", "demo")

type fixture struct {
	eng     *engine.Engine
	store   engine.Store
	text    *bleve.Index
	ix      *indexer.Indexer
	writer  engine.Writer                   // the engine's writer: ix, or a replica's
	catchUp func(ctx context.Context) error // nil, or brings a replica's caches up to date
	vectors func(model string, dims int) vectorIndex
	events  func(t *testing.T) engine.EventStore
}

// open returns an engine over real backends of kind b in dir, indexing
// sources first.
func open(t *testing.T, b backend, dir string, sources ...string) *fixture {
	t.Helper()
	ctx := context.Background()
	f := b.open(t, dir, discard)
	if len(sources) > 0 {
		sum, err := f.ix.IndexSources(ctx, sources, indexer.Options{})
		if err != nil || sum.Skipped > 0 {
			t.Fatalf("index %v: %v, %d problems, first %v", sources, err, len(sum.Problems), sum.Problems[:min(1, len(sum.Problems))])
		}
	}
	if f.catchUp != nil {
		if err := f.catchUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	eng, err := engine.New(ctx, engine.Config{}, f.store, f.text, f.writer, discard)
	if err != nil {
		t.Fatal(err)
	}
	f.eng = eng
	return f
}

func openDemo(t *testing.T, b backend) *fixture {
	return open(t, b, t.TempDir(),
		filepath.Join(demo, "articles.jsonl"), filepath.Join(demo, "kb"), filepath.Join(demo, "queries.jsonl"))
}

func demoArticles(t *testing.T, f *fixture) []*models.Article {
	t.Helper()
	var out []*models.Article
	if err := f.store.Articles(context.Background(), func(a *models.Article) error {
		out = append(out, a)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCustomerPortalNeverSeesInternalArticles asks, for every internal
// article, the questions most likely to surface it, and checks the
// customer portal never gets it while the ITSM portal does.
func TestCustomerPortalNeverSeesInternalArticles(t *testing.T) {
	eachBackend(t, testCustomerPortalNeverSeesInternalArticles)
}

func testCustomerPortalNeverSeesInternalArticles(t *testing.T, b backend) {
	f := openDemo(t, b)
	ctx := context.Background()
	articles := demoArticles(t, f)
	internal := 0
	for _, a := range articles {
		if a.Visibility != models.VisibilityInternal {
			continue
		}
		internal++
		foundByITSM := false
		for _, portal := range []models.Portal{models.PortalCustomer, models.PortalITSM} {
			var ids []string
			sug, err := f.eng.Suggest(ctx, models.SuggestRequest{Query: a.Title, Audience: models.Audience{Portal: portal}, Limit: models.MaxSuggestLimit})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range sug.Suggestions {
				ids = append(ids, s.ID)
			}
			res, err := f.eng.Search(ctx, models.SearchRequest{Query: a.Title, Audience: models.Audience{Portal: portal}, Limit: models.MaxSearchLimit})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range res.Hits {
				ids = append(ids, h.ID)
			}
			def, err := f.eng.Deflect(ctx, models.DeflectRequest{Subject: a.Title, Body: a.Body, Audience: models.Audience{Portal: portal}, Limit: models.MaxDeflectLimit})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range def.Articles {
				ids = append(ids, h.ID)
			}
			_, getErr := f.eng.Article(ctx, models.Audience{Portal: portal}, a.ID)
			switch portal {
			case models.PortalCustomer:
				if slices.Contains(ids, a.ID) {
					t.Errorf("customer portal got internal article %s (%q)", a.ID, a.Title)
				}
				if !errors.Is(getErr, models.ErrNotFound) {
					t.Errorf("customer portal GET internal article %s: err %v, want not found", a.ID, getErr)
				}
			case models.PortalITSM:
				foundByITSM = slices.Contains(ids, a.ID)
				if getErr != nil {
					t.Errorf("ITSM portal GET internal article %s: %v", a.ID, getErr)
				}
			}
		}
		if !foundByITSM {
			t.Errorf("ITSM portal did not find internal article %s by its own title and body", a.ID)
		}
	}
	if internal < 10 {
		t.Fatalf("demo corpus has %d internal articles; the test needs some", internal)
	}
}

func TestSuggestFindsTitlesWhileTyping(t *testing.T) {
	eachBackend(t, testSuggestFindsTitlesWhileTyping)
}

func testSuggestFindsTitlesWhileTyping(t *testing.T, b backend) {
	f := openDemo(t, b)
	ctx := context.Background()
	for _, a := range demoArticles(t, f) {
		words := strings.Fields(a.Title)
		if len(words) < 2 {
			continue
		}
		// Type the first two words, the second cut short: the article should
		// be among the suggestions.
		typed := words[0] + " " + words[1][:max(1, len(words[1])*2/3)]
		portal := models.PortalCustomer
		if a.Visibility == models.VisibilityInternal {
			portal = models.PortalITSM
		}
		res, err := f.eng.Suggest(ctx, models.SuggestRequest{Query: typed, Audience: models.Audience{Portal: portal}, Limit: models.MaxSuggestLimit})
		if err != nil {
			t.Fatal(err)
		}
		found := slices.ContainsFunc(res.Suggestions, func(s models.Suggestion) bool { return s.ID == a.ID })
		if !found {
			t.Errorf("typing %q did not suggest %s %q", typed, a.ID, a.Title)
		}
	}
}

func TestSuggestQueryCompletions(t *testing.T) { eachBackend(t, testSuggestQueryCompletions) }

func testSuggestQueryCompletions(t *testing.T, b backend) {
	f := openDemo(t, b)
	ctx := context.Background()
	res, err := f.eng.Suggest(ctx, models.SuggestRequest{Query: "track my", Audience: models.Audience{Portal: models.PortalCustomer}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(res.Suggestions, func(s models.Suggestion) bool {
		return s.Kind == models.SuggestionQuery && s.Text == "track my order"
	}) {
		t.Errorf("customer suggestions for %q lack the popular query: %+v", "track my", res.Suggestions)
	}
	res, err = f.eng.Suggest(ctx, models.SuggestRequest{Query: "vpn not", Audience: models.Audience{Portal: models.PortalCustomer}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Suggestions {
		if s.Kind == models.SuggestionQuery {
			t.Errorf("customer portal got an ITSM query completion: %+v", s)
		}
	}
}

func TestRareQueriesStayPrivate(t *testing.T) { eachBackend(t, testRareQueriesStayPrivate) }

func testRareQueriesStayPrivate(t *testing.T, b backend) {
	dir := t.TempDir()
	src := filepath.Join(dir, "queries.jsonl")
	writeFile(t, src, `{"query":"invoice for harbor dental march","portal":"customer","count":1}
{"query":"invoice download","portal":"customer","count":7}
`)
	f := open(t, b, dir, src)
	res, err := f.eng.Suggest(context.Background(), models.SuggestRequest{Query: "invoice", Audience: models.Audience{Portal: models.PortalCustomer}})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, s := range res.Suggestions {
		texts = append(texts, s.Text)
	}
	if !slices.Equal(texts, []string{"invoice download"}) {
		t.Errorf("suggestions = %q, want only the query searched more than once", texts)
	}
}

func TestWritesAreVisibleAtOnce(t *testing.T) { eachBackend(t, testWritesAreVisibleAtOnce) }

func testWritesAreVisibleAtOnce(t *testing.T, b backend) {
	f := open(t, b, t.TempDir())
	ctx := context.Background()
	a := &models.Article{ID: "KB-9", Title: "Quarantined parcels at customs", Body: "Customs hold parcels for **inspection**."}
	created, err := f.eng.PutArticle(ctx, a)
	if err != nil || !created {
		t.Fatalf("PutArticle = %v, %v; want created", created, err)
	}
	assertFound(t, f, "quarantin", "quarantined", "KB-9", true)
	a2 := &models.Article{ID: "KB-9", Title: "Held parcels", Body: "Customs hold parcels."}
	if created, err := f.eng.PutArticle(ctx, a2); err != nil || created {
		t.Fatalf("replace: PutArticle = %v, %v; want replaced", created, err)
	}
	assertFound(t, f, "quarantin", "quarantined", "KB-9", false)
	assertFound(t, f, "held", "held", "KB-9", true)
	if err := f.eng.DeleteArticle(ctx, "KB-9"); err != nil {
		t.Fatal(err)
	}
	assertFound(t, f, "held", "held", "KB-9", false)
	if err := f.eng.DeleteArticle(ctx, "KB-9"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("second delete: %v, want not found", err)
	}

	// A new engine over the same store (a restart) has the same type-ahead.
	if _, err := f.eng.PutArticle(ctx, &models.Article{ID: "KB-10", Title: "Reboot the hub"}); err != nil {
		t.Fatal(err)
	}
	again, err := engine.New(ctx, engine.Config{}, f.store, f.text, f.writer, discard)
	if err != nil {
		t.Fatal(err)
	}
	res, err := again.Suggest(ctx, models.SuggestRequest{Query: "rebo"})
	if err != nil || len(res.Suggestions) != 1 || res.Suggestions[0].ID != "KB-10" {
		t.Errorf("after restart, suggest rebo = %+v, %v", res.Suggestions, err)
	}
}

func TestTicketWrites(t *testing.T) { eachBackend(t, testTicketWrites) }

func testTicketWrites(t *testing.T, b backend) {
	f := open(t, b, t.TempDir())
	ctx := context.Background()
	tk := &models.Ticket{ID: "CS-1", Portal: models.PortalCustomer, Subject: "Parcel late"}
	if created, err := f.eng.PutTicket(ctx, tk); err != nil || !created {
		t.Fatalf("PutTicket = %v, %v", created, err)
	}
	if _, err := f.eng.PutTicket(ctx, &models.Ticket{ID: "CS-2", Subject: "no portal"}); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("ticket without portal: %v, want invalid", err)
	}
	if err := f.eng.DeleteTicket(ctx, "CS-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Ticket(ctx, "CS-1"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("deleted ticket still stored: %v", err)
	}
}

// assertFound checks whether suggest (for the prefix typed) and search
// (for the whole word) return id.
func assertFound(t *testing.T, f *fixture, typed, word, id string, want bool) {
	t.Helper()
	ctx := context.Background()
	sug, err := f.eng.Suggest(ctx, models.SuggestRequest{Query: typed})
	if err != nil {
		t.Fatal(err)
	}
	got := slices.ContainsFunc(sug.Suggestions, func(s models.Suggestion) bool { return s.ID == id })
	if got != want {
		t.Errorf("suggest %q has %s = %v, want %v", typed, id, got, want)
	}
	res, err := f.eng.Search(ctx, models.SearchRequest{Query: word})
	if err != nil {
		t.Fatal(err)
	}
	got = slices.ContainsFunc(res.Hits, func(h models.ArticleHit) bool { return h.ID == id })
	if got != want {
		t.Errorf("search %q has %s = %v, want %v", word, id, got, want)
	}
}

func TestLimits(t *testing.T) { eachBackend(t, testLimits) }

func testLimits(t *testing.T, b backend) {
	f := open(t, b, t.TempDir())
	ctx := context.Background()
	long := strings.Repeat("a", models.MaxSearchQueryLength+1)
	cases := []struct {
		name  string
		err   error
		field string
	}{
		{"suggest limit too high", second(f.eng.Suggest(ctx, models.SuggestRequest{Query: "a", Limit: models.MaxSuggestLimit + 1})), "limit"},
		{"suggest query too long", second(f.eng.Suggest(ctx, models.SuggestRequest{Query: long})), "q"},
		{"search needs a query", second(f.eng.Search(ctx, models.SearchRequest{Query: "  "})), "q"},
		{"search offset too far", second(f.eng.Search(ctx, models.SearchRequest{Query: "x", Offset: models.MaxSearchOffset + 1})), "offset"},
		{"search limit negative", second(f.eng.Search(ctx, models.SearchRequest{Query: "x", Limit: -1})), "limit"},
		{"deflect needs text", second(f.eng.Deflect(ctx, models.DeflectRequest{})), "subject"},
		{"deflect too long", second(f.eng.Deflect(ctx, models.DeflectRequest{Body: strings.Repeat("b", models.MaxDeflectTextBytes+1)})), "body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var e *models.Error
			if !errors.As(tc.err, &e) || e.Field != tc.field {
				t.Fatalf("err = %v, want an application error about %q", tc.err, tc.field)
			}
			if e.Code != models.CodeInvalid && e.Code != models.CodeTooLarge {
				t.Errorf("code = %s, want invalid or too_large", e.Code)
			}
		})
	}
}

func second[T any](_ T, err error) error { return err }

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
