package analytics

import (
	"cmp"
	"slices"
	"time"

	"github.com/siftdesk/sift/models"
)

// Metrics are the deflection figures of a set of sessions. See the package
// documentation for the definitions.
type Metrics struct {
	Sessions         int     `json:"sessions"`              // sessions with at least one event
	ReachedForm      int     `json:"reached_form"`          // sessions that reached the ticket form
	SelfService      int     `json:"self_service_sessions"` // sessions with at least one exposure
	Deflected        int     `json:"deflected"`             // deflected sessions, with or without the form
	DeflectedAtForm  int     `json:"deflected_at_form"`     // deflected sessions that reached the form
	ArticleViews     int     `json:"article_views"`         // article_view events
	TicketsSubmitted int     `json:"tickets_submitted"`     // ticket_submitted events
	DeflectionRate   float64 `json:"deflection_rate"`       // DeflectedAtForm / ReachedForm, 4 decimals
	SelfServiceScore float64 `json:"self_service_score"`    // ArticleViews / TicketsSubmitted, 4 decimals
	CostSaved        float64 `json:"cost_saved"`            // Deflected × (AgentCost − SelfServiceCost), 2 decimals
	ResolvedByAnswer int     `json:"resolved_by_answer"`    // deflected sessions shown an answer they did not reject
	// AvoidedByKnownIssue are deflected sessions shown a known issue's
	// notice, and KnownIssueSaved their cost saved, 2 decimals.
	AvoidedByKnownIssue int     `json:"avoided_by_known_issue"`
	KnownIssueSaved     float64 `json:"known_issue_cost_saved"`
}

// Bucket is the metrics of the sessions whose first event falls in the
// interval starting at Start.
type Bucket struct {
	Start time.Time `json:"start"`
	Metrics
}

// Row is the metrics of the sessions under one breakdown key.
type Row struct {
	Key string `json:"key"`
	Metrics
}

// DeflectionReport is the deflection figures of a query: totals, a time
// series with one bucket per interval from the first bucket holding a
// session to the last (empty intervals between them included, with zero
// figures), and an optional breakdown of the totals.
//
// Breakdown rows are sorted by key. With ByPortal and ByCategory each
// session is in exactly one row, so the rows sum to the totals; a
// session's category is the first non-empty Category among its events
// (portals set it on ticket_submitted, and may on ticket_form_started or
// ticket_abandoned), and sessions without one are under Uncategorized.
// With ByArticle a session is counted, with all its figures, under each
// article it was exposed to, so rows do not sum to the totals, and sessions
// without exposures are in no row.
type DeflectionReport struct {
	From            time.Time     `json:"from,omitzero"`
	To              time.Time     `json:"to,omitzero"`
	Portal          models.Portal `json:"portal,omitempty"`
	Interval        string        `json:"interval"`
	By              string        `json:"by,omitempty"`
	WindowSeconds   float64       `json:"window_seconds"`
	AgentCost       float64       `json:"agent_cost"`
	SelfServiceCost float64       `json:"self_service_cost"`
	Currency        string        `json:"currency"` // ISO 4217 code of both costs and of every cost saved
	Totals          Metrics       `json:"totals"`
	Series          []Bucket      `json:"series"`
	Breakdown       []Row         `json:"breakdown,omitempty"`
}

// counts is Metrics before the derived figures.
type counts struct {
	sessions, reached, selfService, deflected, deflectedAtForm, views, tickets, byAnswer, byKnownIssue int
}

// add counts one session.
func (c *counts) add(s *session, deflected bool) {
	c.sessions++
	if s.reachedForm {
		c.reached++
	}
	if s.exposed {
		c.selfService++
	}
	if deflected {
		c.deflected++
		if s.reachedForm {
			c.deflectedAtForm++
		}
		if s.answered && !s.answerFailed {
			c.byAnswer++
		}
		if s.knownIssue {
			c.byKnownIssue++
		}
	}
	c.views += s.views
	c.tickets += s.tickets
}

// merge adds the counts of o to c.
func (c *counts) merge(o counts) {
	c.sessions += o.sessions
	c.reached += o.reached
	c.selfService += o.selfService
	c.deflected += o.deflected
	c.deflectedAtForm += o.deflectedAtForm
	c.views += o.views
	c.tickets += o.tickets
	c.byAnswer += o.byAnswer
	c.byKnownIssue += o.byKnownIssue
}

func (r *Rollup) metrics(c counts) Metrics {
	return Metrics{
		Sessions:         c.sessions,
		ReachedForm:      c.reached,
		SelfService:      c.selfService,
		Deflected:        c.deflected,
		DeflectedAtForm:  c.deflectedAtForm,
		ArticleViews:     c.views,
		TicketsSubmitted: c.tickets,
		DeflectionRate:   ratio(c.deflectedAtForm, c.reached),
		SelfServiceScore: ratio(c.views, c.tickets),
		CostSaved:        round(float64(c.deflected)*(r.cfg.AgentCost-r.cfg.SelfServiceCost), 2),
		ResolvedByAnswer: c.byAnswer,

		AvoidedByKnownIssue: c.byKnownIssue,
		KnownIssueSaved:     round(float64(c.byKnownIssue)*(r.cfg.AgentCost-r.cfg.SelfServiceCost), 2),
	}
}

// Deflection returns the deflection report of q. It returns a
// models.ErrInvalid error naming the field when q is malformed.
func (r *Rollup) Deflection(q Query) (DeflectionReport, error) {
	q, err := q.validate()
	if err != nil {
		return DeflectionReport{}, err
	}
	var total counts
	series := make(map[time.Time]*counts)
	groups := make(map[string]*counts)
	for _, p := range r.collect(q) {
		total.merge(p.sum.total)
		entry(series, bucket(p.key.start(), q.Interval)).merge(p.sum.total)
		switch q.By {
		case ByPortal:
			entry(groups, string(p.key.portal)).merge(p.sum.total)
		case ByCategory:
			for k, c := range p.sum.categories {
				entry(groups, k).merge(*c)
			}
		case ByArticle:
			for k, c := range p.sum.exposedTo {
				entry(groups, k).merge(*c)
			}
		}
	}
	rep := DeflectionReport{
		From:            q.From,
		To:              q.To,
		Portal:          q.Portal,
		Interval:        q.Interval,
		By:              q.By,
		WindowSeconds:   r.cfg.Window.Seconds(),
		AgentCost:       r.cfg.AgentCost,
		SelfServiceCost: r.cfg.SelfServiceCost,
		Currency:        r.cfg.Currency,
		Totals:          r.metrics(total),
		Series:          []Bucket{},
	}
	for _, b := range span(series, q.Interval) {
		var c counts
		if p := series[b]; p != nil {
			c = *p
		}
		rep.Series = append(rep.Series, Bucket{Start: b, Metrics: r.metrics(c)})
	}
	if q.By != "" {
		rep.Breakdown = make([]Row, 0, len(groups))
		for key, c := range groups {
			rep.Breakdown = append(rep.Breakdown, Row{Key: key, Metrics: r.metrics(*c)})
		}
		slices.SortFunc(rep.Breakdown, func(x, y Row) int { return cmp.Compare(x.Key, y.Key) })
	}
	return rep, nil
}

// merged returns the summed figures, article or search ones as merge
// adds each day's part to them, of the sessions q selects, or an error
// naming the field when q is malformed.
func (r *Rollup) merged(q Query, merge func(m *summary, p part)) (*summary, error) {
	q, err := q.validate()
	if err != nil {
		return nil, err
	}
	m := newSummary()
	for _, p := range r.collect(q) {
		merge(m, p)
	}
	return m, nil
}

// SearchReport is the search figures of a query. Queries are counted under
// NormalizeQuery. A search is clicked when an article_view follows it in
// the same session before the session's next search; the click-through
// rate is clicked searches / searches. A search is unanswered when it had
// no result, or none at models.ConfidentRelevance.
type SearchReport struct {
	Searches           int     `json:"searches"`
	ClickedSearches    int     `json:"clicked_searches"`
	ClickThroughRate   float64 `json:"click_through_rate"`
	ZeroResultSearches int     `json:"zero_result_searches"`
	ZeroResultRate     float64 `json:"zero_result_rate"`
	UnansweredSearches int     `json:"unanswered_searches"`
	// Series has the searches of each interval (the query's Interval), as
	// the deflection report's series does: from the first interval holding
	// a session to the last, empty ones between included.
	Series []SearchBucket `json:"series"`
	// TopQueries are the most searched queries, by searches descending
	// then query ascending.
	TopQueries []QueryCount `json:"top_queries"`
	// ContentGaps are the queries of searches with no results, by those
	// searches descending then query ascending.
	ContentGaps []GapCount `json:"content_gaps"`
	// Unanswered are the queries of searches self-service did not answer:
	// no result, or none at models.ConfidentRelevance; by those searches
	// descending then query ascending.
	Unanswered []GapCount `json:"unanswered"`
	// TicketAnyway are the queries after which the session still submitted
	// a ticket, by tickets descending then query ascending.
	TicketAnyway []TicketQuery `json:"ticket_anyway"`
}

// SearchBucket is the searches of the sessions whose first event falls in
// the interval starting at Start.
type SearchBucket struct {
	Start              time.Time `json:"start"`
	Searches           int       `json:"searches"`
	ZeroResultSearches int       `json:"zero_result_searches"`
	UnansweredSearches int       `json:"unanswered_searches"`
}

// QueryCount is how often a query was searched and clicked.
type QueryCount struct {
	Query            string  `json:"query"`
	Searches         int     `json:"searches"`
	Clicks           int     `json:"clicks"`
	ClickThroughRate float64 `json:"click_through_rate"`
}

// GapCount is how often a query found nothing (result_count 0).
type GapCount struct {
	Query    string `json:"query"`
	Searches int    `json:"searches"`
}

// TicketQuery is a query whose sessions ended in a ticket anyway. Tickets
// counts ticket_submitted events preceded, in the same session and since
// the session's previous ticket, by at least one search of the query (at
// any distance: no window applies). ArticleIDs, sorted, are the articles
// shown (suggestion_shown, deflection_shown) or viewed in those sessions
// between such a search and the ticket; empty when none were.
type TicketQuery struct {
	Query      string   `json:"query"`
	Tickets    int      `json:"tickets"`
	ArticleIDs []string `json:"article_ids"`
}

// Search returns the search report of q, with at most top rows in each
// list; top <= 0 means all rows. It returns a models.ErrInvalid error
// naming the field when q is malformed.
func (r *Rollup) Search(q Query, top int) (SearchReport, error) {
	q, err := q.validate()
	if err != nil {
		return SearchReport{}, err
	}
	series := make(map[time.Time]*SearchBucket)
	m, err := r.merged(q, func(m *summary, p part) {
		if p.sum.total.sessions == 0 {
			return // a day the range cuts may keep none of its sessions
		}
		m.mergeQueries(p.sum)
		start := bucket(p.key.start(), q.Interval)
		b := entry(series, start)
		b.Start = start
		b.Searches += p.sum.searches
		b.ZeroResultSearches += p.sum.zero
		b.UnansweredSearches += p.sum.unanswered
	})
	if err != nil {
		return SearchReport{}, err
	}
	rep := SearchReport{Searches: m.searches, ZeroResultSearches: m.zero, UnansweredSearches: m.unanswered, Series: []SearchBucket{},
		TopQueries: []QueryCount{}, ContentGaps: []GapCount{}, Unanswered: []GapCount{}, TicketAnyway: []TicketQuery{}}
	for _, b := range span(series, q.Interval) {
		sb := SearchBucket{Start: b}
		if p := series[b]; p != nil {
			sb = *p
		}
		rep.Series = append(rep.Series, sb)
	}
	type named struct {
		text string
		*queryStats
	}
	qs := make([]named, 0, len(m.queries))
	for text, s := range m.queries {
		qs = append(qs, named{text, s})
		rep.ClickedSearches += s.clicks
	}
	rep.ClickThroughRate = ratio(rep.ClickedSearches, rep.Searches)
	rep.ZeroResultRate = ratio(rep.ZeroResultSearches, rep.Searches)
	by := func(f func(named) int) func(x, y named) int {
		return func(x, y named) int {
			if c := cmp.Compare(f(y), f(x)); c != 0 {
				return c
			}
			return cmp.Compare(x.text, y.text)
		}
	}
	limit := func(n int) bool { return top <= 0 || n < top }

	slices.SortFunc(qs, by(func(q named) int { return q.searches }))
	for _, q := range qs {
		if !limit(len(rep.TopQueries)) {
			break
		}
		rep.TopQueries = append(rep.TopQueries, QueryCount{Query: q.text, Searches: q.searches, Clicks: q.clicks, ClickThroughRate: ratio(q.clicks, q.searches)})
	}
	slices.SortFunc(qs, by(func(q named) int { return q.zero }))
	for _, q := range qs {
		if q.zero == 0 || !limit(len(rep.ContentGaps)) {
			break
		}
		rep.ContentGaps = append(rep.ContentGaps, GapCount{Query: q.text, Searches: q.zero})
	}
	slices.SortFunc(qs, by(func(q named) int { return q.unanswered }))
	for _, q := range qs {
		if q.unanswered == 0 || !limit(len(rep.Unanswered)) {
			break
		}
		rep.Unanswered = append(rep.Unanswered, GapCount{Query: q.text, Searches: q.unanswered})
	}
	slices.SortFunc(qs, by(func(q named) int { return q.tickets }))
	for _, q := range qs {
		if q.tickets == 0 || !limit(len(rep.TicketAnyway)) {
			break
		}
		rep.TicketAnyway = append(rep.TicketAnyway, TicketQuery{Query: q.text, Tickets: q.tickets, ArticleIDs: q.shownIDs()})
	}
	return rep, nil
}

// ArticleReport is the per-article figures of a query, worst first: by
// TicketsAfterView descending, then Views descending, then ArticleID
// ascending. It lists every article that was viewed, shown or rated.
type ArticleReport struct {
	Articles []ArticleStats `json:"articles"`
}

// ArticleStats are one article's figures.
type ArticleStats struct {
	ArticleID string `json:"article_id"`
	Views     int    `json:"views"` // article_view events
	Shown     int    `json:"shown"` // suggestion_shown and deflection_shown events listing it
	// HelpfulYes and HelpfulNo count article_feedback events; HelpfulRatio
	// is yes / (yes + no), 4 decimals, and 0 when there is no feedback.
	HelpfulYes   int     `json:"helpful_yes"`
	HelpfulNo    int     `json:"helpful_no"`
	HelpfulRatio float64 `json:"helpful_ratio"`
	// Deflections counts deflected sessions that were exposed to it.
	Deflections int `json:"deflections"`
	// TicketsAfterView counts ticket_submitted events of sessions that had
	// viewed it earlier (each ticket once per article): the article that
	// does not work. TicketsAfterViewRate is TicketsAfterView / Views, 4
	// decimals, and 0 without views: an article read often and seldom
	// followed by a ticket works, whatever its count.
	TicketsAfterView     int     `json:"tickets_after_view"`
	TicketsAfterViewRate float64 `json:"tickets_after_view_rate"`
	// Title is filled in by the engine from the articles it holds; empty
	// for an article it no longer has.
	Title string `json:"title,omitempty"`
}

// Articles returns the article report of q. It returns a
// models.ErrInvalid error naming the field when q is malformed.
func (r *Rollup) Articles(q Query) (ArticleReport, error) {
	m, err := r.merged(q, func(m *summary, p part) { m.mergeArticles(p.sum) })
	if err != nil {
		return ArticleReport{}, err
	}
	rep := ArticleReport{Articles: make([]ArticleStats, 0, len(m.articles))}
	for id, st := range m.articles {
		rep.Articles = append(rep.Articles, ArticleStats{
			ArticleID:        id,
			Views:            st.views,
			Shown:            st.shown,
			HelpfulYes:       st.helpfulYes,
			HelpfulNo:        st.helpfulNo,
			HelpfulRatio:     ratio(st.helpfulYes, st.helpfulYes+st.helpfulNo),
			Deflections:      st.deflections,
			TicketsAfterView: st.ticketsAfterView,

			TicketsAfterViewRate: ratio(st.ticketsAfterView, st.views),
		})
	}
	slices.SortFunc(rep.Articles, func(x, y ArticleStats) int {
		if c := cmp.Compare(y.TicketsAfterView, x.TicketsAfterView); c != 0 {
			return c
		}
		if c := cmp.Compare(y.Views, x.Views); c != 0 {
			return c
		}
		return cmp.Compare(x.ArticleID, y.ArticleID)
	})
	return rep, nil
}
