package analytics

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/siftdesk/sift/models"
)

// Rollup holds every session's events and a summary of the figures of
// each UTC day and portal, so reports over whole days merge summaries
// instead of recounting events. It is safe for concurrent use.
type Rollup struct {
	cfg Config

	mu       sync.Mutex
	sessions map[string]*sessionLog
	days     map[dayKey]*day
	strings  map[string]string // interned ids, queries and categories
}

// dayKey names the sessions that started on one UTC day on one portal.
type dayKey struct {
	day    int64 // days since 1970-01-01
	portal models.Portal
}

const nsPerDay = int64(24 * time.Hour)

// start returns the first instant of the key's day.
func (k dayKey) start() time.Time { return time.Unix(0, k.day*nsPerDay).UTC() }

// dayOf returns the day holding the Unix nanosecond t.
func dayOf(t int64) int64 {
	d := t / nsPerDay
	if t%nsPerDay < 0 {
		d--
	}
	return d
}

// day is the sessions that started on one day and portal, and their
// summary, nil while it must be recomputed.
type day struct {
	sessions []*sessionLog
	sum      *summary
}

// sessionLog is one session's events in time order (equal times in the
// order added), filed under the day and portal of its first event.
type sessionLog struct {
	key    dayKey
	events []event
}

// NewRollup returns an empty Rollup. It returns a models.ErrInvalid error
// naming the field when cfg is malformed.
func NewRollup(cfg Config) (*Rollup, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Rollup{
		cfg:      cfg,
		sessions: make(map[string]*sessionLog),
		days:     make(map[dayKey]*day),
		strings:  make(map[string]string),
	}, nil
}

// Add counts events, in any order. Events of unknown types are ignored.
// Add does not otherwise validate them: callers add events that passed
// models.Event.Validate, once each.
func (r *Rollup) Add(events ...models.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range events {
		r.add(&events[i])
	}
}

func (r *Rollup) add(e *models.Event) {
	k, ok := kinds[e.Type]
	if !ok {
		return
	}
	ev := event{
		at:       e.Time.UnixNano(),
		kind:     k,
		results:  int32(min(e.ResultCount, 1<<30)),
		weak:     e.ResultCount == 0 || e.BestRelevance != nil && *e.BestRelevance < models.ConfidentRelevance,
		article:  r.intern(e.ArticleID),
		category: r.intern(e.Category),
	}
	if e.Helpful != nil {
		ev.helpful = -1
		if *e.Helpful {
			ev.helpful = 1
		}
	}
	if k == kindSearch {
		ev.query = r.intern(NormalizeQuery(e.Query))
	}
	if len(e.ArticleIDs) > 0 {
		ev.articles = make([]string, len(e.ArticleIDs))
		for i, id := range e.ArticleIDs {
			ev.articles[i] = r.intern(id)
		}
	}
	portal := e.Portal
	if portal == "" {
		portal = models.PortalCustomer
	}
	key := dayKey{day: dayOf(ev.at), portal: portal}
	s := r.sessions[e.SessionID]
	if s == nil {
		s = &sessionLog{events: []event{ev}}
		r.sessions[strings.Clone(e.SessionID)] = s
		r.file(s, key)
		return
	}
	// Events usually arrive in order; a late one is put in its place.
	i := len(s.events)
	if ev.at < s.events[i-1].at {
		i = sort.Search(len(s.events), func(j int) bool { return s.events[j].at > ev.at })
	}
	s.events = slices.Insert(s.events, i, ev)
	if i == 0 && key != s.key {
		r.unfile(s)
		r.file(s, key)
		return
	}
	r.days[s.key].sum = nil
}

// file puts s under key and marks that day for recounting.
func (r *Rollup) file(s *sessionLog, key dayKey) {
	s.key = key
	d := r.days[key]
	if d == nil {
		d = &day{}
		r.days[key] = d
	}
	d.sessions = append(d.sessions, s)
	d.sum = nil
}

// unfile takes s out of its day.
func (r *Rollup) unfile(s *sessionLog) {
	d := r.days[s.key]
	i := slices.Index(d.sessions, s)
	last := len(d.sessions) - 1
	d.sessions[i] = d.sessions[last]
	d.sessions[last] = nil
	d.sessions = d.sessions[:last]
	d.sum = nil
	if len(d.sessions) == 0 {
		delete(r.days, s.key)
	}
}

// intern returns one shared copy of s, so ids repeated across millions of
// events are stored once.
func (r *Rollup) intern(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := r.strings[s]; ok {
		return v
	}
	v := strings.Clone(s)
	r.strings[v] = v
	return v
}

// Warm computes every day summary that is out of date, one day at a time,
// so the first report after a bulk load is as fast as the next. Reports
// and Add may run meanwhile.
func (r *Rollup) Warm() {
	r.mu.Lock()
	keys := make([]dayKey, 0, len(r.days))
	for k, d := range r.days {
		if d.sum == nil {
			keys = append(keys, k)
		}
	}
	r.mu.Unlock()
	for _, k := range keys {
		r.mu.Lock()
		if d := r.days[k]; d != nil {
			r.daySummary(d)
		}
		r.mu.Unlock()
	}
}

// daySummary returns the summary of all of d's sessions, recomputing it
// first if it is out of date. The caller holds r.mu.
func (r *Rollup) daySummary(d *day) *summary {
	if d.sum == nil {
		d.sum = r.summarize(d.sessions, Query{})
	}
	return d.sum
}

// summarize counts the sessions whose first event is in q's range.
func (r *Rollup) summarize(sessions []*sessionLog, q Query) *summary {
	m := newSummary()
	for _, s := range sessions {
		if q.contains(time.Unix(0, s.events[0].at)) {
			m.addSession(s.events, r.cfg.Window)
		}
	}
	return m
}

// part is the summary of the selected sessions of one day and portal.
type part struct {
	key dayKey
	sum *summary
}

// collect returns the summaries of the days and portals q selects. A day
// wholly inside the range gives its cached summary (recomputed first if
// out of date); a day the range cuts is recounted from its sessions.
// Summaries are never changed once made, so the caller reads them without
// the lock.
func (r *Rollup) collect(q Query) []part {
	r.mu.Lock()
	defer r.mu.Unlock()
	parts := make([]part, 0, len(r.days))
	for k, d := range r.days {
		if q.Portal != "" && k.portal != q.Portal {
			continue
		}
		start := k.start()
		end := start.Add(24 * time.Hour)
		if (!q.From.IsZero() && !end.After(q.From)) || (!q.To.IsZero() && !start.Before(q.To)) {
			continue
		}
		if q.contains(start) && (q.To.IsZero() || !end.After(q.To)) {
			parts = append(parts, part{k, r.daySummary(d)})
			continue
		}
		parts = append(parts, part{k, r.summarize(d.sessions, q)})
	}
	return parts
}
