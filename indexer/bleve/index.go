// Package bleve is Sift's durable full-text index, built on the bleve
// library: the ticket text that similar-ticket search reads, and the
// articles' fields that the plain-bleve type-ahead baseline reads. Article
// search itself is in memory (engine/bm25).
package bleve

import (
	"context"
	"errors"
	"fmt"

	bv "github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/siftdesk/sift/models"
)

// Index is a bleve full-text index of articles and tickets. It is safe for
// concurrent use; one process at a time may open a directory.
type Index struct {
	idx bv.Index
}

// Open opens the index in dir, creating it when dir does not exist. It
// fails at once, with an error that says so, when another process (or
// another Open) holds the directory.
func Open(dir string) (*Index, error) {
	// Without a timeout, bleve waits forever for the directory's lock.
	idx, err := bv.OpenUsing(dir, map[string]any{"bolt_timeout": "500ms"})
	if errors.Is(err, bv.ErrorIndexPathDoesNotExist) {
		idx, err = bv.New(dir, indexMapping())
	}
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open full-text index %s: in use by another sift process (stop it, or write through its HTTP API)", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("open full-text index %s: %w", dir, err)
	}
	if !hasRestrictionFields(idx) {
		idx.Close()
		return nil, fmt.Errorf("open full-text index %s: it was built by a Sift without article products and tiers, "+
			"and would not filter by them; remove the directory and start sift again to rebuild it from the store", dir)
	}
	return &Index{idx: idx}, nil
}

// hasRestrictionFields reports whether the index's mapping has the
// article fields that product and tier filters need.
func hasRestrictionFields(idx bv.Index) bool {
	m, ok := idx.Mapping().(*mapping.IndexMappingImpl)
	if !ok {
		return false
	}
	art := m.TypeMapping[string(models.KindArticle)]
	return art != nil && art.Properties[fieldProducts] != nil && art.Properties[fieldTiers] != nil
}

// Close flushes and releases the index.
func (x *Index) Close() error { return x.idx.Close() }

// Count returns the number of indexed documents, articles and tickets.
func (x *Index) Count() (uint64, error) { return x.idx.DocCount() }

// Field names, shared by the mapping and the queries.
const (
	fieldType       = "type"
	fieldTitle      = "title"
	fieldTags       = "tags"
	fieldBody       = "body"
	fieldCategory   = "category"
	fieldProduct    = "product"
	fieldVisibility = "visibility"
	// fieldProducts and fieldTiers hold an article's product and tier
	// codes, or anyValue when it is not restricted by them, so that a
	// filter can name "unrestricted" as a term.
	fieldProducts = "products"
	fieldTiers    = "tiers"
	// Ticket fields have their own names: bleve keeps one set of fields for
	// all document types, and a ticket's body must not change how article
	// bodies are stored, highlighted or scored.
	fieldTicketSubject    = "ticket_subject"
	fieldTicketBody       = "ticket_body"
	fieldTicketResolution = "ticket_resolution"
	fieldTicketCategory   = "ticket_category"
	fieldPortal           = "portal"
	fieldOrg              = "org"
)

// articleDoc and ticketDoc are what bleve indexes: the searchable fields
// only, with Markdown turned into plain text.
type articleDoc struct {
	Type       string   `json:"type"`
	Title      string   `json:"title"`
	Tags       []string `json:"tags"`
	Body       string   `json:"body"`
	Category   string   `json:"category"`
	Product    string   `json:"product"`
	Visibility string   `json:"visibility"`
	Products   []string `json:"products"`
	Tiers      []string `json:"tiers"`
}

// anyValue stands for "no restriction" in fieldProducts and fieldTiers; it
// is not a valid product or tier code.
const anyValue = "*"

type ticketDoc struct {
	Type       string `json:"type"`
	Portal     string `json:"portal"`
	Org        string `json:"org"`
	Subject    string `json:"ticket_subject"`
	Body       string `json:"ticket_body"`
	Resolution string `json:"ticket_resolution"`
	Category   string `json:"ticket_category"`
}

// BleveType tells bleve which document mapping applies.
func (d articleDoc) BleveType() string { return string(models.KindArticle) }

// BleveType tells bleve which document mapping applies.
func (d ticketDoc) BleveType() string { return string(models.KindTicket) }

func indexMapping() *mapping.IndexMappingImpl {
	text := func(store bool) *mapping.FieldMapping {
		f := bv.NewTextFieldMapping()
		f.Analyzer = en.AnalyzerName
		f.Store = store
		f.IncludeTermVectors = store // highlighting needs term positions
		return f
	}
	label := func(store bool) *mapping.FieldMapping {
		f := bv.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = store
		f.IncludeInAll = false
		return f
	}
	article := bv.NewDocumentStaticMapping()
	article.AddFieldMappingsAt(fieldType, label(false))
	article.AddFieldMappingsAt(fieldTitle, text(true))
	article.AddFieldMappingsAt(fieldTags, text(false))
	article.AddFieldMappingsAt(fieldBody, text(true))
	article.AddFieldMappingsAt(fieldCategory, label(true))
	article.AddFieldMappingsAt(fieldProduct, label(true))
	article.AddFieldMappingsAt(fieldVisibility, label(true))
	article.AddFieldMappingsAt(fieldProducts, label(true))
	article.AddFieldMappingsAt(fieldTiers, label(true))

	ticket := bv.NewDocumentStaticMapping()
	ticket.AddFieldMappingsAt(fieldType, label(false))
	ticket.AddFieldMappingsAt(fieldPortal, label(true))
	ticket.AddFieldMappingsAt(fieldOrg, label(true))
	ticket.AddFieldMappingsAt(fieldTicketSubject, text(false))
	ticket.AddFieldMappingsAt(fieldTicketBody, text(false))
	ticket.AddFieldMappingsAt(fieldTicketResolution, text(false))
	ticket.AddFieldMappingsAt(fieldTicketCategory, label(true))

	m := bv.NewIndexMapping()
	m.ScoringModel = "bm25"
	m.DefaultAnalyzer = en.AnalyzerName
	m.DefaultMapping = bv.NewDocumentDisabledMapping()
	m.AddDocumentMapping(string(models.KindArticle), article)
	m.AddDocumentMapping(string(models.KindTicket), ticket)
	return m
}

// docID keys a document by kind and id, so an article and a ticket may
// share an id.
func docID(kind models.Kind, id string) string { return string(kind) + "/" + id }

// Write applies article and ticket changes in one batch; query records are
// not full-text indexed and are ignored. The changes are searchable when it
// returns nil.
func (x *Index) Write(ctx context.Context, changes []models.Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b := x.idx.NewBatch()
	for _, c := range changes {
		if c.Kind == models.KindQuery || c.VectorOnly {
			continue
		}
		id := docID(c.Kind, c.ID)
		switch {
		case c.Delete:
			b.Delete(id)
		case c.Article != nil:
			if err := b.Index(id, newArticleDoc(c.Article)); err != nil {
				return fmt.Errorf("index article %q: %w", c.ID, err)
			}
		case c.Ticket != nil:
			if err := b.Index(id, newTicketDoc(c.Ticket)); err != nil {
				return fmt.Errorf("index ticket %q: %w", c.ID, err)
			}
		}
	}
	if err := x.idx.Batch(b); err != nil {
		return fmt.Errorf("full-text index batch: %w", err)
	}
	return nil
}

func newArticleDoc(a *models.Article) articleDoc {
	return articleDoc{
		Type:       string(models.KindArticle),
		Title:      a.Title,
		Tags:       a.Tags,
		Body:       models.PlainText(a.Body),
		Category:   a.Category,
		Product:    a.Product,
		Visibility: string(a.Visibility),
		Products:   orAny(a.Products),
		Tiers:      orAny(a.Tiers),
	}
}

func orAny(codes []string) []string {
	if len(codes) == 0 {
		return []string{anyValue}
	}
	return codes
}

func newTicketDoc(t *models.Ticket) ticketDoc {
	return ticketDoc{
		Type:       string(models.KindTicket),
		Portal:     string(t.Portal),
		Org:        t.Org,
		Subject:    t.Subject,
		Body:       t.Body,
		Resolution: t.Resolution,
		Category:   t.Category,
	}
}
