package bolt_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/bolt"
	"github.com/siftdesk/sift/models"
)

func openStore(t *testing.T) (*bolt.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sift.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func articleChange(t *testing.T, a models.Article) models.Change {
	t.Helper()
	c, err := models.NewArticleChange(&a)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ticketChange(t *testing.T, tk models.Ticket) models.Change {
	t.Helper()
	c, err := models.NewTicketChange(&tk)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func queryChange(t *testing.T, q models.QueryRecord) models.Change {
	t.Helper()
	c, err := models.NewQueryChange(&q)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func counts(t *testing.T, s *bolt.Store) map[models.Kind]int {
	t.Helper()
	out := map[models.Kind]int{}
	for _, k := range models.Kinds {
		n, err := s.Count(context.Background(), k)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = n
	}
	return out
}

func TestStoreWriteAndRead(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	updated := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
	kb2 := articleChange(t, models.Article{ID: "kb-2", Title: "Second", Tags: []string{"b"}, UpdatedAt: updated,
		Extra: models.Extra{"source": json.RawMessage(`{"system":"zendesk"}`)}})
	changes := []models.Change{
		articleChange(t, models.Article{ID: "kb-3", Title: "Third"}),
		kb2,
		articleChange(t, models.Article{ID: "kb-1", Title: "First", Visibility: models.VisibilityInternal}),
		ticketChange(t, models.Ticket{ID: "T-1", Portal: models.PortalITSM, Subject: "VPN", Priority: "high"}),
		queryChange(t, models.QueryRecord{Query: "Reset Password", Count: 9}),
	}
	if err := s.Write(ctx, changes); err != nil {
		t.Fatal(err)
	}

	want := map[models.Kind]int{models.KindArticle: 3, models.KindTicket: 1, models.KindQuery: 1, models.KindSynonym: 0, models.KindCuration: 0, models.KindOrg: 0, models.KindIncident: 0}
	if got := counts(t, s); !mapsEqual(got, want) {
		t.Errorf("counts = %v, want %v", got, want)
	}

	hashes, err := s.Hashes(ctx, models.KindArticle)
	if err != nil {
		t.Fatal(err)
	}
	if len(hashes) != 3 || hashes["kb-2"] != kb2.Hash {
		t.Errorf("article hashes = %v, want kb-2 -> %s", hashes, kb2.Hash)
	}
	qh, err := s.Hashes(ctx, models.KindQuery)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := qh["customer:reset password"]; !ok || len(qh) != 1 {
		t.Errorf("query hashes = %v", qh)
	}

	a, err := s.Article(ctx, "kb-2")
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Second" || !a.UpdatedAt.Equal(updated) || !slices.Equal(a.Tags, []string{"b"}) ||
		a.Visibility != models.VisibilityPublic || string(a.Extra["source"]) != `{"system":"zendesk"}` {
		t.Errorf("article = %+v", a)
	}
	tk, err := s.Ticket(ctx, "T-1")
	if err != nil {
		t.Fatal(err)
	}
	if tk.Subject != "VPN" || tk.Priority != models.PriorityHigh || tk.Portal != models.PortalITSM {
		t.Errorf("ticket = %+v", tk)
	}

	var ids []string
	if err := s.Articles(ctx, func(a *models.Article) error {
		ids = append(ids, a.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"kb-1", "kb-2", "kb-3"}; !slices.Equal(ids, want) {
		t.Errorf("Articles order = %q, want %q", ids, want)
	}
	var tickets []string
	if err := s.Tickets(ctx, func(tk *models.Ticket) error {
		tickets = append(tickets, tk.ID)
		return nil
	}); err != nil || !slices.Equal(tickets, []string{"T-1"}) {
		t.Errorf("Tickets = %q, %v", tickets, err)
	}
	var queries []models.QueryRecord
	if err := s.Queries(ctx, func(q *models.QueryRecord) error {
		queries = append(queries, *q)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(queries) != 1 || queries[0].Query != "Reset Password" || queries[0].Count != 9 || queries[0].Portal != models.PortalCustomer {
		t.Errorf("Queries = %+v", queries)
	}

	t.Run("replace and delete", func(t *testing.T) {
		newer := articleChange(t, models.Article{ID: "kb-2", Title: "Second, revised"})
		err := s.Write(ctx, []models.Change{
			newer,
			models.NewDelete(models.KindArticle, "kb-3"),
			models.NewDelete(models.KindTicket, "T-1"),
			models.NewDelete(models.KindArticle, "never-existed"),
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[models.Kind]int{models.KindArticle: 2, models.KindTicket: 0, models.KindQuery: 1, models.KindSynonym: 0, models.KindCuration: 0, models.KindOrg: 0, models.KindIncident: 0}
		if got := counts(t, s); !mapsEqual(got, want) {
			t.Errorf("counts = %v, want %v", got, want)
		}
		a, err := s.Article(ctx, "kb-2")
		if err != nil || a.Title != "Second, revised" || a.Extra != nil {
			t.Errorf("kb-2 = %+v, %v", a, err)
		}
		h, _ := s.Hashes(ctx, models.KindArticle)
		if h["kb-2"] != newer.Hash {
			t.Errorf("hash of kb-2 = %s, want %s", h["kb-2"], newer.Hash)
		}
		if _, ok := h["kb-3"]; ok {
			t.Error("deleted kb-3 still has a hash")
		}
	})
}

func mapsEqual(a, b map[models.Kind]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestStoreNotFound(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	if err := s.Write(ctx, []models.Change{articleChange(t, models.Article{ID: "kb-1", Title: "T"})}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		get  func() error
	}{
		{"article", func() error { _, err := s.Article(ctx, "kb-404"); return err }},
		{"ticket", func() error { _, err := s.Ticket(ctx, "T-404"); return err }},
		{"article id is not a ticket id", func() error { _, err := s.Ticket(ctx, "kb-1"); return err }},
		{"empty id", func() error { _, err := s.Article(ctx, ""); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.get()
			if !errors.Is(err, models.ErrNotFound) {
				t.Errorf("err = %v, want one matching models.ErrNotFound", err)
			}
			if models.ErrorCode(err) != models.CodeNotFound {
				t.Errorf("ErrorCode = %q", models.ErrorCode(err))
			}
		})
	}
}

func TestStoreWriteIsAtomic(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	good := articleChange(t, models.Article{ID: "kb-1", Title: "T"})
	tests := []struct {
		name string
		bad  models.Change
	}{
		{"unknown kind", models.Change{Kind: "widget", ID: "w-1", Hash: "h"}},
		{"upsert without a document", models.Change{Kind: models.KindArticle, ID: "kb-2", Hash: "h"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Write(ctx, []models.Change{good, tc.bad})
			if err == nil {
				t.Fatal("Write succeeded")
			}
			if n, _ := s.Count(ctx, models.KindArticle); n != 0 {
				t.Errorf("%d articles written by a failed Write", n)
			}
		})
	}
	t.Run("cancelled context", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Write(cctx, []models.Change{good}); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

func TestStoreUnknownKind(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	if _, err := s.Hashes(ctx, "widget"); err == nil || !strings.Contains(err.Error(), "widget") {
		t.Errorf("Hashes: err = %v, want one naming the kind", err)
	}
	if _, err := s.Count(ctx, "widget"); err == nil {
		t.Error("Count: no error")
	}
}

func TestStoreEachStops(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	var changes []models.Change
	for _, id := range []string{"a", "b", "c"} {
		changes = append(changes, articleChange(t, models.Article{ID: id, Title: id}))
	}
	if err := s.Write(ctx, changes); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	n := 0
	err := s.Articles(ctx, func(*models.Article) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err %v after %d, want stop after 1", err, n)
	}
	cctx, cancel := context.WithCancel(ctx)
	n = 0
	err = s.Articles(cctx, func(*models.Article) error { n++; cancel(); return nil })
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("err %v after %d, want context.Canceled after 1", err, n)
	}
}

func TestStoreReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sift.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	c := articleChange(t, models.Article{ID: "kb-1", Title: "Kept"})
	if err := s.Write(ctx, []models.Change{c}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.Article(ctx, "kb-1")
	if err != nil || a.Title != "Kept" {
		t.Errorf("after reopening: %+v, %v", a, err)
	}
	h, _ := s.Hashes(ctx, models.KindArticle)
	if h["kb-1"] != c.Hash {
		t.Errorf("hash after reopening = %q, want %q", h["kb-1"], c.Hash)
	}
}

func TestStoreOpenTwiceFailsFast(t *testing.T) {
	_, path := openStore(t)
	start := time.Now()
	s2, err := bolt.Open(path)
	if err == nil {
		s2.Close()
		t.Fatal("second Open of the same file succeeded")
	}
	if !strings.Contains(err.Error(), "in use") || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %q, want it to name the file and say it is in use", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("second Open took %v", d)
	}
}

func TestStoreOpenErrors(t *testing.T) {
	dir := t.TempDir()
	// A folder is not a database file.
	if _, err := bolt.Open(dir); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("Open(folder): err = %v, want one naming it", err)
	}
	if _, err := bolt.Open(filepath.Join(dir, "missing", "sift.db")); err == nil {
		t.Error("Open in a missing folder: no error")
	}
}
