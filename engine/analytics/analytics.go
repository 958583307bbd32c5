// Package analytics computes Sift's deflection metrics from portal events:
// how many sessions self-service kept away from the ticket form, what that
// saved, which searches find nothing, and which articles do not work. It is
// pure computation: callers stream events to an Aggregator and read
// reports from it. It does no I/O and imports only models and the standard
// library.
//
// # Sessions
//
// Every figure is counted per session (Event.SessionID). A session's portal
// is the portal of its first event (an empty portal means the customer
// portal, as in models.ParsePortal). Every figure of a session, including
// a ticket it submits after midnight, goes to the time bucket of its first
// event in the queried range.
//
// A session reached the ticket form when it has a ticket_form_started
// event, or a ticket_submitted or ticket_abandoned event (a portal may
// report those without a start).
//
// An exposure is a moment the session saw self-service content: an
// article_view (wherever it came from), or a suggestion_shown or
// deflection_shown event listing at least one article. The articles a
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
//
// Rates and scores are rounded to 4 decimals, money to 2.
//
// # Input
//
// Events of one session must be added in time order (equal times are kept
// in the order added); events of different sessions may interleave freely.
// Add rejects an event older than the last accepted event of its session.
// Removing duplicate event ids (a retried batch) is the caller's job: the
// event store should keep one event per id and add each once; an
// Aggregator counts every event it is given, duplicates included.
package analytics

import (
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

// Query selects the events an Aggregator counts and shapes its reports.
type Query struct {
	// From and To bound event times: From inclusive, To exclusive; a zero
	// bound is open. Events outside are ignored entirely, so a ticket
	// submitted after To cannot undo a deflection inside the range.
	From, To time.Time
	// Portal keeps only events of that portal; empty keeps both.
	Portal models.Portal
	// Interval is IntervalDay (the default when empty) or IntervalWeek.
	Interval string
	// By is ByCategory, ByArticle, ByPortal or empty for no breakdown.
	By string
}

// Aggregator accumulates events and computes reports from them. Reports
// may be read at any time and reflect the events added so far. An
// Aggregator is not safe for concurrent use.
type Aggregator struct {
	cfg      Config
	q        Query
	sessions map[string]*session
	queries  map[string]*queryStats
	articles map[string]*articleStats
	searches int // search events counted
}

// session is the running state of one session.
type session struct {
	portal       models.Portal
	first, last  time.Time
	lastExposure time.Time
	firstTicket  time.Time
	exposed      bool
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
	text     string
	searches int
	zero     int
	clicks   int
	tickets  int
	shown    map[string]struct{}
}

type articleStats struct {
	views, shown          int
	helpfulYes, helpfulNo int
	ticketsAfterView      int
}

// New returns an Aggregator for q. It returns a models.ErrInvalid error
// naming the field when q or cfg is malformed.
func New(cfg Config, q Query) (*Aggregator, error) {
	if cfg.Window < 0 {
		return nil, models.Invalid("window", "must not be negative")
	}
	if cfg.AgentCost < 0 || cfg.SelfServiceCost < 0 {
		return nil, models.Invalid("cost", "must not be negative")
	}
	if cfg.Window == 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.AgentCost == 0 {
		cfg.AgentCost = DefaultAgentCost
	}
	if cfg.SelfServiceCost == 0 {
		cfg.SelfServiceCost = DefaultSelfServiceCost
	}
	switch q.Portal {
	case "", models.PortalCustomer, models.PortalITSM:
	default:
		return nil, models.Invalid("portal", "unknown portal %q: want %q, %q or empty for both", q.Portal, models.PortalCustomer, models.PortalITSM)
	}
	switch q.Interval {
	case "":
		q.Interval = IntervalDay
	case IntervalDay, IntervalWeek:
	default:
		return nil, models.Invalid("interval", "unknown interval %q: want %q or %q", q.Interval, IntervalDay, IntervalWeek)
	}
	switch q.By {
	case "", ByCategory, ByArticle, ByPortal:
	default:
		return nil, models.Invalid("by", "unknown breakdown %q: want %q, %q or %q", q.By, ByCategory, ByArticle, ByPortal)
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return nil, models.Invalid("to", "must be after from")
	}
	return &Aggregator{
		cfg:      cfg,
		q:        q,
		sessions: make(map[string]*session),
		queries:  make(map[string]*queryStats),
		articles: make(map[string]*articleStats),
	}, nil
}

// Add counts one event. Events outside the query's range or portal, and
// events of unknown types, are ignored and return nil. Add returns a
// models.ErrInvalid error, and counts nothing, for an event older than the
// last accepted event of its session. Add does not otherwise validate e:
// callers add events that passed models.Event.Validate.
func (a *Aggregator) Add(e models.Event) error {
	t := e.Time
	if (!a.q.From.IsZero() && t.Before(a.q.From)) || (!a.q.To.IsZero() && !t.Before(a.q.To)) {
		return nil
	}
	portal := e.Portal
	if portal == "" {
		portal = models.PortalCustomer
	}
	if a.q.Portal != "" && portal != a.q.Portal {
		return nil
	}
	s := a.sessions[e.SessionID]
	if s == nil {
		s = &session{portal: portal, first: t, last: t}
		a.sessions[e.SessionID] = s
	} else if t.Before(s.last) {
		return models.Invalid("time", "event %q at %s is older than the last event of session %q (%s): add each session's events in time order",
			e.ID, t.Format(time.RFC3339Nano), e.SessionID, s.last.Format(time.RFC3339Nano))
	}
	s.last = t
	if s.category == "" && e.Category != "" {
		s.category = e.Category
	}
	switch e.Type {
	case models.EventSearch:
		a.searches++
		q := a.query(e.Query)
		q.searches++
		if e.ResultCount == 0 {
			q.zero++
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
	case models.EventSuggestionShown, models.EventDeflectionShown:
		if len(e.ArticleIDs) == 0 {
			return nil
		}
		for _, id := range e.ArticleIDs {
			a.article(id).shown++
		}
		s.expose(t, e.ArticleIDs...)
	case models.EventArticleView:
		a.article(e.ArticleID).views++
		s.views++
		if s.lastSearch != nil && !s.clicked {
			s.lastSearch.clicks++
			s.clicked = true
		}
		if !slices.Contains(s.viewed, e.ArticleID) {
			s.viewed = append(s.viewed, e.ArticleID)
		}
		s.expose(t, e.ArticleID)
	case models.EventArticleFeedback:
		if e.Helpful != nil {
			st := a.article(e.ArticleID)
			if *e.Helpful {
				st.helpfulYes++
			} else {
				st.helpfulNo++
			}
		}
	case models.EventTicketFormStarted, models.EventTicketAbandoned:
		s.reachedForm = true
	case models.EventTicketSubmitted:
		s.reachedForm = true
		if s.tickets == 0 {
			s.firstTicket = t
		}
		s.tickets++
		for _, id := range s.viewed {
			a.article(id).ticketsAfterView++
		}
		for _, o := range s.open {
			for _, id := range o.shown {
				o.q.shown[id] = struct{}{}
			}
			o.q.tickets++
		}
		s.open = s.open[:0]
	}
	return nil
}

// expose records an exposure at t to the given articles.
func (s *session) expose(t time.Time, ids ...string) {
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

// deflected applies the package's deflection rule to s.
func (s *session) deflected(window time.Duration) bool {
	if !s.exposed {
		return false
	}
	return s.tickets == 0 || s.firstTicket.After(s.lastExposure.Add(window))
}

func (a *Aggregator) query(text string) *queryStats {
	key := NormalizeQuery(text)
	q := a.queries[key]
	if q == nil {
		q = &queryStats{text: key, shown: make(map[string]struct{})}
		a.queries[key] = q
	}
	return q
}

func (a *Aggregator) article(id string) *articleStats {
	st := a.articles[id]
	if st == nil {
		st = &articleStats{}
		a.articles[id] = st
	}
	return st
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

// next returns the start of the interval after the one starting at b.
func next(b time.Time, interval string) time.Time {
	if interval == IntervalWeek {
		return b.AddDate(0, 0, 7)
	}
	return b.AddDate(0, 0, 1)
}
