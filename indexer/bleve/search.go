package bleve

import (
	"context"
	"fmt"
	"strings"

	bv "github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/siftdesk/sift/models"
)

// boostSubject weighs a ticket's subject over its body.
const boostSubject = 4.0

// articleFilter admits the articles f admits: of the allowed visibilities,
// and when f has entitlements, unrestricted or restricted to an entitled
// product and tier. With no visibility allowed it admits nothing.
func articleFilter(f models.ArticleFilter) query.Query {
	if len(f.Visibilities) == 0 {
		return bv.NewMatchNoneQuery()
	}
	var allowed []query.Query
	for _, v := range f.Visibilities {
		allowed = append(allowed, term(fieldVisibility, string(v)))
	}
	parts := []query.Query{term(fieldType, string(models.KindArticle)), bv.NewDisjunctionQuery(allowed...)}
	if e := f.Entitled; e != nil {
		products := []query.Query{term(fieldProducts, anyValue)}
		for _, p := range e.Products {
			products = append(products, term(fieldProducts, p))
		}
		tiers := []query.Query{term(fieldTiers, anyValue)}
		if e.Tier != "" {
			tiers = append(tiers, term(fieldTiers, e.Tier))
		}
		parts = append(parts, bv.NewDisjunctionQuery(products...), bv.NewDisjunctionQuery(tiers...))
	}
	return bv.NewConjunctionQuery(parts...)
}

// SearchTickets finds the tickets whose subject and body best match text,
// within scope (a portal, and an organisation when set), best first.
func (x *Index) SearchTickets(ctx context.Context, text string, k int, scope models.TicketScope) ([]models.TicketHit, error) {
	filters := []query.Query{term(fieldType, string(models.KindTicket)), term(fieldPortal, string(scope.Portal))}
	if scope.Org != "" {
		filters = append(filters, term(fieldOrg, scope.Org))
	}
	root := bv.NewBooleanQuery()
	root.AddMust(bv.NewDisjunctionQuery(match(text, fieldTicketSubject, boostSubject, 0), match(text, fieldTicketBody, 1, 0)))
	root.AddFilter(bv.NewConjunctionQuery(filters...))
	sr, err := x.idx.SearchInContext(ctx, bv.NewSearchRequestOptions(root, k, 0, false))
	if err != nil {
		return nil, fmt.Errorf("full-text ticket search: %w", err)
	}
	out := make([]models.TicketHit, len(sr.Hits))
	for i, h := range sr.Hits {
		out[i] = models.TicketHit{ID: strings.TrimPrefix(h.ID, string(models.KindTicket)+"/"), Score: h.Score}
	}
	return out, nil
}

// match matches text's words, any of them, in one field.
func match(text, field string, boost float64, fuzziness int) query.Query {
	m := bv.NewMatchQuery(text)
	m.SetField(field)
	m.SetBoost(boost)
	m.SetFuzziness(fuzziness)
	return m
}

// term matches a keyword field exactly.
func term(field, value string) query.Query {
	t := bv.NewTermQuery(value)
	t.SetField(field)
	return t
}
