package models

import "time"

// Limits on queries, enforced by the engine and documented in the README.
const (
	MaxSuggestQueryLength = 200      // bytes of a type-ahead prefix
	MaxSearchQueryLength  = 1000     // bytes of a search query
	MaxDeflectTextBytes   = 32 << 10 // subject plus body of a ticket draft
	DefaultSuggestLimit   = 8
	MaxSuggestLimit       = 20
	DefaultSearchLimit    = 10
	MaxSearchLimit        = 50
	MaxSearchOffset       = 1000
	DefaultDeflectLimit   = 5
	MaxDeflectLimit       = 20
)

// Suggestion kinds.
const (
	SuggestionArticle = "article" // an article title that matches the prefix
	SuggestionQuery   = "query"   // a popular query that completes the prefix
)

// Suggestion is one type-ahead entry.
type Suggestion struct {
	Kind  string  `json:"kind"`
	ID    string  `json:"id,omitempty"`    // article id, for kind "article"
	Title string  `json:"title,omitempty"` // article title, for kind "article"
	Text  string  `json:"text"`            // what to put in the search box
	Score float64 `json:"score"`
	// Match says how the suggestion holds the words typed: "text" (all
	// of them in the title or query), "keywords" (all of them, some only
	// in the article's tags or key terms) or "partial" (some of them).
	// Suggestions come in that order, then by score.
	Match string `json:"match"`
}

// SuggestRequest asks for type-ahead suggestions.
type SuggestRequest struct {
	Query string
	// Audience is who reads the answer; the engine returns only what it
	// may see.
	Audience Audience
	Limit    int
	// SessionID, when set, makes Sift record the call as an event of that
	// portal session, for search analytics.
	SessionID string
}

// SuggestResult is the answer to a SuggestRequest.
type SuggestResult struct {
	Suggestions []Suggestion `json:"suggestions"`
	// DidYouMean is the text with its misspellings corrected, offered
	// when nothing was suggested and the corrected text finds articles.
	DidYouMean string `json:"did_you_mean,omitempty"`
	// Rules are the ids of the curation rules the text fired.
	Rules []string `json:"rules,omitempty"`
	// KnownIssues are the notices of open incidents the text is about,
	// to show first.
	KnownIssues []KnownIssue `json:"known_issues,omitempty"`
	TookMicros  int64        `json:"took_us"`
}

// SearchRequest asks for a page of articles matching a query.
type SearchRequest struct {
	Query     string
	Audience  Audience // as in SuggestRequest
	Limit     int
	Offset    int
	SessionID string // as in SuggestRequest
	Retrieval
}

// Retrieval modes: which indexes answer a search or deflection.
const (
	RetrievalHybrid = "hybrid" // full-text and vectors, fused by score
	RetrievalText   = "text"   // full-text (BM25) only
	RetrievalVector = "vector" // vector similarity only
)

// DefaultVectorWeight is the vector side's share in hybrid fusion.
const DefaultVectorWeight = 0.5

// Retrieval tunes how results are found. The zero value means hybrid
// retrieval (when the engine has vectors) with equal weights, unexplained.
type Retrieval struct {
	// Mode is RetrievalHybrid, RetrievalText or RetrievalVector; empty
	// means hybrid when vectors are available, else text.
	Mode string `json:"mode,omitempty"`
	// VectorWeight, in [0, 1], is the vector side's share in hybrid
	// fusion; nil means DefaultVectorWeight.
	VectorWeight *float64 `json:"vector_weight,omitempty"`
	// Explain adds to each hit which side found it and at what rank.
	Explain bool `json:"explain,omitempty"`
}

// Explanation says how a hit was found: its rank (1-based, 0 if not found)
// and score on each side of hybrid retrieval.
type Explanation struct {
	TextRank    int     `json:"text_rank"`
	TextScore   float64 `json:"text_score"`
	VectorRank  int     `json:"vector_rank"`
	VectorScore float64 `json:"vector_score"`
	// Coverage is the share of the query's words the hit holds in its
	// title or body; the relevance model reads it.
	Coverage float64 `json:"coverage"`
	// PopularityLift is the factor search multiplied the full-text score
	// by for the article's popularity, before fusion (1 for no views); 0
	// when full-text search did not find the article, and in deflection.
	PopularityLift float64 `json:"popularity_lift,omitempty"`
	// Rule is the curation rule that pinned or boosted the hit, if any.
	Rule string `json:"rule,omitempty"`
}

// ArticleHit is an article in a result list, with why it matched.
type ArticleHit struct {
	ID       string  `json:"id"`
	Title    string  `json:"title"`
	Category string  `json:"category,omitempty"`
	Product  string  `json:"product,omitempty"`
	Snippet  string  `json:"snippet,omitempty"` // HTML: matched words wrapped in <mark>
	Score    float64 `json:"score"`
	// Relevance is the calibrated probability that a person would find
	// the hit relevant (see engine/relevance).
	Relevance float64 `json:"relevance"`
	// Coverage is the share of the query's words (as the full-text index
	// analyses them) found in the hit's title or body; 0 when full text
	// did not find it.
	Coverage float64 `json:"-"`
	// Explain is set when the request asked for an explanation.
	Explain *Explanation `json:"explain,omitempty"`
	// Visibility, Products and Tiers are kept for the engine's own access
	// check; portals do not need them.
	Visibility Visibility `json:"-"`
	Products   []string   `json:"-"`
	Tiers      []string   `json:"-"`
}

// FacetCount is one value of a facet and how many hits have it.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// SearchResult is a page of hits, the total, and facets over all hits.
type SearchResult struct {
	// Matched says whether anything matched the query with confidence:
	// when false, Hits is empty, and a portal shows "nothing found".
	Matched bool `json:"matched"`
	// Degraded lists what the answer would have used but is still being
	// prepared (vectors, while documents are embedded at start): an
	// answer found without it, which may miss what it would find.
	Degraded []string `json:"degraded,omitempty"`
	// DidYouMean is the query with its misspellings corrected, offered
	// when the query matched nothing and the corrected one does.
	DidYouMean string `json:"did_you_mean,omitempty"`
	// Rules are the ids of the curation rules the query fired.
	Rules  []string                `json:"rules,omitempty"`
	Hits   []ArticleHit            `json:"hits"`
	Total  uint64                  `json:"total"`
	Facets map[string][]FacetCount `json:"facets"`
	// KnownIssues are the notices of open incidents the query is about,
	// to show first.
	KnownIssues []KnownIssue `json:"known_issues,omitempty"`
	TookMicros  int64        `json:"took_us"`
}

// DeflectRequest is a ticket being drafted.
type DeflectRequest struct {
	Subject   string   `json:"subject"`
	Body      string   `json:"body"`
	Audience  Audience `json:"-"` // as in SuggestRequest
	Limit     int      `json:"limit"`
	SessionID string   `json:"session_id,omitempty"` // as in SuggestRequest
	// Answer asks for the answer too, when the articles found answer the
	// draft with confidence (see Answer).
	Answer bool `json:"answer,omitempty"`
	Retrieval
}

// DeflectResult lists the articles most likely to resolve a draft.
type DeflectResult struct {
	// Matched says whether any article matched the draft with confidence:
	// when false, Articles is empty.
	Matched  bool         `json:"matched"`
	Degraded []string     `json:"degraded,omitempty"` // as in SearchResult
	Rules    []string     `json:"rules,omitempty"`    // as in SearchResult, fired by the subject
	Articles []ArticleHit `json:"articles"`
	// Answer is the answer to the draft, when the request asked for it and
	// the articles answer it with confidence.
	Answer *Answer `json:"answer,omitempty"`
	// KnownIssues are the notices of open incidents the draft is about,
	// to show first.
	KnownIssues []KnownIssue `json:"known_issues,omitempty"`
	TookMicros  int64        `json:"took_us"`
}

// TextMatch says how the full-text index should combine query words.
type TextMatch int

// Text match modes.
const (
	// MatchSearch is a search-box query: any word may match, in title, tags
	// or body; documents matching more words rank first, and title over tags
	// over body.
	MatchSearch TextMatch = iota
	// MatchDeflect is a ticket draft: long, wordy text where any word may
	// match and the subject weighs more than the body.
	MatchDeflect
)

// TextQuery asks the full-text index for articles.
type TextQuery struct {
	Match     TextMatch
	Text      string        // the query, or the draft's body for MatchDeflect
	Subject   string        // the draft's subject, for MatchDeflect
	Filter    ArticleFilter // the articles the reader may see
	Limit     int
	Offset    int
	Facets    bool // count hits by category and product
	Highlight bool // return snippets
	// Equivalents are phrases that mean what words of Text (or Subject)
	// mean, from the support vocabulary: matched as phrases, at a lower
	// weight than the words typed.
	Equivalents []string
	// Rewrites are Text (or Subject) with a phrase replaced by one of its
	// equivalents: a hit's coverage is its best over the text and these,
	// so an article found through a synonym holds the query's words.
	Rewrites []string
}

// QueryRecord is a query people have searched for, with how often. Query
// records feed the "query" completions of type-ahead.
type QueryRecord struct {
	Query  string `json:"query"`
	Portal Portal `json:"portal"`
	Count  int64  `json:"count"`
}

// Normalize trims the query and defaults the portal and count.
func (q *QueryRecord) Normalize() {
	q.Query = collapseSpace(q.Query)
	if q.Portal == "" {
		q.Portal = PortalCustomer
	}
	if q.Count <= 0 {
		q.Count = 1
	}
}

// Validate reports the first problem with the record.
func (q *QueryRecord) Validate() error {
	if q.Query == "" {
		return Invalid("query", "is required")
	}
	if err := checkText("query", q.Query, MaxSuggestQueryLength); err != nil {
		return err
	}
	_, err := ParsePortal(string(q.Portal))
	return err
}

// VectorHit is a document found by vector similarity.
type VectorHit struct {
	ID    string
	Score float64 // cosine similarity, in [-1, 1]
}

// CommonWordShare is the share of the documents above which a word of a
// text only adds to the documents its rarer words found, instead of
// finding its own: a document that shares nothing but common words with
// the text is no match worth reading most of an index for. The engine's
// in-memory searches and the database's ticket search both apply it.
const CommonWordShare = 0.05

// TicketScope says which tickets a similarity search may return: those of
// one portal, and of one organisation when Org is set.
type TicketScope struct {
	Portal Portal
	Org    string
}

// TicketHit is a ticket found by full-text search.
type TicketHit struct {
	ID    string
	Score float64
}

// SimilarTicket is an earlier ticket like the one at hand, with how it was
// resolved, for an agent to reuse.
type SimilarTicket struct {
	ID         string    `json:"id"`
	Subject    string    `json:"subject"`
	Status     string    `json:"status,omitempty"`
	Category   string    `json:"category,omitempty"`
	Resolution string    `json:"resolution,omitempty"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	Score      float64   `json:"score"`
	// DuplicateProbability is the calibrated probability that the two
	// tickets report the same problem, not only the same topic.
	DuplicateProbability float64 `json:"duplicate_probability"`
	// Duplicate is set when the ticket is still open and the probability
	// reaches the duplicate model's threshold.
	Duplicate bool `json:"duplicate"`
}
