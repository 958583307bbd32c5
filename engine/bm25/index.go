// Package bm25 is the in-memory article index that full-text search reads:
// BM25 over an article's title, tags and body, each weighted, and over the
// whole article; phrase matching for the vocabulary's equivalents; the
// reader's visibility and entitlement filter; facets by category and
// product; and highlighted snippets. It scores every matching article in
// one pass over flat posting lists, so a search over 100,000 articles
// takes about a millisecond where a general index takes tens.
//
// It holds no file: the engine loads it from the store at start and keeps
// it up to date with every write, as it does type-ahead.
package bm25

import (
	"slices"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/registry"

	"github.com/siftdesk/sift/models"
)

// Token is a word the analyzer made of a text: the term it indexes and
// where the word sits in the text, in bytes.
type Token struct {
	Term       string
	Start, End int
}

// Analyzer turns text into the terms an article is indexed by, in order:
// stopwords left out, words reduced to their stems. Queries and articles
// go through the same one.
type Analyzer func(text string) []Token

// English is bleve's English analyzer (Unicode words, possessives,
// lower case, English stopwords, Snowball stems): the one the full-text
// index of tickets uses.
func English() Analyzer {
	analyzer, err := registry.NewCache().AnalyzerNamed(en.AnalyzerName)
	if err != nil {
		panic("bleve's English analyzer is not registered: " + err.Error()) // a build without the en package
	}
	return func(text string) []Token {
		stream := analyzer.Analyze([]byte(text))
		out := make([]Token, len(stream))
		for i, t := range stream {
			out[i] = Token{Term: string(t.Term), Start: t.Start, End: t.End}
		}
		return out
	}
}

// The fields a term is counted in. The whole article (fieldAll) is the
// three together.
const (
	fieldTitle = iota
	fieldTags
	fieldBody
	fieldAll
	numFields
)

// Index is an in-memory BM25 index of articles. It is safe for concurrent
// use: searches share a read lock, writes take the lock alone.
type Index struct {
	analyze Analyzer

	mu       sync.RWMutex
	termIDs  map[string]uint32
	terms    []string           // by term id
	byLength [][]uint32         // ids of terms without digits by length in bytes: what a typo may be
	postings [][]posting        // by term id, in slot order
	df       [][numFields]int32 // by term id: live articles holding the term in each field
	docs     []*doc             // by slot; nil once deleted
	meta     []docMeta          // by slot
	slots    map[string]uint32
	dead     int                // deleted slots still in posting lists
	totals   [numFields]float64 // field lengths summed over live articles
	labels   map[string]uint16  // category and product values, interned for facets
	values   []string           // by label id
	// visibilities are the visibility values, interned: a filter is a
	// bit mask of them.
	visibilities map[models.Visibility]uint8
	scratch      sync.Pool                   // *accumulator, sized to the slots
	tally        map[uint32][fieldAll]uint16 // a write's term counts, reused
	// exhaustive reads every word of every text, as over a small index
	// (see ReadEveryWord).
	exhaustive bool
}

// posting is one article's count of a term in each field but the whole.
type posting struct {
	slot uint32
	tf   [fieldAll]uint16
}

// docMeta is what scoring, filters and facets read of an article: kept
// flat by slot, so a search that touches many articles stays in cache.
type docMeta struct {
	length            [numFields]float32
	category, product uint16 // label ids; 0 is none
	visibility        uint8  // bit of the visibility in a filter's mask
	live              bool
	restricted        bool // to products or tiers
}

// doc is the rest of what the index keeps of an article.
type doc struct {
	id              string
	title           string
	visibility      models.Visibility
	body            string // plain text, for snippets
	products, tiers []string
	// words holds each field's terms in order, for phrases, coverage and
	// snippets; spans the body words' places in body.
	words [fieldAll][]uint32
	spans []span
}

// span is where a body word sits in the body, in bytes.
type span struct{ start, end uint32 }

// New returns an empty index that analyzes text with analyze, and indexes
// each hyphenated code whole besides (see withCodes).
func New(analyze Analyzer) *Index {
	return &Index{
		analyze:      func(text string) []Token { return withCodes(text, analyze(text)) },
		termIDs:      map[string]uint32{},
		slots:        map[string]uint32{},
		labels:       map[string]uint16{"": 0},
		visibilities: map[models.Visibility]uint8{},
		tally:        map[uint32][fieldAll]uint16{},
		values:       []string{""},
	}
}

// ReadEveryWord makes x score every word of a long text through its
// posting list, as it does over a small index, instead of finding the
// articles through the text's rarer words (see scoreGroup): slower on
// long drafts over many articles, and the reference sift bench measures
// that pruning against. It returns x.
func (x *Index) ReadEveryWord() *Index {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.exhaustive = true
	return x
}

// Len returns the number of articles in the index.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.slots)
}

// Put adds articles, each replacing any article of the same id.
func (x *Index) Put(articles ...*models.Article) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, a := range articles {
		x.remove(a.ID)
		x.add(a)
	}
	x.compactIfSparse()
}

// Delete removes the articles with these ids; an id the index does not
// hold is ignored.
func (x *Index) Delete(ids ...string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, id := range ids {
		x.remove(id)
	}
	x.compactIfSparse()
}

func (x *Index) add(a *models.Article) {
	slot := uint32(len(x.docs))
	d := &doc{id: a.ID, title: a.Title, visibility: a.Visibility, body: models.PlainText(a.Body), products: a.Products, tiers: a.Tiers}
	m := docMeta{
		visibility: x.visibility(a.Visibility), category: x.label(a.Category), product: x.label(a.Product),
		live: true, restricted: len(a.Products) > 0 || len(a.Tiers) > 0,
	}
	index := func(field int, tokens []Token) {
		d.words[field] = slices.Grow(d.words[field], len(tokens))
		for _, t := range tokens {
			d.words[field] = append(d.words[field], x.termID(t.Term))
		}
		m.length[field] = float32(len(d.words[field]))
		m.length[fieldAll] += float32(len(tokens))
	}
	index(fieldTitle, x.analyze(a.Title))
	for _, tag := range a.Tags {
		index(fieldTags, x.analyze(tag))
	}
	body := x.analyze(d.body)
	index(fieldBody, body)
	d.spans = make([]span, len(body))
	for i, t := range body {
		d.spans[i] = span{uint32(t.Start), uint32(t.End)}
	}
	d.counts(x.tally)
	for id, c := range x.tally {
		x.postings[id] = append(x.postings[id], posting{slot: slot, tf: c})
		x.count(id, c, 1)
	}
	for f := range numFields {
		x.totals[f] += float64(m.length[f])
	}
	x.docs = append(x.docs, d)
	x.meta = append(x.meta, m)
	x.slots[a.ID] = slot
}

func (x *Index) remove(id string) {
	slot, ok := x.slots[id]
	if !ok {
		return
	}
	d := x.docs[slot]
	d.counts(x.tally)
	for id, c := range x.tally {
		x.count(id, c, -1)
	}
	for f := range numFields {
		x.totals[f] -= float64(x.meta[slot].length[f])
	}
	x.docs[slot] = nil
	x.meta[slot].live = false
	delete(x.slots, id)
	x.dead++
}

// count adds n to the document frequencies of term id in the fields c
// counts it in.
func (x *Index) count(id uint32, c [fieldAll]uint16, n int32) {
	for f, tf := range c {
		if tf > 0 {
			x.df[id][f] += n
		}
	}
	x.df[id][fieldAll] += n
}

// counts sets counts to how often each of d's terms occurs in each field,
// reusing its space.
func (d *doc) counts(counts map[uint32][fieldAll]uint16) {
	clear(counts)
	for f, words := range d.words {
		for _, id := range words {
			c := counts[id]
			if c[f] < 1<<16-1 {
				c[f]++
			}
			counts[id] = c
		}
	}
}

func (x *Index) termID(term string) uint32 {
	id, ok := x.termIDs[term]
	if !ok {
		id = uint32(len(x.terms))
		x.termIDs[term] = id
		x.terms = append(x.terms, term)
		if !hasDigit(term) {
			for len(x.byLength) <= len(term) {
				x.byLength = append(x.byLength, nil)
			}
			x.byLength[len(term)] = append(x.byLength[len(term)], id)
		}
		x.postings = append(x.postings, nil)
		x.df = append(x.df, [numFields]int32{})
	}
	return id
}

// maxVisibilities is how many visibility values a filter's mask holds;
// an article of any further value is admitted by no filter.
const maxVisibilities = 63

func (x *Index) visibility(v models.Visibility) uint8 {
	id, ok := x.visibilities[v]
	if !ok {
		id = uint8(min(len(x.visibilities), maxVisibilities))
		if id < maxVisibilities {
			x.visibilities[v] = id
		}
	}
	return id
}

func (x *Index) label(value string) uint16 {
	id, ok := x.labels[value]
	if !ok && len(x.values) < 1<<16 {
		id = uint16(len(x.values))
		x.labels[value] = id
		x.values = append(x.values, value)
	}
	return id
}

// compactIfSparse drops deleted articles from the posting lists once they
// are a third of the slots: until then a search skips them.
func (x *Index) compactIfSparse() {
	if x.dead < 64 || x.dead*3 < len(x.docs) {
		return
	}
	const gone = ^uint32(0)
	renumber := make([]uint32, len(x.docs))
	live := make([]*doc, 0, len(x.slots))
	meta := make([]docMeta, 0, len(x.slots))
	for slot, d := range x.docs {
		if d == nil {
			renumber[slot] = gone
			continue
		}
		renumber[slot] = uint32(len(live))
		x.slots[d.id] = uint32(len(live))
		live = append(live, d)
		meta = append(meta, x.meta[slot])
	}
	for t, list := range x.postings {
		kept := list[:0]
		for _, p := range list {
			if n := renumber[p.slot]; n != gone {
				p.slot = n
				kept = append(kept, p)
			}
		}
		x.postings[t] = kept
	}
	x.docs, x.meta = live, meta
	x.dead = 0
}

// hasDigit reports whether term holds a digit: a code, which is matched
// exactly or not at all.
func hasDigit(term string) bool {
	return strings.ContainsAny(term, "0123456789")
}

// withCodes returns tokens with, after the words of each hyphenated code
// of text ("E-403", split into "e" and "403"), the code as one term
// ("e403"), in lower case and without its hyphens: a pasted code then
// ranks the articles holding it whole above those holding its parts, and
// matches when typed without the hyphen.
func withCodes(text string, tokens []Token) []Token {
	var codes []models.Code
	for _, c := range models.Codes(text) {
		if strings.Contains(c.Text, "-") {
			codes = append(codes, c)
		}
	}
	if len(codes) == 0 {
		return tokens
	}
	out := make([]Token, 0, len(tokens)+len(codes))
	for _, t := range tokens {
		for len(codes) > 0 && codes[0].End <= t.Start {
			out, codes = append(out, codeToken(codes[0])), codes[1:]
		}
		out = append(out, t)
	}
	for _, c := range codes {
		out = append(out, codeToken(c))
	}
	return out
}

func codeToken(c models.Code) Token {
	return Token{Term: strings.ToLower(strings.ReplaceAll(c.Text, "-", "")), Start: c.Start, End: c.End}
}
