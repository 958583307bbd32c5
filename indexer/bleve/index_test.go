package bleve_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/bleve"
	"github.com/siftdesk/sift/models"
)

var publicOnly = []models.Visibility{models.VisibilityPublic}

// corpus is a small knowledge base: public articles and an internal one.
var corpus = []models.Article{
	{ID: "kb-title", Title: "Reset your password", Body: "Open the Settings page and follow the steps.", Tags: []string{"login"}},
	{ID: "kb-printer", Title: "Printer jams", Body: "**Remove** the paper tray, then [clear the rollers](/rollers).", Tags: []string{"printing"}},
	{ID: "kb-int-vpn", Title: "Unlock a VPN account password", Body: "Use the admin console to unlock the VPN account.", Visibility: models.VisibilityInternal},
}

func openIndex(t *testing.T) (*bleve.Index, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "fulltext")
	x, err := bleve.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x, dir
}

// openCorpus returns an index holding corpus, a ticket and a query record.
func openCorpus(t *testing.T) *bleve.Index {
	t.Helper()
	x, _ := openIndex(t)
	var changes []models.Change
	for _, a := range corpus {
		c, err := models.NewArticleChange(&a)
		if err != nil {
			t.Fatal(err)
		}
		changes = append(changes, c)
	}
	tk := models.Ticket{ID: "T-1", Portal: models.PortalITSM, Subject: "Password reset fails on printer", Body: "VPN password"}
	c, err := models.NewTicketChange(&tk)
	if err != nil {
		t.Fatal(err)
	}
	q := models.QueryRecord{Query: "password"}
	qc, err := models.NewQueryChange(&q)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Write(context.Background(), append(changes, c, qc)); err != nil {
		t.Fatal(err)
	}
	return x
}

// titles returns the titles of the public articles whose title matches
// text, as the plain-bleve type-ahead baseline finds them.
func titles(t *testing.T, x *bleve.Index, text string) []string {
	t.Helper()
	got, err := x.TitleCompletions(context.Background(), text, publicOnly, 20)
	if err != nil {
		t.Fatalf("title completions of %q: %v", text, err)
	}
	return got
}

func TestCountArticlesAndTickets(t *testing.T) {
	x := openCorpus(t)
	n, err := x.Count()
	if err != nil {
		t.Fatal(err)
	}
	if want := uint64(len(corpus) + 1); n != want { // articles and the ticket, not the query
		t.Errorf("Count = %d, want %d", n, want)
	}
}

func TestWriteDeleteAndReplace(t *testing.T) {
	ctx := context.Background()
	x := openCorpus(t)
	if got := titles(t, x, "printer "); !slices.Contains(got, "Printer jams") {
		t.Fatalf("before delete: %q", got)
	}
	// A ticket with the same id as an article is a different document.
	tk := models.Ticket{ID: "kb-printer", Portal: models.PortalITSM, Subject: "printer"}
	tc, err := models.NewTicketChange(&tk)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Write(ctx, []models.Change{tc}); err != nil {
		t.Fatal(err)
	}
	if err := x.Write(ctx, []models.Change{models.NewDelete(models.KindTicket, "kb-printer")}); err != nil {
		t.Fatal(err)
	}
	if got := titles(t, x, "printer "); !slices.Contains(got, "Printer jams") {
		t.Fatalf("deleting a ticket removed the article with its id: %q", got)
	}

	err = x.Write(ctx, []models.Change{
		models.NewDelete(models.KindArticle, "kb-printer"),
		models.NewDelete(models.KindArticle, "never-indexed"),
		models.NewDelete(models.KindQuery, "customer:password"),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"printer ", "jams ", "printr "} {
		if got := titles(t, x, q); slices.Contains(got, "Printer jams") {
			t.Errorf("%q still finds the deleted article: %q", q, got)
		}
	}
	if n, _ := x.Count(); n != uint64(len(corpus)) { // one article fewer, plus the ticket T-1
		t.Errorf("Count = %d, want %d", n, len(corpus))
	}

	// Replacing an article drops its old words.
	a := models.Article{ID: "kb-title", Title: "Change your passphrase", Body: "New text."}
	c, err := models.NewArticleChange(&a)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Write(ctx, []models.Change{c}); err != nil {
		t.Fatal(err)
	}
	if got := titles(t, x, "reset "); slices.Contains(got, "Reset your password") {
		t.Errorf("old title still matches: %q", got)
	}
	if got := titles(t, x, "passphrase "); !slices.Equal(got, []string{"Change your passphrase"}) {
		t.Errorf("new title: %q", got)
	}
}

func TestWriteCancelled(t *testing.T) {
	x, _ := openIndex(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a := models.Article{ID: "kb-1", Title: "T"}
	c, _ := models.NewArticleChange(&a)
	if err := x.Write(ctx, []models.Change{c}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n, _ := x.Count(); n != 0 {
		t.Errorf("Count = %d after a cancelled write", n)
	}
	if _, err := x.SearchTickets(ctx, "t", 1, models.TicketScope{Portal: models.PortalITSM}); err == nil {
		t.Error("search with a cancelled context succeeded")
	}
}

func TestReopenKeepsDocuments(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fulltext")
	x, err := bleve.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := models.Article{ID: "kb-1", Title: "Persistent title"}
	c, _ := models.NewArticleChange(&a)
	if err := x.Write(context.Background(), []models.Change{c}); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	y, err := bleve.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	if n, err := y.Count(); err != nil || n != 1 {
		t.Fatalf("after reopening: %d documents (%v), want 1", n, err)
	}
	if got := titles(t, y, "persistent "); !slices.Equal(got, []string{"Persistent title"}) {
		t.Errorf("after reopening: %q", got)
	}
}

func TestOpenTwiceFailsFast(t *testing.T) {
	_, dir := openIndex(t)
	done := make(chan error, 1)
	go func() {
		y, err := bleve.Open(dir)
		if err == nil {
			y.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "in use") || !strings.Contains(err.Error(), dir) {
			t.Errorf("err = %v, want one naming %s and saying it is in use", err, dir)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("second Open of the same directory still waiting after 5s")
	}
}

func TestOpenNotAnIndex(t *testing.T) {
	dir := t.TempDir() // exists, but holds no index
	if _, err := bleve.Open(dir); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("err = %v, want one naming %s", err, dir)
	}
}
