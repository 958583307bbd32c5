package models

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
)

// Kind names a type of document Sift stores.
type Kind string

// Document kinds.
const (
	KindArticle  Kind = "article"
	KindTicket   Kind = "ticket"
	KindQuery    Kind = "query"
	KindSynonym  Kind = "synonym"
	KindCuration Kind = "curation"
	KindOrg      Kind = "org"
	KindIncident Kind = "incident"
)

// Kinds lists every document kind.
var Kinds = []Kind{KindArticle, KindTicket, KindQuery, KindSynonym, KindCuration, KindOrg, KindIncident}

// Change is one write: an upsert of a document, or a delete by id. Exactly
// one of Article, Ticket, Query, Synonym, Curation, Org and Incident is
// set on an upsert.
type Change struct {
	Kind   Kind
	ID     string
	Delete bool
	Hash   string // content hash of the upserted document
	// Vector is the document's embedding, when the indexer has an embedder;
	// Model names the embedder that made it.
	Vector []float32
	Model  string
	// VectorOnly marks an upsert that adds a vector to a stored document
	// and changes nothing else.
	VectorOnly bool
	Article    *Article
	Ticket     *Ticket
	Query      *QueryRecord
	Synonym    *Synonym
	Curation   *Curation
	Org        *Org
	Incident   *Incident
}

// ID returns the query record's key: its portal and its lower-cased text.
func (q *QueryRecord) ID() string {
	return string(q.Portal) + ":" + strings.ToLower(q.Query)
}

// NewArticleChange normalises and validates a, and returns its upsert.
func NewArticleChange(a *Article) (Change, error) {
	a.Normalize()
	if err := a.Validate(); err != nil {
		return Change{}, err
	}
	return Change{Kind: KindArticle, ID: a.ID, Article: a, Hash: contentHash(a)}, nil
}

// NewTicketChange normalises and validates t, and returns its upsert.
func NewTicketChange(t *Ticket) (Change, error) {
	t.Normalize()
	if err := t.Validate(); err != nil {
		return Change{}, err
	}
	return Change{Kind: KindTicket, ID: t.ID, Ticket: t, Hash: contentHash(t)}, nil
}

// NewQueryChange normalises and validates q, and returns its upsert.
func NewQueryChange(q *QueryRecord) (Change, error) {
	q.Normalize()
	if err := q.Validate(); err != nil {
		return Change{}, err
	}
	return Change{Kind: KindQuery, ID: q.ID(), Query: q, Hash: contentHash(q)}, nil
}

// NewSynonymChange normalises and validates s, and returns its upsert.
func NewSynonymChange(s *Synonym) (Change, error) {
	s.Normalize()
	if err := s.Validate(); err != nil {
		return Change{}, err
	}
	return Change{Kind: KindSynonym, ID: s.ID, Synonym: s, Hash: contentHash(s)}, nil
}

// NewCurationChange normalises and validates c, and returns its upsert.
func NewCurationChange(c *Curation) (Change, error) {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return Change{}, err
	}
	return Change{Kind: KindCuration, ID: c.ID, Curation: c, Hash: contentHash(c)}, nil
}

// NewOrgChange normalises and validates o, and returns its upsert.
func NewOrgChange(o *Org) (Change, error) {
	o.Normalize()
	if err := o.Validate(); err != nil {
		return Change{}, err
	}
	return Change{Kind: KindOrg, ID: o.ID, Org: o, Hash: contentHash(o)}, nil
}

// NewIncidentChange normalises and validates i, and returns its upsert.
func NewIncidentChange(i *Incident) (Change, error) {
	i.Normalize()
	if err := i.Validate(); err != nil {
		return Change{}, err
	}
	return Change{Kind: KindIncident, ID: i.ID, Incident: i, Hash: contentHash(i)}, nil
}

// NewDelete returns the delete of a document.
func NewDelete(kind Kind, id string) Change { return Change{Kind: kind, ID: id, Delete: true} }

// MarshalDocument returns the JSON encoding of the upserted document, as a
// store keeps it.
func (c Change) MarshalDocument() ([]byte, error) {
	switch {
	case c.Article != nil:
		return json.Marshal(c.Article)
	case c.Ticket != nil:
		return json.Marshal(c.Ticket)
	case c.Query != nil:
		return json.Marshal(c.Query)
	case c.Synonym != nil:
		return json.Marshal(c.Synonym)
	case c.Curation != nil:
		return json.Marshal(c.Curation)
	case c.Org != nil:
		return json.Marshal(c.Org)
	case c.Incident != nil:
		return json.Marshal(c.Incident)
	}
	return nil, errors.New("upsert without a document")
}

// UnmarshalDocument decodes a stored document of c.Kind (as
// MarshalDocument encoded it) into the matching one of Article, Ticket and
// Query.
func (c *Change) UnmarshalDocument(data []byte) error {
	switch c.Kind {
	case KindArticle:
		c.Article = new(Article)
		return json.Unmarshal(data, c.Article)
	case KindTicket:
		c.Ticket = new(Ticket)
		return json.Unmarshal(data, c.Ticket)
	case KindQuery:
		c.Query = new(QueryRecord)
		return json.Unmarshal(data, c.Query)
	case KindSynonym:
		c.Synonym = new(Synonym)
		return json.Unmarshal(data, c.Synonym)
	case KindCuration:
		c.Curation = new(Curation)
		return json.Unmarshal(data, c.Curation)
	case KindOrg:
		c.Org = new(Org)
		return json.Unmarshal(data, c.Org)
	case KindIncident:
		c.Incident = new(Incident)
		return json.Unmarshal(data, c.Incident)
	}
	return errors.New("unknown kind")
}

// contentHash is a digest of a document's JSON encoding: equal documents
// have equal hashes, so an unchanged document can be skipped.
func contentHash(doc any) string {
	b, err := json.Marshal(doc)
	if err != nil {
		return "" // never equal to a stored hash, so the document is rewritten
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// embeddingWords bounds how much of a body goes into an embedding: the
// opening of an article says what it is about, the rest would dilute it,
// and an embedding's cost grows with its length.
const embeddingWords = 100

// EmbeddingText is the text whose embedding stands for the article: its
// title, its tags, then the opening of its body as plain text.
func (a *Article) EmbeddingText() string {
	return a.Title + ".\n" + strings.Join(a.Tags, ", ") + ".\n" + FirstWords(PlainText(a.Body), embeddingWords)
}

// EmbeddingText is the text whose embedding stands for the ticket: its
// subject, then the opening of its body.
func (t *Ticket) EmbeddingText() string {
	return t.Subject + ".\n" + FirstWords(t.Body, embeddingWords)
}

// FirstWords returns the first n words of s, joined by single spaces.
func FirstWords(s string, n int) string {
	words := strings.Fields(s)
	return strings.Join(words[:min(n, len(words))], " ")
}
