// Package analytics computes Sift's deflection metrics from portal events:
// how many sessions self-service kept away from the ticket form, what that
// saved, which searches find nothing, and which articles do not work. It is
// pure computation: callers add events to a Rollup as they arrive and read
// reports from it. It does no I/O and imports only models and the standard
// library.
//
// # Sessions
//
// Every figure is counted per session (Event.SessionID), and every figure
// of a session goes to the day of its first event: a query selects the
// sessions whose first event falls in its range, and counts each with all
// of its events, including a ticket it submits after midnight or after the
// range ends. A session's portal is the portal of its first event (an empty
// portal means the customer portal, as in models.ParsePortal).
//
// A session reached the ticket form when it has a ticket_form_started
// event, or a ticket_submitted or ticket_abandoned event (a portal may
// report those without a start).
//
// An exposure is a moment the session saw self-service content: an
// article_view (wherever it came from), or a suggestion_shown,
// deflection_shown or answer_shown event listing at least one article, or
// a known_issue_shown event (the notice of an open incident). The articles a
// session was exposed to are the ids those events carry. A session with
// at least one exposure is a self-service session.
//
// A session is deflected when it is a self-service session and it has no
// ticket_submitted event at or before its last exposure plus
// Config.Window. The bound is inclusive: a ticket submitted exactly Window
// after the last exposure is not a deflection. A ticket submitted before an
// exposure also prevents deflection; a ticket submitted later than the
// window is treated as a new need and does not undo the deflection.
//
// # Figures
//
//   - deflection rate = deflected sessions that reached the form / sessions
//     that reached the form (DeflectedAtForm / ReachedForm), so it lies in
//     [0, 1]; 0 when no session reached the form.
//   - self-service score = article_view events / ticket_submitted events;
//     0 when no ticket was submitted.
//   - cost saved = all deflected sessions (including those that never
//     opened the form) × (AgentCost − SelfServiceCost).
//   - avoided by a known issue = deflected sessions that were shown a
//     known issue's notice, and its cost saved = those sessions ×
//     (AgentCost − SelfServiceCost).
//   - resolved by an answer = deflected sessions that were shown an
//     answer (answer_shown) and did not say it did not help
//     (answer_feedback with helpful false).
//
// Rates and scores are rounded to 4 decimals, money to 2.
//
// # Input and speed
//
// Events may arrive in any order: a Rollup keeps each session's events in
// time order (equal times in the order added). Removing duplicate event
// ids (a retried batch) is the caller's job: the event store keeps one
// event per id, and only new events are added.
//
// A Rollup keeps, per UTC day and portal, the summed figures of the
// sessions that started then, recomputed from those sessions only when one
// of them changed. A report over whole days merges these summaries, so
// its cost depends on the days and distinct keys in range, not on the
// number of events; a range that cuts a day recounts that day's sessions.
package analytics

import (
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/siftdesk/sift/models"
)

// Defaults for Config fields left at zero.
const (
	DefaultWindow          = 30 * time.Minute
	DefaultAgentCost       = 13.50
	DefaultSelfServiceCost = 1.84
	DefaultCurrency        = "USD"
)

// Config holds the figures deflection depends on. Zero fields take the
// defaults above, so the zero Config is the documented default.
type Config struct {
	// Window is how long after its last exposure a session must go without
	// submitting a ticket to count as deflected (default 30 minutes).
	Window time.Duration
	// AgentCost is the cost of a ticket handled by an agent (default 13.50).
	AgentCost float64
	// SelfServiceCost is the cost of an answer found by self-service
	// (default 1.84).
	SelfServiceCost float64
	// Currency is the ISO 4217 code of both costs (default USD); reports
	// carry it so that money is never shown without it.
	Currency string
}

// withDefaults checks c and fills in the defaults. It returns a
// models.ErrInvalid error naming the field when c is malformed.
func (c Config) withDefaults() (Config, error) {
	if c.Window < 0 {
		return c, models.Invalid("window", "must not be negative")
	}
	if c.AgentCost < 0 || c.SelfServiceCost < 0 {
		return c, models.Invalid("cost", "must not be negative")
	}
	if c.Currency != "" && !isCurrencyCode(c.Currency) {
		return c, models.Invalid("currency", "want an ISO 4217 code of three capital letters such as USD, got %q", c.Currency)
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.AgentCost == 0 {
		c.AgentCost = DefaultAgentCost
	}
	if c.SelfServiceCost == 0 {
		c.SelfServiceCost = DefaultSelfServiceCost
	}
	if c.Currency == "" {
		c.Currency = DefaultCurrency
	}
	return c, nil
}

// isCurrencyCode reports whether s has the form of an ISO 4217 code: three
// capital ASCII letters. Whether the code is assigned is the caller's
// concern.
func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := range 3 {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// Intervals of the deflection time series.
const (
	IntervalDay  = "day"  // UTC calendar days
	IntervalWeek = "week" // ISO weeks, Monday 00:00 UTC to the next Monday
)

// Breakdowns of the deflection totals.
const (
	ByCategory = "category" // the session's category, see Uncategorized
	ByArticle  = "article"  // each article the session was exposed to
	ByPortal   = "portal"   // the session's portal
)

// Uncategorized is the breakdown key of sessions that carry no category.
const Uncategorized = "uncategorized"

// Query selects the sessions a report counts and shapes the report.
type Query struct {
	// From and To select sessions by the time of their first event: From
	// inclusive, To exclusive; a zero bound is open. A selected session
	// counts with all its events, also those at or after To.
	From, To time.Time
	// Portal keeps only sessions of that portal; empty keeps both.
	Portal models.Portal
	// Interval is IntervalDay (the default when empty) or IntervalWeek.
	Interval string
	// By is ByCategory, ByArticle, ByPortal or empty for no breakdown.
	By string
}

// validate checks q and fills in the default interval. It returns a
// models.ErrInvalid error naming the field when q is malformed.
func (q Query) validate() (Query, error) {
	switch q.Portal {
	case "", models.PortalCustomer, models.PortalITSM:
	default:
		return q, models.Invalid("portal", "unknown portal %q: want %q, %q or empty for both", q.Portal, models.PortalCustomer, models.PortalITSM)
	}
	switch q.Interval {
	case "":
		q.Interval = IntervalDay
	case IntervalDay, IntervalWeek:
	default:
		return q, models.Invalid("interval", "unknown interval %q: want %q or %q", q.Interval, IntervalDay, IntervalWeek)
	}
	switch q.By {
	case "", ByCategory, ByArticle, ByPortal:
	default:
		return q, models.Invalid("by", "unknown breakdown %q: want %q, %q or %q", q.By, ByCategory, ByArticle, ByPortal)
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return q, models.Invalid("to", "must be after from: to is exclusive, so the single day %s is from=%s&to=%s",
			q.From.Format(time.DateOnly), q.From.Format(time.DateOnly), q.From.AddDate(0, 0, 1).Format(time.DateOnly))
	}
	return q, nil
}

// contains reports whether a session whose first event is at t is in q's
// range.
func (q Query) contains(t time.Time) bool {
	return (q.From.IsZero() || !t.Before(q.From)) && (q.To.IsZero() || t.Before(q.To))
}

// kind is what an event means to the metrics.
type kind uint8

const (
	kindSearch kind = iota
	kindShown       // suggestion_shown or deflection_shown
	kindView
	kindFeedback
	kindForm // ticket_form_started or ticket_abandoned
	kindTicket
	kindAnswer         // answer_shown
	kindAnswerFeedback // answer_feedback
	kindKnownIssue     // known_issue_shown
)

var kinds = map[models.EventType]kind{
	models.EventSearch:            kindSearch,
	models.EventSuggestionShown:   kindShown,
	models.EventDeflectionShown:   kindShown,
	models.EventArticleView:       kindView,
	models.EventArticleFeedback:   kindFeedback,
	models.EventTicketFormStarted: kindForm,
	models.EventTicketAbandoned:   kindForm,
	models.EventTicketSubmitted:   kindTicket,
	models.EventAnswerShown:       kindAnswer,
	models.EventAnswerFeedback:    kindAnswerFeedback,
	models.EventKnownIssueShown:   kindKnownIssue,
}

// event is the part of a models.Event the metrics read, kept small since a
// Rollup holds every event it was given.
type event struct {
	at       int64 // Unix nanoseconds
	kind     kind
	helpful  int8  // +1 helpful, -1 not helpful, 0 no answer
	results  int32 // search result count
	weak     bool  // a search with no result, or none at models.ConfidentRelevance
	article  string
	query    string // normalised with NormalizeQuery
	category string
	articles []string
}

// session is the state of one session while its events are replayed.
type session struct {
	lastExposure int64
	firstTicket  int64
	exposed      bool
	answered     bool // shown an answer
	answerFailed bool // said an answer did not help
	knownIssue   bool // shown a known issue's notice
	reachedForm  bool
	tickets      int
	views        int
	category     string
	articles     []string // exposed to, distinct, in order of first exposure
	viewed       []string // viewed, distinct
	lastSearch   *queryStats
	clicked      bool         // lastSearch was followed by a view
	open         []openSearch // searches since the last ticket
}

// maxOpenSearches bounds the distinct queries a session remembers while
// waiting for a ticket, so a runaway session (a bot) costs bounded work per
// event; beyond it the oldest query is forgotten and does not count as a
// ticket-anyway query.
const maxOpenSearches = 32

// openSearch is a search not yet followed by a ticket, with the articles
// shown since.
type openSearch struct {
	q     *queryStats
	shown []string
}

type queryStats struct {
	searches   int
	zero       int
	unanswered int
	clicks     int
	tickets    int
	shown      map[string]struct{}
	// merged holds the shown sets of the summaries merged into this one,
	// united only for the queries a report lists.
	merged []map[string]struct{}
}

// shownIDs returns the articles shown before a ticket after this query,
// sorted.
func (q *queryStats) shownIDs() []string {
	set := q.shown
	if len(q.merged) > 0 {
		set = maps.Clone(set)
		for _, m := range q.merged {
			maps.Copy(set, m)
		}
	}
	return slices.Sorted(maps.Keys(set))
}

type articleStats struct {
	views, shown          int
	helpfulYes, helpfulNo int
	ticketsAfterView      int
	deflections           int
}

// summary is the figures of a set of sessions: a day's, or a report's.
type summary struct {
	total      counts
	categories map[string]*counts // by session category
	exposedTo  map[string]*counts // by article the sessions were exposed to
	articles   map[string]*articleStats
	queries    map[string]*queryStats // by normalised query
	searches   int                    // search events
	zero       int                    // search events with no result
	unanswered int                    // search events with no confident result
}

func newSummary() *summary {
	return &summary{
		categories: make(map[string]*counts),
		exposedTo:  make(map[string]*counts),
		articles:   make(map[string]*articleStats),
		queries:    make(map[string]*queryStats),
	}
}

// addSession replays one session's events, in time order, into m.
func (m *summary) addSession(events []event, window time.Duration) {
	var s session
	for i := range events {
		m.apply(&s, &events[i])
	}
	deflected := s.exposed && (s.tickets == 0 || s.firstTicket > s.lastExposure+int64(window))
	m.total.add(&s, deflected)
	cat := s.category
	if cat == "" {
		cat = Uncategorized
	}
	entry(m.categories, cat).add(&s, deflected)
	for _, id := range s.articles {
		entry(m.exposedTo, id).add(&s, deflected)
		if deflected {
			m.article(id).deflections++
		}
	}
}

// apply counts one event of session s.
func (m *summary) apply(s *session, e *event) {
	if s.category == "" && e.category != "" {
		s.category = e.category
	}
	switch e.kind {
	case kindSearch:
		m.searches++
		q := m.query(e.query)
		q.searches++
		if e.results == 0 {
			m.zero++
			q.zero++
		}
		if e.weak {
			m.unanswered++
			q.unanswered++
		}
		s.lastSearch, s.clicked = q, false
		// A query already open keeps its entry: the articles shown since its
		// earlier search include those shown since this one.
		if !slices.ContainsFunc(s.open, func(o openSearch) bool { return o.q == q }) {
			if len(s.open) == maxOpenSearches {
				s.open = slices.Delete(s.open, 0, 1)
			}
			s.open = append(s.open, openSearch{q: q})
		}
	case kindShown, kindAnswer:
		if len(e.articles) == 0 {
			return
		}
		for _, id := range e.articles {
			m.article(id).shown++
		}
		s.expose(e.at, e.articles...)
		s.answered = s.answered || e.kind == kindAnswer
	case kindAnswerFeedback:
		s.answerFailed = s.answerFailed || e.helpful < 0
	case kindKnownIssue:
		s.knownIssue = true
		s.expose(e.at)
	case kindView:
		m.article(e.article).views++
		s.views++
		if s.lastSearch != nil && !s.clicked {
			s.lastSearch.clicks++
			s.clicked = true
		}
		if !slices.Contains(s.viewed, e.article) {
			s.viewed = append(s.viewed, e.article)
		}
		s.expose(e.at, e.article)
	case kindFeedback:
		switch e.helpful {
		case 1:
			m.article(e.article).helpfulYes++
		case -1:
			m.article(e.article).helpfulNo++
		}
	case kindForm:
		s.reachedForm = true
	case kindTicket:
		s.reachedForm = true
		if s.tickets == 0 {
			s.firstTicket = e.at
		}
		s.tickets++
		for _, id := range s.viewed {
			m.article(id).ticketsAfterView++
		}
		for _, o := range s.open {
			for _, id := range o.shown {
				o.q.shown[id] = struct{}{}
			}
			o.q.tickets++
		}
		s.open = s.open[:0]
	}
}

// expose records an exposure at t to the given articles.
func (s *session) expose(t int64, ids ...string) {
	s.exposed = true
	s.lastExposure = t
	for _, id := range ids {
		if !slices.Contains(s.articles, id) {
			s.articles = append(s.articles, id)
		}
	}
	for i := range s.open {
		for _, id := range ids {
			if !slices.Contains(s.open[i].shown, id) {
				s.open[i].shown = append(s.open[i].shown, id)
			}
		}
	}
}

func (m *summary) query(text string) *queryStats {
	q := m.queries[text]
	if q == nil {
		q = &queryStats{shown: make(map[string]struct{})}
		m.queries[text] = q
	}
	return q
}

func (m *summary) article(id string) *articleStats {
	return entry(m.articles, id)
}

// entry returns the value under key, adding a zero one first if needed.
func entry[K comparable, V any](m map[K]*V, key K) *V {
	v := m[key]
	if v == nil {
		v = new(V)
		m[key] = v
	}
	return v
}

// mergeArticles adds the article figures of o to m.
func (m *summary) mergeArticles(o *summary) {
	for id, a := range o.articles {
		b := m.article(id)
		b.views += a.views
		b.shown += a.shown
		b.helpfulYes += a.helpfulYes
		b.helpfulNo += a.helpfulNo
		b.ticketsAfterView += a.ticketsAfterView
		b.deflections += a.deflections
	}
}

// mergeQueries adds the search figures of o to m.
func (m *summary) mergeQueries(o *summary) {
	m.searches += o.searches
	m.zero += o.zero
	m.unanswered += o.unanswered
	for text, q := range o.queries {
		p := m.query(text)
		p.searches += q.searches
		p.zero += q.zero
		p.unanswered += q.unanswered
		p.clicks += q.clicks
		p.tickets += q.tickets
		if len(q.shown) > 0 {
			p.merged = append(p.merged, q.shown)
		}
		p.merged = append(p.merged, q.merged...)
	}
}

// NormalizeQuery is the form under which search queries are counted
// together: lower-cased, with runs of white space collapsed to one space
// and none at either end.
func NormalizeQuery(q string) string {
	if normalized(q) {
		return q
	}
	return strings.Join(strings.Fields(strings.ToLower(q)), " ")
}

// normalized reports whether q is plain ASCII already in NormalizeQuery's
// form, so the common case allocates nothing.
func normalized(q string) bool {
	if q == "" {
		return true
	}
	if q[0] == ' ' || q[len(q)-1] == ' ' {
		return false
	}
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c >= 0x80, c >= 'A' && c <= 'Z', c < ' ', c == 0x7f:
			return false
		case c == ' ' && q[i-1] == ' ':
			return false
		}
	}
	return true
}

// round rounds x to the given number of decimals.
func round(x float64, decimals int) float64 {
	p := math.Pow10(decimals)
	return math.Round(x*p) / p
}

// ratio returns n/d rounded to 4 decimals, or 0 when d is 0.
func ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return round(float64(n)/float64(d), 4)
}

// bucket returns the start of the interval holding t.
func bucket(t time.Time, interval string) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if interval == IntervalWeek {
		// Weekday: Sunday 0 ... Saturday 6; ISO weeks start on Monday.
		back := (int(day.Weekday()) + 6) % 7
		day = day.AddDate(0, 0, -back)
	}
	return day
}

// span returns the starts of the intervals from the earliest key of series
// to the latest, in order, those between included; none when series is
// empty.
func span[V any](series map[time.Time]V, interval string) []time.Time {
	if len(series) == 0 {
		return nil
	}
	keys := slices.SortedFunc(maps.Keys(series), time.Time.Compare)
	first, last := keys[0], keys[len(keys)-1]
	var out []time.Time
	for b := first; !b.After(last); b = next(b, interval) {
		out = append(out, b)
	}
	return out
}

// next returns the start of the interval after the one starting at b.
func next(b time.Time, interval string) time.Time {
	if interval == IntervalWeek {
		return b.AddDate(0, 0, 7)
	}
	return b.AddDate(0, 0, 1)
}
