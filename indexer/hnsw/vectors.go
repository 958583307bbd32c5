package hnsw

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/siftdesk/sift/models"
)

// Access classes of Sift's vectors (Attrs.Classes bits).
const (
	ClassPublicArticle   uint64 = 1 << 0
	ClassInternalArticle uint64 = 1 << 1
	ClassCustomerTicket  uint64 = 1 << 2
	ClassITSMTicket      uint64 = 1 << 3
)

// Vectors is Sift's vector index: one graph for articles and one for
// tickets, each vector tagged with the access class and organisation the
// engine filters on. It is safe for concurrent use.
type Vectors struct {
	model    string
	articles *Index
	tickets  *Index
}

// NewVectors returns an empty vector index for vectors of model.
func NewVectors(model string, dims int) *Vectors {
	cfg := Config{Dimensions: dims, Model: model}
	return &Vectors{model: model, articles: New(cfg), tickets: New(cfg)}
}

// Model names the embedder whose vectors the index holds.
func (v *Vectors) Model() string { return v.model }

// Len returns the number of article and ticket vectors.
func (v *Vectors) Len() (articles, tickets int) { return v.articles.Len(), v.tickets.Len() }

// Write adds the vectors of upserted articles and tickets and removes
// deleted ones. Upserts without a vector, or with one of another model,
// remove any older vector of the document.
func (v *Vectors) Write(ctx context.Context, changes []models.Change) error {
	for _, c := range changes {
		if err := ctx.Err(); err != nil {
			return err
		}
		idx := v.graph(c.Kind)
		if idx == nil {
			continue
		}
		if c.Delete || c.Vector == nil || c.Model != v.model {
			idx.Delete(c.ID)
			continue
		}
		var attrs Attrs
		switch {
		case c.Article != nil:
			attrs = articleAttrs(c.Article)
		case c.Ticket != nil:
			attrs = ticketAttrs(c.Ticket)
		}
		if err := idx.Add(c.ID, c.Vector, attrs); err != nil {
			return fmt.Errorf("%s %q: %w", c.Kind, c.ID, err)
		}
	}
	return nil
}

func (v *Vectors) graph(k models.Kind) *Index {
	switch k {
	case models.KindArticle:
		return v.articles
	case models.KindTicket:
		return v.tickets
	}
	return nil
}

// articleAttrs classes an article by visibility; Group holds its product
// and tier restriction (models.Restriction), empty when it has none.
func articleAttrs(a *models.Article) Attrs {
	group := models.Restriction(a.Products, a.Tiers)
	if a.Visibility == models.VisibilityInternal {
		return Attrs{Classes: ClassInternalArticle, Group: group}
	}
	return Attrs{Classes: ClassPublicArticle, Group: group}
}

func ticketAttrs(t *models.Ticket) Attrs {
	if t.Portal == models.PortalITSM {
		return Attrs{Classes: ClassITSMTicket, Group: t.Org}
	}
	return Attrs{Classes: ClassCustomerTicket, Group: t.Org}
}

// SearchArticles returns the k articles nearest to vec among those f
// admits, best first.
func (v *Vectors) SearchArticles(ctx context.Context, vec []float32, k int, f models.ArticleFilter) ([]models.VectorHit, error) {
	var allowed uint64
	for _, x := range f.Visibilities {
		allowed |= articleAttrs(&models.Article{Visibility: x}).Classes
	}
	// Restrictions are few and repeat: decide each once per search. The
	// filter runs on the searching goroutine only.
	decided := map[string]bool{}
	admits := func(restriction string) bool {
		if restriction == "" || f.Entitled == nil {
			return true
		}
		ok, seen := decided[restriction]
		if !seen {
			products, tiers := models.ParseRestriction(restriction)
			ok = f.Entitles(products, tiers)
			decided[restriction] = ok
		}
		return ok
	}
	return hits(v.articles.Search(vec, k, func(a Attrs) bool { return a.Classes&allowed != 0 && admits(a.Group) })), nil
}

// SearchTickets returns the k tickets nearest to vec within scope, best
// first.
func (v *Vectors) SearchTickets(ctx context.Context, vec []float32, k int, scope models.TicketScope) ([]models.VectorHit, error) {
	want := ticketAttrs(&models.Ticket{Portal: scope.Portal}).Classes
	return hits(v.tickets.Search(vec, k, func(a Attrs) bool {
		return a.Classes&want != 0 && (scope.Org == "" || a.Group == scope.Org)
	})), nil
}

func hits(hs []Hit) []models.VectorHit {
	out := make([]models.VectorHit, len(hs))
	for i, h := range hs {
		out[i] = models.VectorHit{ID: h.ID, Score: float64(h.Score)}
	}
	return out
}

// Source is the system of record as Rebuild reads it.
type Source interface {
	Articles(ctx context.Context, fn func(*models.Article) error) error
	Tickets(ctx context.Context, fn func(*models.Ticket) error) error
	Vectors(ctx context.Context, kind models.Kind, model string, fn func(id string, v []float32) error) error
}

// Rebuild adds every vector of the index's model stored in src, with the
// access attributes of its document.
func (v *Vectors) Rebuild(ctx context.Context, src Source) error {
	attrs := map[string]Attrs{}
	if err := src.Articles(ctx, func(a *models.Article) error {
		attrs[a.ID] = articleAttrs(a)
		return nil
	}); err != nil {
		return err
	}
	if err := v.addStored(ctx, src, models.KindArticle, attrs); err != nil {
		return err
	}
	clear(attrs)
	if err := src.Tickets(ctx, func(t *models.Ticket) error {
		attrs[t.ID] = ticketAttrs(t)
		return nil
	}); err != nil {
		return err
	}
	return v.addStored(ctx, src, models.KindTicket, attrs)
}

func (v *Vectors) addStored(ctx context.Context, src Source, kind models.Kind, attrs map[string]Attrs) error {
	idx := v.graph(kind)
	return src.Vectors(ctx, kind, v.model, func(id string, vec []float32) error {
		a, ok := attrs[id]
		if !ok {
			return nil // a vector whose document is gone
		}
		return idx.Add(id, vec, a)
	})
}

// snapshot describes a saved vector index: which model and which
// generation of the store it reflects.
type snapshot struct {
	Model      string `json:"model"`
	Generation uint64 `json:"generation"`
}

const (
	snapshotFile = "vectors.json"
	articlesFile = "articles.hnsw"
	ticketsFile  = "tickets.hnsw"
)

// Save writes the index to dir, recording the store generation it
// reflects. Each graph is replaced atomically (Index.Save); the description
// is removed first and written last, so a crash mid-save leaves no snapshot
// or a torn one, which LoadVectors rejects.
func (v *Vectors) Save(ctx context.Context, dir string, generation uint64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	os.Remove(filepath.Join(dir, snapshotFile))
	for name, idx := range map[string]*Index{articlesFile: v.articles, ticketsFile: v.tickets} {
		if err := idx.Save(ctx, filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	data, _ := json.Marshal(snapshot{Model: v.model, Generation: generation})
	return os.WriteFile(filepath.Join(dir, snapshotFile), data, 0o644)
}

// SavedModel returns the model of the vector index saved in dir, "" when
// there is none (or its description is unreadable).
func SavedModel(dir string) (string, error) {
	snap, err := readSnapshot(dir)
	return snap.Model, err
}

func readSnapshot(dir string) (snapshot, error) {
	var snap snapshot
	data, err := os.ReadFile(filepath.Join(dir, snapshotFile))
	if errors.Is(err, os.ErrNotExist) {
		return snap, nil
	}
	if err != nil {
		return snap, err
	}
	if json.Unmarshal(data, &snap) != nil {
		return snapshot{}, nil // torn by a crash mid-save
	}
	return snap, nil
}

// LoadVectors reads the index saved in dir. It returns ok false, and no
// error, when there is none, or it holds another model's vectors, or it
// reflects another generation of the store, or a graph is corrupt: the
// caller then rebuilds.
func LoadVectors(ctx context.Context, dir, model string, dims int, generation uint64) (v *Vectors, ok bool, err error) {
	snap, err := readSnapshot(dir)
	if err != nil || snap.Model != model || snap.Generation != generation {
		return nil, false, err
	}
	cfg := Config{Dimensions: dims, Model: model}
	v = &Vectors{model: model}
	for name, dst := range map[string]**Index{articlesFile: &v.articles, ticketsFile: &v.tickets} {
		if *dst, err = Load(ctx, filepath.Join(dir, name), cfg); err != nil {
			if ctx.Err() != nil {
				return nil, false, ctx.Err()
			}
			return nil, false, nil
		}
	}
	return v, true, nil
}
