package indexer_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/siftdesk/sift/engine/bm25"
	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/bleve"
	"github.com/siftdesk/sift/indexer/bolt"
	"github.com/siftdesk/sift/models"
)

// backends is an indexer over a real store and full-text index in a
// temporary folder.
type backends struct {
	dir   string
	store *bolt.Store
	text  *bleve.Index
	ix    *indexer.Indexer
}

func openBackends(t *testing.T, batchSize int) *backends {
	t.Helper()
	dir := t.TempDir()
	store, err := bolt.Open(filepath.Join(dir, "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := bleve.Open(filepath.Join(dir, "fulltext"))
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { text.Close(); store.Close() })
	return &backends{dir: dir, store: store, text: text,
		ix: indexer.New(store, text, batchSize, slog.New(slog.DiscardHandler))}
}

func (b *backends) run(t *testing.T, opt indexer.Options, sources ...string) indexer.Summary {
	t.Helper()
	sum, err := b.ix.IndexSources(context.Background(), sources, opt)
	if err != nil {
		t.Fatalf("IndexSources: %v", err)
	}
	return sum
}

// search returns the ids of the articles, public and internal, matching q,
// as article search finds them once loaded from the store.
func (b *backends) search(t *testing.T, q string) []string {
	t.Helper()
	x := bm25.New(bm25.English())
	err := b.store.Articles(context.Background(), func(a *models.Article) error {
		x.Put(a)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	res := x.Search(models.TextQuery{
		Text: q, Limit: 50,
		Filter: models.ArticleFilter{Visibilities: []models.Visibility{models.VisibilityPublic, models.VisibilityInternal}},
	})
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	slices.Sort(ids)
	return ids
}

func (b *backends) count(t *testing.T, kind models.Kind) int {
	t.Helper()
	n, err := b.store.Count(context.Background(), kind)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (b *backends) title(t *testing.T, id string) string {
	t.Helper()
	a, err := b.store.Article(context.Background(), id)
	if err != nil {
		t.Fatalf("article %s: %v", id, err)
	}
	return a.Title
}

// counts is the part of a summary the tests compare.
type counts struct {
	Read, Added, Updated, Unchanged, Deleted, Skipped int
}

func countsOf(s indexer.Summary) counts {
	return counts{s.Read, s.Added, s.Updated, s.Unchanged, s.Deleted, s.Skipped}
}

func articleLine(id, title string) string {
	return fmt.Sprintf(`{"id":%q,"title":%q,"body":"Body of %s."}`, id, title, id)
}

func ticketLine(id, subject string) string {
	return fmt.Sprintf(`{"id":%q,"portal":"itsm","subject":%q}`, id, subject)
}

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

func TestIndexSourcesIncremental(t *testing.T) {
	b := openBackends(t, 0)
	articles := writeFile(t, b.dir, "src/articles.jsonl", lines(
		articleLine("kb-1", "Reset your password"),
		articleLine("kb-2", "Configure the VPN client"),
		articleLine("kb-3", "Printer jams"),
	))
	tickets := writeFile(t, b.dir, "src/tickets.csv", "id,portal,subject,priority\nT-1,itsm,VPN drops,high\nT-2,customer,Invoice missing,low\n")
	kb := filepath.Dir(writeFile(t, b.dir, "src/kb/kb-4.md", "---\ntitle: Expense reports\nvisibility: internal\n---\nSubmit receipts.\n"))
	queries := writeFile(t, b.dir, "src/queries.jsonl", `{"query":"reset password","count":12}`)
	sources := []string{articles, tickets, kb, queries}

	var progress []indexer.Progress
	opt := indexer.Options{Progress: func(p indexer.Progress) { progress = append(progress, p) }}
	sum := b.run(t, opt, sources...)
	if got, want := countsOf(sum), (counts{Read: 7, Added: 7}); got != want {
		t.Errorf("first run: %+v, want %+v", got, want)
	}
	if len(sum.Problems) != 0 || sum.DeleteSkipped {
		t.Errorf("first run: problems %v, DeleteSkipped %v", sum.Problems, sum.DeleteSkipped)
	}
	if len(progress) == 0 || progress[len(progress)-1].Added != 7 {
		t.Errorf("progress reports %+v, want the last with 7 added", progress)
	}
	for kind, want := range map[models.Kind]int{models.KindArticle: 4, models.KindTicket: 2, models.KindQuery: 1} {
		if got := b.count(t, kind); got != want {
			t.Errorf("stored %ss = %d, want %d", kind, got, want)
		}
	}
	if n, _ := b.text.Count(); n != 6 {
		t.Errorf("full-text documents = %d, want 6", n)
	}
	if got := b.search(t, "expense"); !slices.Equal(got, []string{"kb-4"}) {
		t.Errorf("search expense = %q", got)
	}

	sum = b.run(t, indexer.Options{}, sources...)
	if got, want := countsOf(sum), (counts{Read: 7, Unchanged: 7}); got != want {
		t.Errorf("second run: %+v, want %+v", got, want)
	}

	writeFile(t, b.dir, "src/articles.jsonl", lines(
		articleLine("kb-1", "Reset your password"),
		articleLine("kb-2", "Configure the WireGuard client"),
		articleLine("kb-3", "Printer jams"),
	))
	sum = b.run(t, indexer.Options{}, sources...)
	if got, want := countsOf(sum), (counts{Read: 7, Updated: 1, Unchanged: 6}); got != want {
		t.Errorf("after changing one line: %+v, want %+v", got, want)
	}
	if got := b.title(t, "kb-2"); got != "Configure the WireGuard client" {
		t.Errorf("stored title = %q", got)
	}
	if got := b.search(t, "wireguard"); !slices.Equal(got, []string{"kb-2"}) {
		t.Errorf("search wireguard = %q", got)
	}
	if got := b.search(t, "vpn"); len(got) != 0 {
		t.Errorf("search vpn still finds %q", got)
	}
}

func TestIndexSourcesSkipsBadRecords(t *testing.T) {
	b := openBackends(t, 0)
	src := writeFile(t, b.dir, "articles.jsonl", lines(
		articleLine("kb-1", "Reset your password"),
		articleLine("kb-2", "Configure the VPN client"),
		articleLine("kb-3", "Printer jams"),
	))
	b.run(t, indexer.Options{}, src)

	// kb-2's line breaks, kb-3 changes, kb-4 is new and kb-5 is invalid.
	writeFile(t, b.dir, "articles.jsonl", lines(
		articleLine("kb-1", "Reset your password"),
		`{"id":"kb-2","title":"Configure the VPN client",`,
		articleLine("kb-3", "Printer jams and smudges"),
		articleLine("kb-4", "Expense reports"),
		`{"id":"kb-5","title":"Bad tags","tags":"x"}`,
	))
	sum := b.run(t, indexer.Options{DeleteMissing: true}, src)
	if got, want := countsOf(sum), (counts{Read: 5, Added: 1, Updated: 1, Unchanged: 1, Skipped: 2}); got != want {
		t.Errorf("summary %+v, want %+v", got, want)
	}
	if !sum.DeleteSkipped {
		t.Error("DeleteSkipped = false with skipped records")
	}
	var where []string
	for _, p := range sum.Problems {
		where = append(where, p.Location())
		if p.Err == nil {
			t.Errorf("problem %s without an error", p.Location())
		}
	}
	if want := []string{src + ":2", src + ":5"}; !slices.Equal(where, want) {
		t.Errorf("problems at %q, want %q", where, want)
	}
	if len(sum.Problems) == 2 && !strings.Contains(sum.Problems[1].Err.Error(), "tags") {
		t.Errorf("problem %v does not name the field", sum.Problems[1].Err)
	}
	// The document on the broken line was indexed before: it stays.
	if got := b.title(t, "kb-2"); got != "Configure the VPN client" {
		t.Errorf("kb-2 title = %q", got)
	}
	if got := b.search(t, "vpn"); !slices.Equal(got, []string{"kb-2"}) {
		t.Errorf("search vpn = %q, want kb-2 kept", got)
	}
	if got := b.title(t, "kb-3"); got != "Printer jams and smudges" {
		t.Errorf("kb-3 title = %q", got)
	}
	if got := b.count(t, models.KindArticle); got != 4 {
		t.Errorf("%d articles stored, want 4", got)
	}
	if _, err := b.store.Article(context.Background(), "kb-5"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("invalid kb-5: err = %v, want not found", err)
	}
}

func TestIndexSourcesDeleteMissing(t *testing.T) {
	const (
		allArticles = "articles.jsonl"
		allTickets  = "tickets.jsonl"
		allQueries  = "queries.jsonl"
		fewArticles = "few-articles.jsonl"
		fewTickets  = "few-tickets.jsonl"
		mixedFew    = "mixed.jsonl"
		kbFolder    = "kb"
		broken      = "broken.jsonl"
	)
	files := map[string]string{
		allArticles: lines(articleLine("kb-1", "Reset password"), articleLine("kb-2", "VPN client"), articleLine("kb-3", "Printer jams")),
		allTickets:  lines(ticketLine("T-1", "VPN drops"), ticketLine("T-2", "Printer offline")),
		allQueries:  lines(`{"query":"vpn"}`, `{"query":"printer"}`),
		fewArticles: lines(articleLine("kb-1", "Reset password")),
		fewTickets:  lines(ticketLine("T-2", "Printer offline")),
		mixedFew:    lines(articleLine("kb-3", "Printer jams"), ticketLine("T-1", "VPN drops")),
		broken:      lines(articleLine("kb-1", "Reset password"), `{"id":"kb-2",`),
	}
	type stored struct{ articles, tickets, queries int }
	tests := []struct {
		name          string
		second        []string
		deleteMissing bool
		wantDeleted   int
		wantSkipped   bool // DeleteSkipped
		want          stored
		gone          []string // article ids no longer searchable
	}{
		{"articles only: tickets and queries kept", []string{fewArticles}, true, 2, false, stored{1, 2, 2}, []string{"kb-2", "kb-3"}},
		{"tickets only: articles and queries kept", []string{fewTickets}, true, 1, false, stored{3, 1, 2}, nil},
		{"both kinds in one file", []string{mixedFew}, true, 3, false, stored{1, 1, 2}, []string{"kb-1", "kb-2"}},
		{"Markdown folder holds articles", []string{kbFolder}, true, 3, false, stored{1, 2, 2}, []string{"kb-1", "kb-2", "kb-3"}},
		{"everything still there", []string{allArticles, allTickets, allQueries}, true, 0, false, stored{3, 2, 2}, nil},
		{"not asked", []string{fewArticles}, false, 0, false, stored{3, 2, 2}, nil},
		{"not applied when a record was skipped", []string{broken}, true, 0, true, stored{3, 2, 2}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := openBackends(t, 2)
			paths := map[string]string{}
			for name, content := range files {
				paths[name] = writeFile(t, b.dir, name, content)
			}
			paths[kbFolder] = filepath.Dir(writeFile(t, b.dir, "kb/kb-9.md", "---\ntitle: Expense reports\n---\nBody\n"))
			b.run(t, indexer.Options{}, paths[allArticles], paths[allTickets], paths[allQueries])

			var second []string
			for _, s := range tc.second {
				second = append(second, paths[s])
			}
			sum := b.run(t, indexer.Options{DeleteMissing: tc.deleteMissing}, second...)
			if sum.Deleted != tc.wantDeleted || sum.DeleteSkipped != tc.wantSkipped {
				t.Errorf("Deleted %d DeleteSkipped %v, want %d %v", sum.Deleted, sum.DeleteSkipped, tc.wantDeleted, tc.wantSkipped)
			}
			got := stored{b.count(t, models.KindArticle), b.count(t, models.KindTicket), b.count(t, models.KindQuery)}
			if tc.name == "Markdown folder holds articles" {
				tc.want.articles = 1 // kb-9 from the folder
			}
			if got != tc.want {
				t.Errorf("stored %+v, want %+v", got, tc.want)
			}
			for _, id := range tc.gone {
				if _, err := b.store.Article(context.Background(), id); !errors.Is(err, models.ErrNotFound) {
					t.Errorf("%s still stored (err %v)", id, err)
				}
			}
			hits := b.search(t, "reset password vpn client printer jams")
			for _, id := range tc.gone {
				if slices.Contains(hits, id) {
					t.Errorf("deleted %s still searchable: %q", id, hits)
				}
			}
			if n, _ := b.text.Count(); n != uint64(got.articles+got.tickets) {
				t.Errorf("full-text documents %d, want %d", n, got.articles+got.tickets)
			}
			// A run right after changes nothing.
			sum = b.run(t, indexer.Options{DeleteMissing: tc.deleteMissing}, second...)
			if sum.Added+sum.Updated+sum.Deleted != 0 && !tc.wantSkipped {
				t.Errorf("re-run wrote: %+v", countsOf(sum))
			}
		})
	}
}

func TestIndexSourcesDuplicateIDs(t *testing.T) {
	for _, batch := range []int{0, 1, 2} {
		t.Run(fmt.Sprintf("batch size %d", batch), func(t *testing.T) {
			b := openBackends(t, batch)
			src := writeFile(t, b.dir, "dups.jsonl", lines(
				articleLine("kb-1", "First alpha"),
				articleLine("kb-2", "Other"),
				articleLine("kb-1", "Second omega"),
				ticketLine("kb-1", "A ticket may share an article's id"),
			))
			sum := b.run(t, indexer.Options{}, src)
			if sum.Skipped != 0 || sum.Read != 4 {
				t.Errorf("summary %+v", countsOf(sum))
			}
			if got := b.title(t, "kb-1"); got != "Second omega" {
				t.Errorf("kb-1 title = %q, want the last one", got)
			}
			if got := b.search(t, "omega"); !slices.Equal(got, []string{"kb-1"}) {
				t.Errorf("search omega = %q", got)
			}
			if got := b.search(t, "alpha"); len(got) != 0 {
				t.Errorf("search alpha = %q, want nothing", got)
			}
			if got := b.count(t, models.KindArticle); got != 2 {
				t.Errorf("%d articles", got)
			}
			if _, err := b.store.Ticket(context.Background(), "kb-1"); err != nil {
				t.Errorf("ticket kb-1: %v", err)
			}
			h, _ := b.store.Hashes(context.Background(), models.KindArticle)
			a := models.Article{ID: "kb-1", Title: "Second omega", Body: "Body of kb-1."}
			c, _ := models.NewArticleChange(&a)
			if h["kb-1"] != c.Hash {
				t.Errorf("stored hash of kb-1 is not the last version's")
			}
		})
	}
}

func TestIndexSourcesCancel(t *testing.T) {
	var many []string
	for i := range 10 {
		many = append(many, articleLine(fmt.Sprintf("kb-%d", i), fmt.Sprintf("Article %d", i)))
	}
	t.Run("before it starts", func(t *testing.T) {
		b := openBackends(t, 2)
		src := writeFile(t, b.dir, "a.jsonl", lines(many...))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := b.ix.IndexSources(ctx, []string{src}, indexer.Options{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if n := b.count(t, models.KindArticle); n != 0 {
			t.Errorf("%d articles written", n)
		}
	})
	t.Run("after the first batch", func(t *testing.T) {
		b := openBackends(t, 2)
		src := writeFile(t, b.dir, "a.jsonl", lines(many...))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		sum, err := b.ix.IndexSources(ctx, []string{src}, indexer.Options{
			DeleteMissing: true,
			Progress:      func(indexer.Progress) { cancel() },
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		n := b.count(t, models.KindArticle)
		if n != 2 {
			t.Errorf("%d articles written, want the first batch of 2", n)
		}
		if sum.Read >= len(many) {
			t.Errorf("read %d records after cancelling", sum.Read)
		}
		// What was written is consistent, and a new run completes it.
		if got := len(b.search(t, "article")); got != n {
			t.Errorf("%d searchable, %d stored", got, n)
		}
		sum = b.run(t, indexer.Options{}, src)
		if sum.Added != len(many)-n || sum.Unchanged != n {
			t.Errorf("resumed run: %+v", countsOf(sum))
		}
	})
}

func TestIndexSourcesSourceErrors(t *testing.T) {
	b := openBackends(t, 0)
	good := writeFile(t, b.dir, "a.jsonl", articleLine("kb-1", "T"))
	tests := []struct {
		name   string
		source string
	}{
		{"unknown format", writeFile(t, b.dir, "a.xml", "<a/>")},
		{"missing file", filepath.Join(b.dir, "missing.jsonl")},
		{"CSV without a header", writeFile(t, b.dir, "empty.csv", "")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.ix.IndexSources(context.Background(), []string{good, tc.source}, indexer.Options{DeleteMissing: true})
			if err == nil || !strings.Contains(err.Error(), tc.source) {
				t.Errorf("err = %v, want one naming %s", err, tc.source)
			}
		})
	}
}

func TestIndexSourcesForcedKind(t *testing.T) {
	b := openBackends(t, 0)
	src := writeFile(t, b.dir, "q.csv", "query,title\nvpn setup,looks like an article\n")
	sum := b.run(t, indexer.Options{Kind: models.KindQuery}, src)
	if sum.Added != 1 || b.count(t, models.KindQuery) != 1 || b.count(t, models.KindArticle) != 0 {
		t.Errorf("summary %+v, stored %d queries %d articles", countsOf(sum),
			b.count(t, models.KindQuery), b.count(t, models.KindArticle))
	}
}

// TestRepairAfterInterruptedWrites leaves the state a crash between the
// full-text index and the store leaves (intents recorded, the index
// written, the store not), and checks Repair brings the index back to the
// store: an upsert of a new document is undone, an update rolled back to
// the stored version, a delete undone.
func TestRepairAfterInterruptedWrites(t *testing.T) {
	ctx := context.Background()
	b := openBackends(t, 0)
	change := func(id, title string) models.Change {
		t.Helper()
		c, err := models.NewArticleChange(&models.Article{ID: id, Title: title, Body: "body"})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if err := b.ix.Apply(ctx, []models.Change{change("kept", "walrus manual"), change("gone", "narwhal manual")}); err != nil {
		t.Fatal(err)
	}
	if n, err := b.ix.Repair(ctx); n != 0 || err != nil {
		t.Fatalf("Repair after clean writes = %d, %v; want nothing to do", n, err)
	}
	interrupted := []models.Change{
		change("new", "pelican manual"),
		change("kept", "albatross manual"),
		{Kind: models.KindArticle, ID: "gone", Delete: true},
	}
	if err := b.store.Intend(ctx, interrupted); err != nil {
		t.Fatal(err)
	}
	if err := b.text.Write(ctx, interrupted); err != nil {
		t.Fatal(err)
	}
	// The full-text index's titles, as its plain-bleve completions find them.
	titles := func(word string) []string {
		t.Helper()
		got, err := b.text.TitleCompletions(ctx, word+" ", []models.Visibility{models.VisibilityPublic}, 10)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	for q, want := range map[string][]string{"pelican": {"pelican manual"}, "albatross": {"albatross manual"}, "walrus": nil, "narwhal": nil} {
		if got := titles(q); !slices.Equal(got, want) {
			t.Fatalf("before repair, %q finds %v, want %v: the interrupted writes visible", q, got, want)
		}
	}
	if n, err := b.ix.Repair(ctx); n != 3 || err != nil {
		t.Fatalf("Repair = %d, %v; want 3 documents repaired", n, err)
	}
	for q, want := range map[string][]string{"pelican": nil, "albatross": nil, "walrus": {"walrus manual"}, "narwhal": {"narwhal manual"}} {
		if got := titles(q); !slices.Equal(got, want) {
			t.Errorf("after repair, %q finds %v, want %v", q, got, want)
		}
	}
	if n, err := b.ix.Repair(ctx); n != 0 || err != nil {
		t.Errorf("second Repair = %d, %v; want nothing left", n, err)
	}
}

// brokenAfter is the real full-text index, failing every write after the
// first n: a disk that fills up.
type brokenAfter struct {
	indexer.TextIndex
	n int
}

func (b *brokenAfter) Write(ctx context.Context, changes []models.Change) error {
	if b.n == 0 {
		return errors.New("disk full")
	}
	b.n--
	return b.TextIndex.Write(ctx, changes)
}

// TestIndexSourcesStopsAtAFailedWrite checks that batches written while
// the next ones are read stop at the first failed write: the error is
// returned, what was written before stays, and nothing after it is
// written.
func TestIndexSourcesStopsAtAFailedWrite(t *testing.T) {
	b := openBackends(t, 2)
	var many []string
	for i := range 10 {
		many = append(many, articleLine(fmt.Sprintf("kb-%d", i), fmt.Sprintf("Article %d", i)))
	}
	src := writeFile(t, b.dir, "a.jsonl", lines(many...))
	ix := indexer.New(b.store, &brokenAfter{TextIndex: b.text, n: 1}, 2, slog.New(slog.DiscardHandler))
	_, err := ix.IndexSources(context.Background(), []string{src}, indexer.Options{})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the failed write's", err)
	}
	if n := b.count(t, models.KindArticle); n != 2 {
		t.Errorf("%d articles stored, want the first batch of 2 and nothing after the failed write", n)
	}
}
