package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/models"
)

// The demo's event history: sift demo seeds the event log with a made-up
// but plausible history of portal sessions over the weeks before it starts,
// so the deflection dashboard has something to show.

const (
	// demoEventSeed is the seed of the history sift demo records.
	demoEventSeed = 1
	// demoHistoryDays is how far back the history reaches.
	demoHistoryDays = 56
)

// demoQuery is a popular search of the demo corpus.
type demoQuery struct {
	text   string
	portal models.Portal
	count  int64
}

// demoGap is a search the corpus has no article for: a content gap.
type demoGap struct {
	text     string
	portal   models.Portal
	category string
}

// demoGaps are the content gaps the history shows.
var demoGaps = []demoGap{
	{"smart lock setup", models.PortalCustomer, "device_issue"},
	{"homekit support", models.PortalCustomer, "device_issue"},
	{"gift card balance", models.PortalCustomer, "billing"},
	{"trade in old camera", models.PortalCustomer, "orders"},
	{"solar panel integration", models.PortalCustomer, "device_issue"},
	{"parking permit", models.PortalITSM, "hr_system"},
	{"expense claim", models.PortalITSM, "hr_system"},
	{"travel booking", models.PortalITSM, "software_request"},
	{"company car", models.PortalITSM, "hr_system"},
	{"mobile phone contract", models.PortalITSM, "hardware"},
}

// loadDemoCorpus reads the articles and popular queries of the demo
// sources; records that do not parse are skipped, as indexing skips them.
func loadDemoCorpus(ctx context.Context, sources []string) ([]models.Article, []demoQuery, error) {
	var articles []models.Article
	var queries []demoQuery
	for _, src := range sources {
		err := indexer.ReadSource(ctx, src, "", func(r indexer.Record) error {
			switch {
			case r.Err != nil:
			case r.Change.Article != nil:
				articles = append(articles, *r.Change.Article)
			case r.Change.Query != nil:
				q := r.Change.Query
				queries = append(queries, demoQuery{text: q.Query, portal: q.Portal, count: q.Count})
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return articles, queries, nil
}

// seedDemoEvents records a seeded event history for the demo corpus in
// the engine's event log, unless the log holds events already (stored),
// so a second demo over the same data directory does not double it.
func seedDemoEvents(ctx context.Context, eng *engine.Engine, sources []string, stored int, log *slog.Logger) error {
	if stored > 0 {
		log.Info("event log not empty; demo event history not seeded", "events", stored)
		return nil
	}
	start := time.Now()
	articles, queries, err := loadDemoCorpus(ctx, sources)
	if err != nil {
		return err
	}
	end := time.Now().UTC().Truncate(24 * time.Hour)
	events, sessions := generateDemoEvents(demoEventSeed, end, articles, queries)
	if err := recordEventBatches(ctx, eng, events); err != nil {
		return fmt.Errorf("seeding demo events: %w", err)
	}
	log.Info("seeded demo event history", "events", len(events), "sessions", sessions,
		"from", end.AddDate(0, 0, -demoHistoryDays).Format(time.DateOnly), "through", end.AddDate(0, 0, -1).Format(time.DateOnly),
		"took", time.Since(start).Round(time.Millisecond))
	return nil
}

// recordEventBatches records events through the engine in batches of at
// most engine.MaxEventBatch, as a portal posting to /v1/events would.
func recordEventBatches(ctx context.Context, eng *engine.Engine, events []models.Event) error {
	for len(events) > 0 {
		n := min(len(events), engine.MaxEventBatch)
		res, err := eng.RecordEvents(ctx, events[:n])
		if err != nil {
			return err
		}
		if len(res.Rejected) > 0 {
			p := res.Rejected[0]
			return fmt.Errorf("%d events rejected, the first %s: %s", len(res.Rejected), events[p.Index].ID, p.Message)
		}
		events = events[n:]
	}
	return nil
}

// demoArticle is an article as the generator sees it.
type demoArticle struct {
	id       string
	category string
	public   bool
	views    int64
	words    []string // title words, stemmed
	tags     []string // tag and category words, stemmed
	// helpful is the chance a reader finds it helpful: most articles
	// work, a few mostly do not, and their readers file tickets anyway.
	helpful float64
}

// demoTopic is what a session is about: its query, the articles a search
// for it finds (best first) and the ticket category it belongs to.
type demoTopic struct {
	query    string
	portal   models.Portal
	weight   float64
	hits     []*demoArticle
	category string
	gap      bool
}

// demoGen generates the history.
type demoGen struct {
	r          *rand.Rand
	articles   []*demoArticle
	topics     map[models.Portal][]*demoTopic
	byCategory map[models.Portal]map[string][]*demoArticle
	events     []models.Event
	seed       uint64
}

// generateDemoEvents returns a deterministic event history for the given
// corpus over the demoHistoryDays days before end (which should be a UTC
// midnight), with the number of sessions. The same seed, end and corpus
// give the same events with the same ids. Events are in time order.
func generateDemoEvents(seed uint64, end time.Time, articles []models.Article, queries []demoQuery) ([]models.Event, int) {
	g := &demoGen{r: rand.New(rand.NewPCG(seed, 0x5eed)), seed: seed}
	g.prepare(articles, queries)
	start := end.AddDate(0, 0, -demoHistoryDays)
	sessions := 0
	for day := range demoHistoryDays {
		date := start.AddDate(0, 0, day)
		progress := float64(day) / float64(demoHistoryDays-1)
		weekend := date.Weekday() == time.Saturday || date.Weekday() == time.Sunday
		for _, p := range []models.Portal{models.PortalCustomer, models.PortalITSM} {
			n := g.sessionsOn(p, weekend, progress)
			for range n {
				g.session(sessions, p, date, weekend, progress)
				sessions++
			}
		}
	}
	slices.SortStableFunc(g.events, func(a, b models.Event) int { return a.Time.Compare(b.Time) })
	return g.events, sessions
}

// prepare indexes the corpus: articles by portal and category, and the
// topics of each portal with the articles their search finds.
func (g *demoGen) prepare(articles []models.Article, queries []demoQuery) {
	articles = slices.Clone(articles)
	slices.SortFunc(articles, func(a, b models.Article) int { return cmp.Compare(a.ID, b.ID) })
	g.byCategory = map[models.Portal]map[string][]*demoArticle{
		models.PortalCustomer: {}, models.PortalITSM: {},
	}
	for _, a := range articles {
		da := &demoArticle{
			id: a.ID, category: a.Category, public: a.Visibility != models.VisibilityInternal,
			views: a.Views, words: stems(a.Title), tags: stems(strings.Join(a.Tags, " ") + " " + a.Category),
			helpful: 0.75 + 0.2*g.r.Float64(),
		}
		if g.r.IntN(9) == 0 {
			da.helpful = 0.1 + 0.2*g.r.Float64() // an article that does not work
		}
		g.articles = append(g.articles, da)
		for _, p := range []models.Portal{models.PortalCustomer, models.PortalITSM} {
			if p.CanSeeArticle(a.Visibility) && a.Category != "" {
				g.byCategory[p][a.Category] = append(g.byCategory[p][a.Category], da)
			}
		}
	}
	for _, byCat := range g.byCategory {
		for _, as := range byCat {
			slices.SortStableFunc(as, func(a, b *demoArticle) int { return cmp.Compare(b.views, a.views) })
		}
	}
	g.topics = map[models.Portal][]*demoTopic{}
	for _, q := range queries {
		p := q.portal
		if p == "" {
			p = models.PortalCustomer
		}
		t := &demoTopic{query: strings.ToLower(q.text), portal: p, weight: float64(max(q.count, 1))}
		t.hits = g.match(p, t.query)
		if len(t.hits) > 0 {
			t.category = t.hits[0].category
		}
		g.topics[p] = append(g.topics[p], t)
	}
	for _, gap := range demoGaps {
		// About one search in twelve finds nothing.
		var total float64
		for _, t := range g.topics[gap.portal] {
			total += t.weight
		}
		g.topics[gap.portal] = append(g.topics[gap.portal], &demoTopic{
			query: gap.text, portal: gap.portal, category: gap.category, gap: true,
			weight: total / 60 * (0.5 + g.r.Float64()),
		})
	}
}

// match returns the articles portal p may see that a search for q finds,
// best first: a crude stand-in for the search engine that needs no index.
func (g *demoGen) match(p models.Portal, q string) []*demoArticle {
	type scored struct {
		a     *demoArticle
		score float64
	}
	var hits []scored
	terms := stems(q)
	// Rare words weigh more, as in the search engine.
	idf := make([]float64, len(terms))
	for i, t := range terms {
		df := 0
		for _, a := range g.articles {
			if slices.Contains(a.words, t) || slices.Contains(a.tags, t) {
				df++
			}
		}
		idf[i] = math.Log(float64(len(g.articles)+1) / float64(df+1))
	}
	for _, a := range g.articles {
		if p == models.PortalCustomer && !a.public {
			continue
		}
		var s float64
		for i, t := range terms {
			if slices.Contains(a.words, t) {
				s += 2 * idf[i]
			}
			if slices.Contains(a.tags, t) {
				s += idf[i]
			}
		}
		if s > 0 {
			hits = append(hits, scored{a, s + math.Log10(float64(a.views+10))/10})
		}
	}
	slices.SortStableFunc(hits, func(x, y scored) int { return cmp.Compare(y.score, x.score) })
	var out []*demoArticle
	for _, h := range hits {
		if h.score < hits[0].score/2 || len(out) == 8 {
			break
		}
		out = append(out, h.a)
	}
	return out
}

var demoStopWords = map[string]bool{"a": true, "an": true, "the": true, "my": true, "to": true, "in": true,
	"on": true, "of": true, "for": true, "and": true, "your": true, "with": true, "is": true, "how": true, "do": true, "i": true}

// stems splits text into lower-case words without stop words, each cut to
// its first five letters so "printer" and "printing" meet.
func stems(text string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if demoStopWords[w] || len(w) < 2 {
			continue
		}
		if len(w) > 5 {
			w = w[:5]
		}
		out = append(out, w)
	}
	return out
}

// sessionsOn is how many sessions portal p has on a day: employees rarely
// open the ITSM portal at weekends, customers somewhat less often.
func (g *demoGen) sessionsOn(p models.Portal, weekend bool, progress float64) int {
	base := 36.0
	switch {
	case p == models.PortalITSM && weekend:
		base = 4
	case p == models.PortalITSM:
		base = 30
	case weekend:
		base = 22
	}
	base *= 1 + 0.1*progress // slowly growing use
	return int(math.Round(base * (0.8 + 0.4*g.r.Float64())))
}

// Hour weights of session starts, 0..22 UTC.
var (
	demoCustomerHours = []float64{1, 0.5, 0.3, 0.3, 0.5, 1, 2, 4, 6, 7, 7, 7, 8, 7, 6, 6, 6, 7, 8, 9, 8, 6, 3}
	demoITSMHours     = []float64{0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1, 4, 9, 10, 9, 8, 6, 8, 9, 8, 6, 3, 1, 0.5, 0.3, 0.2, 0.1}
)

// weighted picks an index below n with probability proportional to w.
func weighted(r *rand.Rand, n int, w func(i int) float64) int {
	var total float64
	for i := range n {
		total += w(i)
	}
	x := r.Float64() * total
	for i := range n {
		x -= w(i)
		if x < 0 {
			return i
		}
	}
	return n - 1
}

// sessionState builds the events of one session.
type sessionState struct {
	g      *demoGen
	id     string
	portal models.Portal
	t      time.Time
	n      int
}

func (s *sessionState) emit(ev models.Event) {
	ev.ID = fmt.Sprintf("demo%d-%s-%02d", s.g.seed, s.id[len("demo-"):], s.n)
	s.n++
	ev.SessionID, ev.Portal, ev.Time = s.id, s.portal, s.t
	s.g.events = append(s.g.events, ev)
}

// wait moves the session's clock on by between lo and hi seconds.
func (s *sessionState) wait(lo, hi int) {
	s.t = s.t.Add(time.Duration(lo+s.g.r.IntN(hi-lo+1)) * time.Second)
}

// session generates the events of one session of portal p on date.
func (g *demoGen) session(i int, p models.Portal, date time.Time, weekend bool, progress float64) {
	hours := demoCustomerHours
	if p == models.PortalITSM {
		hours = demoITSMHours
	}
	hour := weighted(g.r, len(hours), func(i int) float64 { return hours[i] })
	start := date.Add(time.Duration(hour)*time.Hour + time.Duration(g.r.IntN(3600))*time.Second)
	s := &sessionState{g: g, id: fmt.Sprintf("demo-%s-%05d", p, i), portal: p, t: start}

	topics := g.topics[p]
	topic := topics[weighted(g.r, len(topics), func(i int) float64 { return topics[i].weight })]
	category := topic.category
	if category == "" {
		category = "other"
	}

	// The outcome of what the user read: nil when they read nothing.
	var read *demoArticle
	helpful := false
	if g.r.Float64() < 0.85 { // most sessions start with a search, the rest go straight to the form
		query := g.vary(topic.query)
		var hits []*demoArticle
		if !topic.gap {
			hits = topic.hits
		}
		if len(hits) > 0 && g.r.Float64() < 0.7 {
			// Type-ahead while typing the query.
			prefix := query[:min(len(query), 3+g.r.IntN(6))]
			s.emit(models.Event{Type: models.EventSuggestionShown, Query: prefix, ArticleIDs: ids(hits[:min(len(hits), 5)])})
			s.wait(2, 8)
		}
		s.emit(models.Event{Type: models.EventSearch, Query: query, ResultCount: len(hits)})
		s.wait(5, 40)
		if len(hits) > 0 && g.r.Float64() < 0.55+0.2*progress {
			read = pickArticle(g.r, hits)
			s.emit(models.Event{Type: models.EventArticleView, ArticleID: read.id})
			s.wait(30, 240)
			helpful = g.r.Float64() < read.helpful
			if !helpful && len(hits) > 1 && g.r.Float64() < 0.3 {
				// Try another result.
				read = pickArticle(g.r, hits)
				s.emit(models.Event{Type: models.EventArticleView, ArticleID: read.id})
				s.wait(30, 180)
				helpful = g.r.Float64() < read.helpful
			}
			if g.r.Float64() < 0.4 {
				s.emit(models.Event{Type: models.EventArticleFeedback, ArticleID: read.id, Helpful: &helpful})
				s.wait(3, 20)
			}
		}
		// Does the user still need a ticket?
		var toForm float64
		switch {
		case read == nil && len(hits) == 0:
			toForm = 0.7
		case read == nil:
			toForm = 0.45
		case helpful:
			toForm = 0.12
		default:
			toForm = 0.8
		}
		if g.r.Float64() >= toForm {
			return // answered, or gave up: no form
		}
		s.wait(10, 90)
	}

	// The ticket form, with articles of the chosen category underneath.
	s.emit(models.Event{Type: models.EventTicketFormStarted, Category: category})
	s.wait(10, 60)
	shown := g.byCategory[p][category]
	if len(shown) > 0 {
		s.emit(models.Event{Type: models.EventDeflectionShown, ArticleIDs: ids(shown[:min(len(shown), 3)])})
		s.wait(10, 120)
		// During an incident some see its notice first.
		if g.r.Float64() < 0.03 {
			s.emit(models.Event{Type: models.EventKnownIssueShown, IncidentID: "demo-incident"})
			s.wait(5, 30)
		}
		// Some portals show an answer above the articles; a few say
		// whether it helped.
		if g.r.Float64() < 0.25 {
			s.emit(models.Event{Type: models.EventAnswerShown, ArticleIDs: ids(shown[:1])})
			s.wait(5, 40)
			if g.r.Float64() < 0.4 {
				helped := g.r.Float64() < 0.75
				s.emit(models.Event{Type: models.EventAnswerFeedback, Helpful: &helped})
				s.wait(3, 20)
			}
		}
	}
	// The chance of filing anyway falls as the knowledge base improves;
	// an article that did not help, or a search that found nothing, leaves
	// the user set on a ticket.
	submit := 0.72 - 0.36*progress
	switch {
	case read != nil && !helpful:
		submit = 0.85
	case topic.gap:
		submit = 0.9
	case len(shown) == 0:
		submit = 1
	}
	if weekend {
		submit -= 0.05 // weekend users are more patient
	}
	if g.r.Float64() < submit {
		s.wait(60, 480)
		s.emit(models.Event{Type: models.EventTicketSubmitted, Category: category,
			TicketID: fmt.Sprintf("DEMO-%s-%05d", strings.ToUpper(string(p[:2])), i)})
		return
	}
	if len(shown) > 0 && g.r.Float64() < 0.6 {
		a := pickArticle(g.r, shown[:min(len(shown), 3)])
		s.emit(models.Event{Type: models.EventArticleView, ArticleID: a.id})
		s.wait(30, 200)
		if g.r.Float64() < 0.3 {
			yes := true
			s.emit(models.Event{Type: models.EventArticleFeedback, ArticleID: a.id, Helpful: &yes})
			s.wait(3, 20)
		}
	}
	if g.r.Float64() < 0.6 { // some close the form, the rest just leave
		s.emit(models.Event{Type: models.EventTicketAbandoned, Category: category})
	}
}

// vary returns the query as users type it: mostly as is, sometimes as a
// question, capitalised or with a typo.
func (g *demoGen) vary(q string) string {
	switch x := g.r.Float64(); {
	case x < 0.65:
		return q
	case x < 0.75:
		return "how do I " + q
	case x < 0.82:
		return strings.ToUpper(q[:1]) + q[1:]
	case x < 0.9:
		return q + "?"
	default:
		b := []byte(q)
		if len(b) > 3 {
			i := 1 + g.r.IntN(len(b)-2)
			if b[i] != ' ' && b[i+1] != ' ' {
				b[i], b[i+1] = b[i+1], b[i]
			}
		}
		return string(b)
	}
}

// pickArticle picks one of the hits, favouring the top ones and the
// popular ones.
func pickArticle(r *rand.Rand, hits []*demoArticle) *demoArticle {
	return hits[weighted(r, len(hits), func(i int) float64 {
		return math.Sqrt(float64(hits[i].views+20)) / float64(i+1)
	})]
}

func ids(as []*demoArticle) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.id
	}
	return out
}
