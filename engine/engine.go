// Package engine is Sift's read side and its intelligence: type-ahead,
// search and deflection over the indexes, with the access rules of each
// portal enforced here, so no endpoint can leak what a portal may not see.
// It declares the small interfaces it consumes and never imports a backend.
package engine

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/siftdesk/sift/engine/analytics"
	"github.com/siftdesk/sift/engine/answer"
	"github.com/siftdesk/sift/engine/bm25"
	"github.com/siftdesk/sift/engine/classify"
	"github.com/siftdesk/sift/engine/curation"
	"github.com/siftdesk/sift/engine/duplicate"
	"github.com/siftdesk/sift/engine/knownissues"
	"github.com/siftdesk/sift/engine/relevance"
	"github.com/siftdesk/sift/engine/sentiment"
	"github.com/siftdesk/sift/engine/sharing"
	"github.com/siftdesk/sift/engine/ticketindex"
	"github.com/siftdesk/sift/engine/typeahead"
	"github.com/siftdesk/sift/engine/vocabulary"
	"github.com/siftdesk/sift/models"
)

// Store is the system of record as the engine reads it.
type Store interface {
	// Article returns an article, or an error matching models.ErrNotFound.
	Article(ctx context.Context, id string) (*models.Article, error)
	// Ticket returns a ticket, or an error matching models.ErrNotFound.
	Ticket(ctx context.Context, id string) (*models.Ticket, error)
	// Articles calls fn for every article; fn must not write to the store.
	Articles(ctx context.Context, fn func(*models.Article) error) error
	// Queries calls fn for every query record; fn must not write.
	Queries(ctx context.Context, fn func(*models.QueryRecord) error) error
	// Tickets calls fn for every ticket; fn must not write.
	Tickets(ctx context.Context, fn func(*models.Ticket) error) error
	// Synonyms calls fn for every synonym rule; fn must not write.
	Synonyms(ctx context.Context, fn func(*models.Synonym) error) error
	// Curations calls fn for every curation rule; fn must not write.
	Curations(ctx context.Context, fn func(*models.Curation) error) error
	// Orgs calls fn for every organisation record; fn must not write.
	Orgs(ctx context.Context, fn func(*models.Org) error) error
	// Incidents calls fn for every incident; fn must not write.
	Incidents(ctx context.Context, fn func(*models.Incident) error) error
	// Vectors calls fn with every stored vector of a kind made by model.
	Vectors(ctx context.Context, kind models.Kind, model string, fn func(id string, v []float32) error) error
}

// TextIndex is the full-text index of tickets as the engine reads it
// until its in-memory ticket search is loaded (WarmTickets); articles are
// searched in memory (engine/bm25).
type TextIndex interface {
	// SearchTickets returns the k tickets within scope whose subject and
	// body best match text.
	SearchTickets(ctx context.Context, text string, k int, scope models.TicketScope) ([]models.TicketHit, error)
}

// Writer applies document changes to the system of record and the
// full-text index; they are durable and searchable when it returns nil.
type Writer interface {
	Apply(ctx context.Context, changes []models.Change) error
}

// Config tunes the engine. The zero value is usable.
type Config struct {
	// MinQueryCount is how many times a query must have been searched
	// before type-ahead offers it to others; it keeps one person's query
	// private. Zero means 2.
	MinQueryCount int64
	// Vocabulary holds the words and phrases people use for the same
	// thing, applied to every query; nil means the built-in support
	// vocabulary (vocabulary.Support), an empty one none.
	Vocabulary *vocabulary.Vocabulary
	// Relevance holds, per retrieval mode, the model that rates hits and
	// decides whether an answer matched; a mode it lacks uses the
	// built-in model (relevance.Default).
	Relevance map[string]relevance.Model
	// ReadEveryWord scores every word of a long draft over many articles,
	// instead of finding the articles through its rarer words
	// (bm25.Index.ReadEveryWord): slower, and what sift bench compares
	// the suggested articles with.
	ReadEveryWord bool
}

// Engine answers type-ahead, search and deflection, and applies document
// writes. It is safe for concurrent use.
type Engine struct {
	cfg      Config
	store    Store
	text     TextIndex
	writer   Writer
	log      *slog.Logger
	articles *typeahead.Index   // article titles, class by visibility and restriction
	fulltext *bm25.Index        // article search
	tickets  *ticketindex.Index // similar-ticket search, once loaded (WarmTickets)

	synonyms  *vocabulary.Team // the team's synonym rules over cfg.Vocabulary, per portal
	curations *curation.Rules  // the team's pins, hides and boosts
	orgs      *sharing.Orgs    // the organisations that share their tickets
	incidents *knownissues.Set // incidents: the known issues shown first
	timeline  ticketTimeline   // when each ticket was created, for topic gaps

	answers     answer.Models    // score passages as answers to questions
	chat        answer.ChatModel // writes generative answers; nil: extractive only
	chatTimeout time.Duration
	passageMu   sync.Mutex
	passageVecs map[string][][]float32 // passage embeddings by article id and body hash
	pairs       *duplicate.Analyzer    // features of ticket pairs
	duplicates  duplicate.Model        // flags the pairs that are the same problem
	access      articleAccess          // products and tiers of restricted articles, for type-ahead
	queries     *typeahead.Index       // past queries, class by portal
	embedder    Embedder               // nil: full-text retrieval only
	vectors     VectorIndex            // nil: full-text retrieval only
	ready       readiness

	events    EventStore        // nil: no analytics
	eventFeed EventFeed         // nil: the log is this engine's alone
	rollup    *analytics.Rollup // the metrics, kept as events arrive; nil without events
	recorder  *recorder         // nil until UseEvents
	viewsMu   sync.Mutex
	views     map[string]int64 // article views from events, by article
	// eventsCounted is set once the event log is counted into the rollup
	// (UseEvents, or the first CatchUpEvents with a feed).
	eventsCounted atomic.Bool

	sentiment   *sentiment.Analyzer
	classifiers atomic.Pointer[map[string]*classify.Model] // by ticket field; nil until trained

	writeMu sync.Mutex // orders writes so the indexes see them in one order
	// replicated is set when the writer is a Replicated: type-ahead then
	// learns of every write, this replica's too, from the change feed.
	replicated bool
}

// New returns an engine over the given backends and loads the type-ahead
// indexes and article search from the store.
func New(ctx context.Context, cfg Config, store Store, text TextIndex, writer Writer, log *slog.Logger) (*Engine, error) {
	if cfg.MinQueryCount <= 0 {
		cfg.MinQueryCount = 2
	}
	if cfg.Vocabulary == nil {
		cfg.Vocabulary = vocabulary.Support()
	}
	fulltext := bm25.New(bm25.English())
	if cfg.ReadEveryWord {
		fulltext.ReadEveryWord()
	}
	e := &Engine{
		cfg: cfg, store: store, text: text, writer: writer,
		log:       log.With("component", "engine"),
		articles:  typeahead.New(),
		fulltext:  fulltext,
		tickets:   ticketindex.New(bm25.English()),
		synonyms:  vocabulary.NewTeam(cfg.Vocabulary),
		curations: curation.New(),
		orgs:      sharing.New(),
		pairs:     duplicate.NewAnalyzer(), duplicates: duplicate.Default(),
		answers:   answer.Default(),
		queries:   typeahead.New(),
		sentiment: sentiment.New(),
		ready: readiness{states: map[string]string{
			ComponentFullText: Ready, ComponentVectors: Absent, ComponentClassifiers: Absent,
		}},
	}
	e.incidents = knownissues.New(e.stems)
	var articles []*models.Article
	err := store.Articles(ctx, func(a *models.Article) error {
		articles = append(articles, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load type-ahead and article search: %w", err)
	}
	// The two indexes share nothing: each takes a core.
	var loaded sync.WaitGroup
	loaded.Go(func() { e.fulltext.Put(articles...) })
	entries := make([]typeahead.Entry, len(articles))
	for i, a := range articles {
		entries[i] = e.articleEntry(a, 0)
	}
	e.articles.PutAll(entries)
	loaded.Wait()
	var rules []models.Synonym
	err = store.Synonyms(ctx, func(s *models.Synonym) error {
		rules = append(rules, *s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load synonym rules: %w", err)
	}
	if err := e.synonyms.Put(rules...); err != nil {
		e.log.Warn("synonym rules left out", "err", err) // stored by an older Sift, or from a file
	}
	err = store.Curations(ctx, func(c *models.Curation) error {
		e.curations.Put(*c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load curation rules: %w", err)
	}
	err = store.Orgs(ctx, func(o *models.Org) error {
		e.orgs.Put(*o)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load organisations: %w", err)
	}
	err = store.Incidents(ctx, func(i *models.Incident) error {
		e.incidents.Put(*i)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load incidents: %w", err)
	}
	err = store.Queries(ctx, func(q *models.QueryRecord) error {
		e.putQuery(q)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load query completions: %w", err)
	}
	e.log.Info("type-ahead and article search loaded", "articles", e.articles.Len(), "queries", e.queries.Len())
	if r, ok := writer.(*Replicated); ok {
		r.eng.Store(e)
		e.replicated = true
	}
	return e, nil
}

func (e *Engine) putQuery(q *models.QueryRecord) {
	if q.Count < e.cfg.MinQueryCount {
		e.queries.Remove(q.ID())
		return
	}
	class := classCustomer
	if q.Portal == models.PortalITSM {
		class = classITSM
	}
	e.queries.Put(typeahead.Entry{ID: q.ID(), Text: q.Query, Popularity: float64(q.Count), Class: class})
}
