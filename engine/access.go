package engine

import (
	"slices"
	"strings"
	"sync"

	"github.com/siftdesk/sift/engine/typeahead"
	"github.com/siftdesk/sift/models"
)

// Access classes of the type-ahead indexes. Articles are classed by
// visibility and by whether they are restricted to products or tiers;
// query records by the portal they were searched on.
const (
	classPublic             uint8 = 0
	classInternal           uint8 = 1
	classPublicRestricted   uint8 = 2
	classInternalRestricted uint8 = 3
	classCustomer           uint8 = 0
	classITSM               uint8 = 1
)

// restrictedOverFetch is how many more type-ahead candidates a customer
// with entitlements asks for, so that restricted articles they may not see
// do not leave the answer short.
const restrictedOverFetch = 4

// articleAccess keeps the products and tiers of restricted articles, so
// that type-ahead (whose index knows classes, not products) can check a
// restricted candidate against an audience's entitlements.
type articleAccess struct {
	mu         sync.RWMutex
	restricted map[string]restriction
}

type restriction struct{ products, tiers []string }

func (x *articleAccess) put(a *models.Article) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(a.Products) == 0 && len(a.Tiers) == 0 {
		delete(x.restricted, a.ID)
		return
	}
	if x.restricted == nil {
		x.restricted = map[string]restriction{}
	}
	x.restricted[a.ID] = restriction{a.Products, a.Tiers}
}

func (x *articleAccess) remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.restricted, id)
}

// allows reports whether f admits the type-ahead entry id of class c.
func (x *articleAccess) allows(f models.ArticleFilter, id string, c uint8) bool {
	vis := models.VisibilityPublic
	if c == classInternal || c == classInternalRestricted {
		vis = models.VisibilityInternal
	}
	x.mu.RLock()
	r := x.restricted[id]
	x.mu.RUnlock()
	return f.Allows(vis, r.products, r.tiers)
}

// putArticleEntry adds or replaces an article's type-ahead entry, with
// views more popularity than the article's own.
func (e *Engine) putArticleEntry(a *models.Article, views int64) {
	e.articles.Put(e.articleEntry(a, views))
}

// articleEntry returns an article's type-ahead entry, with views more
// popularity than the article's own, and records its restriction, which
// must be known before the entry can be found.
func (e *Engine) articleEntry(a *models.Article, views int64) typeahead.Entry {
	class := classPublic
	if a.Visibility == models.VisibilityInternal {
		class = classInternal
	}
	if len(a.Products) > 0 || len(a.Tiers) > 0 {
		class += classPublicRestricted
	}
	e.access.put(a)
	return typeahead.Entry{ID: a.ID, Text: a.Title, Keywords: articleKeywords(a), Popularity: float64(a.Views + views), Class: class}
}

// keyTerms is how many words of an article's body type-ahead finds it
// by, besides its title and tags.
const keyTerms = 16

// keyCodes is how many codes of an article's body type-ahead finds it by.
const keyCodes = 8

// articleKeywords returns the words type-ahead finds an article by,
// besides its title: its tags, its body's key terms, and the codes in its
// body (error codes, identifiers: the first keyCodes of them), which key
// terms leave out.
func articleKeywords(a *models.Article) string {
	words := append(slices.Clone(a.Tags), typeahead.KeyTerms(a.Body, keyTerms))
	seen := map[string]bool{}
	for _, c := range models.Codes(models.PlainText(a.Body)) {
		if len(seen) == keyCodes {
			break
		}
		if key := strings.ToLower(c.Text); !seen[key] {
			seen[key] = true
			words = append(words, c.Text)
		}
	}
	return strings.Join(words, " ")
}

func (e *Engine) removeArticleEntry(id string) {
	e.articles.Remove(id)
	e.access.remove(id)
}

// articleClasses returns the type-ahead classes that may hold articles
// the filter admits: those of unrestricted articles (every one of them
// admitted) and those of restricted ones (to be checked one by one).
func articleClasses(f models.ArticleFilter) (open, restricted typeahead.Classes) {
	entitled := f.Entitled == nil || len(f.Entitled.Products) > 0 || f.Entitled.Tier != ""
	for _, v := range f.Visibilities {
		base := classPublic
		if v == models.VisibilityInternal {
			base = classInternal
		}
		open |= 1 << base
		if entitled {
			restricted |= 1 << (base + classPublicRestricted)
		}
	}
	return open, restricted
}

// suggestArticles returns up to limit type-ahead article completions the
// audience may see, best first. For a customer with entitlements,
// unrestricted and restricted articles are looked up apart, so restricted
// articles they may not see never crowd out the ones they may; the
// restricted ones are over-fetched and checked against the entitlements.
func (e *Engine) suggestArticles(text string, a models.Audience, limit int) []typeahead.Result {
	f := a.Filter()
	open, restricted := articleClasses(f)
	if f.Entitled == nil {
		// No entitlements to check: restricted articles of a visible class
		// are as visible as open ones, so one walk finds both.
		open, restricted = open|restricted, 0
	}
	vocab := e.synonyms.For(a.Portal)
	found := searchRewritten(e.articles, vocab, typeahead.Query{Text: text, Classes: open, Limit: limit})
	if restricted != 0 {
		found = append(found, searchRewritten(e.articles, vocab, typeahead.Query{Text: text, Classes: restricted, Limit: limit * restrictedOverFetch})...)
		slices.SortStableFunc(found, typeahead.CompareResults)
	}
	out := found[:0]
	for _, r := range found {
		if len(out) < limit && e.access.allows(f, r.ID, r.Class) {
			out = append(out, r)
		}
	}
	return out
}

// queryClasses returns the query classes a portal may see: its own.
func queryClasses(p models.Portal) typeahead.Classes {
	if p == models.PortalITSM {
		return 1 << classITSM
	}
	return 1 << classCustomer
}

// visibleHits drops hits the audience may not see. The indexes filter them
// already; this is the engine's own guarantee, and a hit dropped here is a
// bug worth an error in the log.
func (e *Engine) visibleHits(a models.Audience, hits []models.ArticleHit) []models.ArticleHit {
	f := a.Filter()
	out := hits[:0]
	for _, h := range hits {
		if !f.Allows(h.Visibility, h.Products, h.Tiers) {
			e.log.Error("an index returned an article the reader may not see", "portal", a.Portal, "article", h.ID, "visibility", h.Visibility)
			continue
		}
		out = append(out, h)
	}
	return out
}
