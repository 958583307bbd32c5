package analytics

import (
	"bufio"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/models"
)

// The fixture, testdata/events.jsonl, is 58 events in 14 sessions over
// Sunday 2026-11-01 and Monday 2026-11-02 (UTC), plus session s14 on
// Tuesday, which every query below excludes with To = Tuesday 00:00.
// Window is the default 30 minutes; AgentCost − SelfServiceCost =
// 13.50 − 1.84 = 11.66 per deflected session.
//
// Per session ("form" = reached the ticket form, "exp" = last exposure,
// "defl" = deflected under the rule: exposed and no ticket at or before
// last exposure + 30m):
//
//	s1  customer Sun  form  exp 09:04:30 (deflection_shown)  no ticket              defl   views 1 tickets 0  cat -
//	s2  customer Sun  form  exp 10:03 (view)  ticket 10:06 <= 10:33              not    views 1 tickets 1  cat billing
//	s3  itsm     Sun  form  exp 11:01 (view)  ticket 11:41 >  11:31              defl   views 1 tickets 1  cat network
//	s4  itsm     Sun  form  exp 13:00:20      ticket 13:30:20 == exp+30m (bound) not    views 0 tickets 1  cat hardware
//	s5  customer Sun  -     exp 15:01 (view)  no ticket                          defl   views 2 tickets 0  cat -
//	s6  itsm     Sun  form  exp Mon 00:05     ticket Mon 00:10 (spans midnight)  not    views 1 tickets 1  cat hardware (from the form start)
//	s7  customer Mon  form  no exposure                                          not    views 0 tickets 0  cat -
//	s8  customer Mon  form (abandoned, no start) exp 08:30  no ticket            defl   views 0 tickets 0  cat billing (from the abandon)
//	s9  customer Mon  form (submitted, no start, no portal = customer) no exp    not    views 0 tickets 1  cat billing
//	s10 itsm     Mon  form  exp 10:05:10      ticket 10:07                       not    views 1 tickets 1  cat network
//	s11 customer Mon  form  exp 11:05:05      no ticket                          defl   views 1 tickets 0  cat -
//	s12 itsm     Mon  -     no exposure (a search with no results only)          not    views 0 tickets 0  cat -
//	s13 itsm     Mon  form  exp 15:10 (view)  ticket 15:01, before the exposure  not    views 1 tickets 1  cat network
//
// Exposed articles: s1 {a-pwd a-bill a-vpn}, s2 {a-bill}, s3 {a-vpn},
// s4 {a-wifi a-print}, s5 {a-wifi a-pwd}, s6 {a-print}, s8 {a-bill},
// s10 {a-vpn a-wifi}, s11 {a-pwd}, s13 {a-vpn}.

var (
	sunday  = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	monday  = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	tuesday = time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
)

func loadFixture(t testing.TB) []models.Event {
	t.Helper()
	f, err := os.Open("testdata/events.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var events []models.Event
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e models.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d: %v", len(events)+1, err)
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("event %s: %v", e.ID, err)
		}
		events = append(events, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(events) != 58 {
		t.Fatalf("fixture has %d events, want 58", len(events))
	}
	return events
}

// reports reads the reports of one query from a Rollup, failing the test
// on an error.
type reports struct {
	t testing.TB
	r *Rollup
	q Query
}

func (x reports) Deflection() DeflectionReport {
	x.t.Helper()
	rep, err := x.r.Deflection(x.q)
	if err != nil {
		x.t.Fatal(err)
	}
	return rep
}

func (x reports) Search(top int) SearchReport {
	x.t.Helper()
	rep, err := x.r.Search(x.q, top)
	if err != nil {
		x.t.Fatal(err)
	}
	return rep
}

func (x reports) Articles() ArticleReport {
	x.t.Helper()
	rep, err := x.r.Articles(x.q)
	if err != nil {
		x.t.Fatal(err)
	}
	return rep
}

// aggregate adds events to a new Rollup and returns its reports for q.
func aggregate(t testing.TB, cfg Config, q Query, events []models.Event) reports {
	t.Helper()
	r, err := NewRollup(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.Add(events...)
	return reports{t, r, q}
}

func fixtureQuery() Query { return Query{From: sunday, To: tuesday} }

// Expected figures. Each Metrics literal lists its sessions; rates are
// rounded to 4 decimals, money to 2.
var (
	// All of s1..s13: 13 sessions; form: all but s5, s12 = 11; exposed:
	// all but s7, s9, s12 = 10; deflected s1 s3 s5 s8 s11 = 5, of which
	// at the form s1 s3 s8 s11 = 4; views 1+1+1+0+2+1+0+0+0+1+1+0+1 = 9;
	// tickets s2 s3 s4 s6 s9 s10 s13 = 7.
	// Rate 4/11 = 0.363636 → 0.3636; score 9/7 = 1.285714 → 1.2857;
	// cost 5 × 11.66 = 58.30.
	wantTotals = Metrics{Sessions: 13, ReachedForm: 11, SelfService: 10, Deflected: 5, DeflectedAtForm: 4,
		ArticleViews: 9, TicketsSubmitted: 7, DeflectionRate: 0.3636, SelfServiceScore: 1.2857, CostSaved: 58.30}
	// Sunday, s1..s6 (s6's Monday ticket stays with its first event):
	// form s1 s2 s3 s4 s6 = 5; exposed 6; deflected s1 s3 s5 = 3, at the
	// form s1 s3 = 2; views 1+1+1+0+2+1 = 6; tickets s2 s3 s4 s6 = 4.
	// Rate 2/5 = 0.4; score 6/4 = 1.5; cost 3 × 11.66 = 34.98.
	wantSunday = Metrics{Sessions: 6, ReachedForm: 5, SelfService: 6, Deflected: 3, DeflectedAtForm: 2,
		ArticleViews: 6, TicketsSubmitted: 4, DeflectionRate: 0.4, SelfServiceScore: 1.5, CostSaved: 34.98}
	// Monday, s7..s13: form s7 s8 s9 s10 s11 s13 = 6; exposed s8 s10 s11
	// s13 = 4; deflected s8 s11 = 2, both at the form; views s10 s11 s13
	// = 3; tickets s9 s10 s13 = 3. Rate 2/6 = 0.3333; score 3/3 = 1;
	// cost 2 × 11.66 = 23.32.
	wantMonday = Metrics{Sessions: 7, ReachedForm: 6, SelfService: 4, Deflected: 2, DeflectedAtForm: 2,
		ArticleViews: 3, TicketsSubmitted: 3, DeflectionRate: 0.3333, SelfServiceScore: 1, CostSaved: 23.32}
	// Customer: s1 s2 s5 s7 s8 s9 s11 = 7; form s1 s2 s7 s8 s9 s11 = 6;
	// exposed s1 s2 s5 s8 s11 = 5; deflected s1 s5 s8 s11 = 4, at the
	// form s1 s8 s11 = 3; views 1+1+2+1 = 5; tickets s2 s9 = 2.
	// Rate 3/6 = 0.5; score 5/2 = 2.5; cost 4 × 11.66 = 46.64.
	wantCustomer = Metrics{Sessions: 7, ReachedForm: 6, SelfService: 5, Deflected: 4, DeflectedAtForm: 3,
		ArticleViews: 5, TicketsSubmitted: 2, DeflectionRate: 0.5, SelfServiceScore: 2.5, CostSaved: 46.64}
	// ITSM: s3 s4 s6 s10 s12 s13 = 6; form and exposed: all but s12 = 5;
	// deflected s3 = 1 (at the form); views s3 s6 s10 s13 = 4; tickets
	// s3 s4 s6 s10 s13 = 5. Rate 1/5 = 0.2; score 4/5 = 0.8; cost 11.66.
	wantITSM = Metrics{Sessions: 6, ReachedForm: 5, SelfService: 5, Deflected: 1, DeflectedAtForm: 1,
		ArticleViews: 4, TicketsSubmitted: 5, DeflectionRate: 0.2, SelfServiceScore: 0.8, CostSaved: 11.66}
)

func TestDeflectionTotalsAndDays(t *testing.T) {
	r := aggregate(t, Config{}, fixtureQuery(), loadFixture(t)).Deflection()
	if r.Totals != wantTotals {
		t.Errorf("totals\n got %+v\nwant %+v", r.Totals, wantTotals)
	}
	want := []Bucket{{Start: sunday, Metrics: wantSunday}, {Start: monday, Metrics: wantMonday}}
	if !reflect.DeepEqual(r.Series, want) {
		t.Errorf("series\n got %+v\nwant %+v", r.Series, want)
	}
	if r.Interval != IntervalDay || r.WindowSeconds != 1800 || r.AgentCost != 13.50 || r.SelfServiceCost != 1.84 || r.Currency != "USD" || r.Breakdown != nil {
		t.Errorf("report header: %+v", r)
	}
}

func TestDeflectionWeeks(t *testing.T) {
	// Sunday 2026-11-01 is in the ISO week starting Monday 2026-10-26; the
	// Monday starts a new week. s6 (Sunday 23:50 to Monday 00:10) belongs
	// to the earlier week, so the weeks equal the days.
	q := fixtureQuery()
	q.Interval = IntervalWeek
	r := aggregate(t, Config{}, q, loadFixture(t)).Deflection()
	want := []Bucket{{Start: time.Date(2026, 10, 26, 0, 0, 0, 0, time.UTC), Metrics: wantSunday}, {Start: monday, Metrics: wantMonday}}
	if !reflect.DeepEqual(r.Series, want) {
		t.Errorf("series\n got %+v\nwant %+v", r.Series, want)
	}
	if r.Totals != wantTotals {
		t.Errorf("totals\n got %+v\nwant %+v", r.Totals, wantTotals)
	}
}

func TestDeflectionBreakdowns(t *testing.T) {
	tests := []struct {
		by   string
		want []Row
	}{
		{ByPortal, []Row{{"customer", wantCustomer}, {"itsm", wantITSM}}},
		{ByCategory, []Row{
			// billing: s2 s8 s9; form 3; exposed s2 s8; deflected s8 (at
			// form); views s2 = 1; tickets s2 s9 = 2. 1/3; 1/2; 11.66.
			{"billing", Metrics{3, 3, 2, 1, 1, 1, 2, 0.3333, 0.5, 11.66, 0, 0, 0}},
			// hardware: s4 s6 (s6 from its form start); form and exposed 2;
			// none deflected; views s6 = 1; tickets 2. 0; 1/2; 0.
			{"hardware", Metrics{2, 2, 2, 0, 0, 1, 2, 0, 0.5, 0, 0, 0, 0}},
			// network: s3 s10 s13; all form and exposed; deflected s3;
			// views 3; tickets 3. 1/3; 3/3; 11.66.
			{"network", Metrics{3, 3, 3, 1, 1, 3, 3, 0.3333, 1, 11.66, 0, 0, 0}},
			// uncategorized: s1 s5 s7 s11 s12; form s1 s7 s11 = 3; exposed
			// s1 s5 s11 = 3, all deflected, at the form s1 s11 = 2; views
			// 1+2+1 = 4; no tickets, so score 0. 2/3 = 0.6667; 3 × 11.66.
			{Uncategorized, Metrics{5, 3, 3, 3, 2, 4, 0, 0.6667, 0, 34.98, 0, 0, 0}},
		}},
		{ByArticle, []Row{
			// a-bill: s1 s2 s8; form 3; deflected s1 s8 (at form); views
			// 1+1+0 = 2; tickets s2 = 1. 2/3; 2/1; 2 × 11.66.
			{"a-bill", Metrics{3, 3, 3, 2, 2, 2, 1, 0.6667, 2, 23.32, 0, 0, 0}},
			// a-print: s4 s6; form 2; none deflected; views 0+1; tickets 2.
			{"a-print", Metrics{2, 2, 2, 0, 0, 1, 2, 0, 0.5, 0, 0, 0, 0}},
			// a-pwd: s1 s5 s11; form s1 s11; all deflected; views 1+2+1 = 4;
			// no tickets. 2/2; 0; 3 × 11.66.
			{"a-pwd", Metrics{3, 2, 3, 3, 2, 4, 0, 1, 0, 34.98, 0, 0, 0}},
			// a-vpn: s1 s3 s10 s13; form 4; deflected s1 s3; views 4;
			// tickets s3 s10 s13 = 3. 2/4; 4/3 = 1.3333; 2 × 11.66.
			{"a-vpn", Metrics{4, 4, 4, 2, 2, 4, 3, 0.5, 1.3333, 23.32, 0, 0, 0}},
			// a-wifi: s4 s5 s10; form s4 s10; deflected s5 (not at form);
			// views 0+2+1 = 3; tickets s4 s10 = 2. 0/2; 3/2; 11.66.
			{"a-wifi", Metrics{3, 2, 3, 1, 0, 3, 2, 0, 1.5, 11.66, 0, 0, 0}},
		}},
	}
	events := loadFixture(t)
	for _, tc := range tests {
		t.Run(tc.by, func(t *testing.T) {
			q := fixtureQuery()
			q.By = tc.by
			r := aggregate(t, Config{}, q, events).Deflection()
			if !reflect.DeepEqual(r.Breakdown, tc.want) {
				t.Errorf("breakdown\n got %+v\nwant %+v", r.Breakdown, tc.want)
			}
			if r.Totals != wantTotals {
				t.Errorf("totals changed with by=%s: %+v", tc.by, r.Totals)
			}
		})
	}
}

func TestDeflectionPortalFilter(t *testing.T) {
	// Filtering to a portal gives that portal's breakdown row as totals.
	// ITSM days: Sunday s3 s4 s6 (form 3, exposed 3, deflected s3, views
	// 1+0+1 = 2, tickets 3: 1/3, 2/3, 11.66); Monday s10 s12 s13 (form s10
	// s13, exposed 2, none deflected, views 2, tickets 2: 0, 1, 0).
	for _, tc := range []struct {
		portal models.Portal
		want   Metrics
		days   []Metrics
	}{
		{models.PortalCustomer, wantCustomer, []Metrics{
			// s1 s2 s5: form s1 s2; deflected s1 s5 (at form s1); views 4;
			// tickets 1. 1/2; 4/1; 2 × 11.66.
			{3, 2, 3, 2, 1, 4, 1, 0.5, 4, 23.32, 0, 0, 0},
			// s7 s8 s9 s11: form 4; exposed s8 s11, both deflected; views 1;
			// tickets s9. 2/4; 1/1; 2 × 11.66.
			{4, 4, 2, 2, 2, 1, 1, 0.5, 1, 23.32, 0, 0, 0},
		}},
		{models.PortalITSM, wantITSM, []Metrics{
			{3, 3, 3, 1, 1, 2, 3, 0.3333, 0.6667, 11.66, 0, 0, 0},
			{3, 2, 2, 0, 0, 2, 2, 0, 1, 0, 0, 0, 0},
		}},
	} {
		t.Run(string(tc.portal), func(t *testing.T) {
			q := fixtureQuery()
			q.Portal = tc.portal
			r := aggregate(t, Config{}, q, loadFixture(t)).Deflection()
			if r.Totals != tc.want {
				t.Errorf("totals\n got %+v\nwant %+v", r.Totals, tc.want)
			}
			if len(r.Series) != 2 || r.Series[0].Metrics != tc.days[0] || r.Series[1].Metrics != tc.days[1] {
				t.Errorf("series\n got %+v\nwant %+v", r.Series, tc.days)
			}
		})
	}
}

func TestSearchReport(t *testing.T) {
	// Searches in range: s1 "reset password", s2 "invoice copy" twice (the
	// second written " Invoice  Copy", no result_count = 0), s3 "vpn not
	// connecting", s5 "wifi password", s6 "printer offline", s10 "vpn
	// certificate" and "vpn cert expired" (0 results), s11 "Reset
	// Password", s12 "docking station" (0 results) = 10; s14's is out of
	// range.
	// Clicked (a view before the session's next search): s1 yes; s2 first
	// no (the second search comes first), second yes (10:03 view); s3, s5,
	// s6 yes; s10 first yes (10:01), second no; s11 yes; s12 no = 7 of 10.
	// Zero results: invoice copy ×2, vpn cert expired, docking station = 4.
	// Tickets anyway: s2 invoice copy (then a-bill shown and viewed); s3 vpn
	// not connecting (a-vpn viewed; the ticket is after the window, but no
	// window applies here); s6 printer offline (a-print viewed and shown);
	// s10 both queries (a-vpn, a-wifi shown after each). s13's ticket has
	// no search before it.
	r := aggregate(t, Config{}, fixtureQuery(), loadFixture(t)).Search(3)
	want := SearchReport{
		Searches: 10, ClickedSearches: 7, ClickThroughRate: 0.7, ZeroResultSearches: 4, ZeroResultRate: 0.4,
		UnansweredSearches: 4,
		// Sunday: s1 s2 s2 s3 s5 s6, the two of s2 with no result; Monday:
		// s10 s10 s11 s12, s10's second and s12's with none.
		Series: []SearchBucket{{sunday, 6, 2, 2}, {monday, 4, 2, 2}},
		// Top 3 by searches, ties by query: the two 2s, then the first 1.
		TopQueries: []QueryCount{
			{"invoice copy", 2, 1, 0.5},
			{"reset password", 2, 2, 1},
			{"docking station", 1, 0, 0},
		},
		ContentGaps: []GapCount{{"invoice copy", 2}, {"docking station", 1}, {"vpn cert expired", 1}},
		// The fixture's searches carry no best relevance (a portal reports
		// them): unanswered are those with no result.
		Unanswered: []GapCount{{"invoice copy", 2}, {"docking station", 1}, {"vpn cert expired", 1}},
		TicketAnyway: []TicketQuery{
			{"invoice copy", 1, []string{"a-bill"}},
			{"printer offline", 1, []string{"a-print"}},
			{"vpn cert expired", 1, []string{"a-vpn", "a-wifi"}},
		},
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("Search(3)\n got %+v\nwant %+v", r, want)
	}

	all := aggregate(t, Config{}, fixtureQuery(), loadFixture(t)).Search(0)
	if len(all.TopQueries) != 8 || len(all.ContentGaps) != 3 {
		t.Errorf("Search(0): %d top queries, %d gaps; want 8, 3", len(all.TopQueries), len(all.ContentGaps))
	}
	wantTickets := []TicketQuery{
		{"invoice copy", 1, []string{"a-bill"}},
		{"printer offline", 1, []string{"a-print"}},
		{"vpn cert expired", 1, []string{"a-vpn", "a-wifi"}},
		// Shown after 10:00: suggestion a-vpn, view a-vpn, deflection
		// a-vpn a-wifi.
		{"vpn certificate", 1, []string{"a-vpn", "a-wifi"}},
		{"vpn not connecting", 1, []string{"a-vpn"}},
	}
	if !reflect.DeepEqual(all.TicketAnyway, wantTickets) {
		t.Errorf("ticket anyway\n got %+v\nwant %+v", all.TicketAnyway, wantTickets)
	}
	wantTail := []QueryCount{
		{"printer offline", 1, 1, 1}, {"vpn cert expired", 1, 0, 0}, {"vpn certificate", 1, 1, 1},
		{"vpn not connecting", 1, 1, 1}, {"wifi password", 1, 1, 1},
	}
	if !reflect.DeepEqual(all.TopQueries[3:], wantTail) {
		t.Errorf("top queries tail\n got %+v\nwant %+v", all.TopQueries[3:], wantTail)
	}
}

func TestArticleReport(t *testing.T) {
	// Views: a-pwd s1 s5 s11 = 3 (s14 out of range); a-bill s2 = 1; a-vpn
	// s3 s10 s13 = 3; a-wifi s5 = 1; a-print s6 = 1.
	// Shown (suggestion/deflection lists): a-pwd s1-2 s1-6 s11-5 = 3; a-bill
	// s1-2 s2-4 s8-1 = 3; a-vpn s1-6 s10-2 s10-7 = 3; a-wifi s4-2 s5-2
	// s10-7 = 3; a-print s4-2 s6-4 = 2.
	// Feedback: a-pwd yes yes (1); a-bill no (0); a-vpn no no yes (1/3);
	// a-wifi yes (1); a-print none (0).
	// Deflections: s1 {a-pwd a-bill a-vpn}, s3 {a-vpn}, s5 {a-wifi a-pwd},
	// s8 {a-bill}, s11 {a-pwd}: a-pwd 3, a-bill 2, a-vpn 2, a-wifi 1.
	// Tickets after a view: s2 a-bill, s3 a-vpn, s6 a-print, s10 a-vpn;
	// s13 viewed a-vpn only after its ticket. a-vpn 2, a-bill 1, a-print 1.
	// Order: tickets after view desc, views desc, id: a-vpn (2), a-bill and
	// a-print (1, 1 view each, by id), a-pwd (0, 3 views), a-wifi (0, 1).
	// Rates, tickets after view / views: a-vpn 2/3, a-bill and a-print 1.
	r := aggregate(t, Config{}, fixtureQuery(), loadFixture(t)).Articles()
	want := ArticleReport{Articles: []ArticleStats{
		{"a-vpn", 3, 3, 1, 2, 0.3333, 2, 2, 0.6667, ""},
		{"a-bill", 1, 3, 0, 1, 0, 2, 1, 1, ""},
		{"a-print", 1, 2, 0, 0, 0, 0, 1, 1, ""},
		{"a-pwd", 3, 3, 2, 0, 1, 3, 0, 0, ""},
		{"a-wifi", 1, 3, 1, 0, 1, 1, 0, 0, ""},
	}}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("Articles\n got %+v\nwant %+v", r, want)
	}
}

func TestArrivalOrderDoesNotMatter(t *testing.T) {
	// Events arriving shuffled, one at a time or in batches, with reports
	// read in between (so day summaries are made and then outdated), give
	// the reports of the events added in order.
	events := loadFixture(t)
	q := fixtureQuery()
	q.By = ByArticle
	want := aggregate(t, Config{}, q, events)
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		shuffled := slices.Clone(events)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		got := aggregate(t, Config{}, q, nil)
		for len(shuffled) > 0 {
			n := min(1+rng.IntN(8), len(shuffled))
			got.r.Add(shuffled[:n]...)
			shuffled = shuffled[n:]
			got.Deflection()
		}
		if !reflect.DeepEqual(got.Deflection(), want.Deflection()) || !reflect.DeepEqual(got.Search(0), want.Search(0)) || !reflect.DeepEqual(got.Articles(), want.Articles()) {
			t.Fatalf("seed %d: reports differ from those of the events in order", seed)
		}
	}
}

func TestLateEventMovesItsSession(t *testing.T) {
	// A session first seen on Monday on the ITSM portal gets an earlier
	// event from Sunday on the customer portal: it now starts on Sunday,
	// on the customer portal, with the late event counted.
	r := aggregate(t, Config{}, Query{}, nil)
	r.r.Add(models.Event{ID: "2", Type: models.EventTicketSubmitted, SessionID: "s", Portal: models.PortalITSM, Time: monday.Add(time.Hour)})
	if got := r.Deflection().Series; len(got) != 1 || !got[0].Start.Equal(monday) {
		t.Fatalf("before the late event: series %+v", got)
	}
	r.r.Add(models.Event{ID: "1", Type: models.EventArticleView, SessionID: "s", Portal: models.PortalCustomer, Time: sunday.Add(23 * time.Hour), ArticleID: "a"})
	rep := r.Deflection()
	if len(rep.Series) != 1 || !rep.Series[0].Start.Equal(sunday) || rep.Series[0].Sessions != 1 {
		t.Errorf("after the late event: series %+v", rep.Series)
	}
	// The view came 2 hours before the ticket: not within 30 minutes, so
	// the session is deflected, and it is the customer portal's now.
	if rep.Totals.Deflected != 1 || rep.Totals.TicketsSubmitted != 1 || rep.Totals.ArticleViews != 1 {
		t.Errorf("totals %+v", rep.Totals)
	}
	itsm := reports{t, r.r, Query{Portal: models.PortalITSM}}
	if n := itsm.Deflection().Totals.Sessions; n != 0 {
		t.Errorf("ITSM still has %d sessions", n)
	}
}

func TestWindowBoundary(t *testing.T) {
	// One session: a deflection_shown at 12:00, then (maybe) a ticket.
	tests := []struct {
		name     string
		window   time.Duration
		ticketAt time.Duration // after the exposure; < 0 for no ticket
		want     int           // deflected sessions
	}{
		{"no ticket", 0, -1, 1},
		{"ticket exactly at the default window is not a deflection", 0, 30 * time.Minute, 0},
		{"ticket a nanosecond after the window", 0, 30*time.Minute + 1, 1},
		{"ticket inside the window", 0, 29 * time.Minute, 0},
		{"shorter window", 10 * time.Minute, 11 * time.Minute, 1},
		{"ticket at the same instant", 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := aggregate(t, Config{Window: tc.window}, Query{}, nil)
			start := sunday.Add(12 * time.Hour)
			a.r.Add(models.Event{ID: "1", Type: models.EventTicketFormStarted, SessionID: "s", Time: start},
				models.Event{ID: "2", Type: models.EventDeflectionShown, SessionID: "s", Time: start, ArticleIDs: []string{"a"}})
			if tc.ticketAt >= 0 {
				a.r.Add(models.Event{ID: "3", Type: models.EventTicketSubmitted, SessionID: "s", Time: start.Add(tc.ticketAt)})
			}
			got := a.Deflection().Totals
			if got.Deflected != tc.want || got.DeflectedAtForm != tc.want {
				t.Errorf("deflected = %d (at form %d), want %d", got.Deflected, got.DeflectedAtForm, tc.want)
			}
		})
	}
}

func TestRangeEdges(t *testing.T) {
	// From is inclusive and To exclusive, applied to each session's first
	// event: [Sunday, Monday) is s1..s6 with all their events, s6's Monday
	// ticket included, so it equals the Sunday bucket.
	q := Query{From: sunday, To: monday}
	r := aggregate(t, Config{}, q, loadFixture(t)).Deflection()
	if r.Totals != wantSunday || len(r.Series) != 1 {
		t.Errorf("totals\n got %+v\nwant %+v", r.Totals, wantSunday)
	}
	// Without bounds, s14 (Tuesday) is counted too, in a third bucket.
	all := aggregate(t, Config{}, Query{}, loadFixture(t)).Deflection()
	if all.Totals.Sessions != 14 || len(all.Series) != 3 || !all.Series[2].Start.Equal(tuesday) {
		t.Errorf("unbounded: %d sessions, series %+v", all.Totals.Sessions, all.Series)
	}
}

func TestRangesThatCutDays(t *testing.T) {
	// A range that starts or ends inside a day counts the sessions whose
	// first event is in it: the same reports as a Rollup given only those
	// sessions' events and no bounds.
	events := loadFixture(t)
	first := map[string]time.Time{}
	for _, e := range events {
		if f, ok := first[e.SessionID]; !ok || e.Time.Before(f) {
			first[e.SessionID] = e.Time
		}
	}
	for _, q := range []Query{
		{From: sunday.Add(12 * time.Hour), To: monday.Add(12 * time.Hour)},
		{From: sunday.Add(9*time.Hour + 30*time.Minute), To: sunday.Add(15 * time.Hour)},
		{From: monday.Add(10 * time.Hour)},
		{To: monday.Add(time.Minute)},
	} {
		var in []models.Event
		for _, e := range events {
			if q.contains(first[e.SessionID]) {
				in = append(in, e)
			}
		}
		got, want := aggregate(t, Config{}, q, events), aggregate(t, Config{}, Query{}, in)
		if g, w := got.Deflection().Totals, want.Deflection().Totals; g != w || g.Sessions == 0 {
			t.Errorf("%v to %v: totals\n got %+v\nwant %+v", q.From, q.To, g, w)
		}
		if !reflect.DeepEqual(got.Search(0), want.Search(0)) || !reflect.DeepEqual(got.Articles(), want.Articles()) {
			t.Errorf("%v to %v: search or article reports differ", q.From, q.To)
		}
	}
}

func TestEmptyBucketsFilled(t *testing.T) {
	a := aggregate(t, Config{}, Query{}, nil)
	for i, day := range []time.Time{sunday, sunday.AddDate(0, 0, 3)} {
		a.r.Add(models.Event{ID: string(rune('a' + i)), Type: models.EventTicketAbandoned, SessionID: string(rune('a' + i)), Time: day})
	}
	r := a.Deflection()
	if len(r.Series) != 4 || r.Series[1].Sessions != 0 || r.Series[3].Sessions != 1 {
		t.Errorf("series %+v, want 4 days with two empty ones between", r.Series)
	}
}

func TestNewRejectsBadQueries(t *testing.T) {
	for _, tc := range []struct {
		cfg   Config
		q     Query
		field string
	}{
		{Config{}, Query{Interval: "month"}, "interval"},
		{Config{}, Query{By: "agent"}, "by"},
		{Config{}, Query{Portal: "intranet"}, "portal"},
		{Config{}, Query{From: monday, To: sunday}, "to"},
		{Config{Window: -time.Minute}, Query{}, "window"},
		{Config{AgentCost: -1}, Query{}, "cost"},
		{Config{Currency: "usd"}, Query{}, "currency"},
		{Config{Currency: "EURO"}, Query{}, "currency"},
	} {
		r, err := NewRollup(tc.cfg)
		if err == nil {
			_, err = r.Deflection(tc.q)
		}
		var me *models.Error
		if !errors.As(err, &me) || me.Code != models.CodeInvalid || me.Field != tc.field {
			t.Errorf("NewRollup(%+v).Deflection(%+v) = %v, want invalid %s", tc.cfg, tc.q, err, tc.field)
		}
	}
}

// TestOneDayRange: to is exclusive, so from = to is refused with a message
// that gives the range of that one day, and that range is answered.
func TestOneDayRange(t *testing.T) {
	a := aggregate(t, Config{}, Query{From: monday, To: monday}, loadFixture(t))
	_, err := a.r.Deflection(a.q)
	if err == nil || !strings.Contains(err.Error(), "from=2026-11-02&to=2026-11-03") {
		t.Errorf("from = to: %v, want the one day's range in the message", err)
	}
	a.q.To = tuesday
	if got := a.Deflection(); got.Totals != wantMonday {
		t.Errorf("Monday alone: totals %+v, want %+v", got.Totals, wantMonday)
	}
}

// TestCostsAndCurrency: the configured costs and currency make the cost
// saved and are reported with it.
func TestCostsAndCurrency(t *testing.T) {
	r := aggregate(t, Config{AgentCost: 20, SelfServiceCost: 5, Currency: "EUR"}, fixtureQuery(), loadFixture(t)).Deflection()
	if r.AgentCost != 20 || r.SelfServiceCost != 5 || r.Currency != "EUR" {
		t.Errorf("report header: costs %v and %v in %q, want 20 and 5 in EUR", r.AgentCost, r.SelfServiceCost, r.Currency)
	}
	if want := float64(wantTotals.Deflected) * 15; r.Totals.CostSaved != want {
		t.Errorf("cost saved %v, want %d deflected × 15 = %v", r.Totals.CostSaved, wantTotals.Deflected, want)
	}
}

func TestJSONShape(t *testing.T) {
	q := fixtureQuery()
	q.By = ByPortal
	a := aggregate(t, Config{}, q, loadFixture(t))
	b, err := json.Marshal(a.Deflection())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	totals := m["totals"].(map[string]any)
	for _, key := range []string{"sessions", "reached_form", "self_service_sessions", "deflected", "deflected_at_form",
		"article_views", "tickets_submitted", "deflection_rate", "self_service_score", "cost_saved"} {
		if _, ok := totals[key]; !ok {
			t.Errorf("totals lack %q: %s", key, b)
		}
	}
	series := m["series"].([]any)[0].(map[string]any)
	if series["start"] != "2026-11-01T00:00:00Z" || series["cost_saved"] != 34.98 {
		t.Errorf("series[0] = %v", series)
	}
	if m["breakdown"].([]any)[0].(map[string]any)["key"] != "customer" {
		t.Errorf("breakdown = %v", m["breakdown"])
	}
}

func TestNormalizeQuery(t *testing.T) {
	for in, want := range map[string]string{
		"":                 "",
		"reset password":   "reset password",
		" Reset  Password": "reset password",
		"vpn\tcert\n":      "vpn cert",
		"ÉCRAN noir":       "écran noir",
		"a ":               "a",
		"wifi\u00a0down":   "wifi down",
	} {
		if got := NormalizeQuery(in); got != want {
			t.Errorf("NormalizeQuery(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzNormalizeQuery(f *testing.F) {
	for _, s := range []string{"reset password", " Reset  Password", "vpn\tcert", "ÉCRAN", "a\u00a0b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		got := NormalizeQuery(q)
		if slow := strings.Join(strings.Fields(strings.ToLower(q)), " "); got != slow {
			t.Errorf("NormalizeQuery(%q) = %q, want %q", q, got, slow)
		}
		if NormalizeQuery(got) != got {
			t.Errorf("NormalizeQuery is not idempotent on %q", q)
		}
	})
}

func TestTicketAnywayCountsEachTicketOnce(t *testing.T) {
	// Session s: "vpn" is searched twice, then a ticket; then "vpn" again
	// and a second ticket. Each ticket counts the query once: 2 tickets.
	// Articles: a1 shown after the first searches, a2 after the third.
	a := aggregate(t, Config{}, Query{}, nil)
	min := func(m int) time.Time { return sunday.Add(time.Duration(m) * time.Minute) }
	for _, e := range []models.Event{
		{Type: models.EventSearch, Query: "vpn", Time: min(0)},
		{Type: models.EventSearch, Query: "VPN", Time: min(1)},
		{Type: models.EventDeflectionShown, ArticleIDs: []string{"a1"}, Time: min(2)},
		{Type: models.EventTicketSubmitted, Time: min(3)},
		{Type: models.EventSearch, Query: "vpn", Time: min(4)},
		{Type: models.EventArticleView, ArticleID: "a2", Time: min(5)},
		{Type: models.EventTicketSubmitted, Time: min(6)},
		{Type: models.EventTicketSubmitted, Time: min(7)}, // no search since the last ticket
	} {
		e.SessionID = "s"
		a.r.Add(e)
	}
	r := a.Search(0)
	want := []TicketQuery{{"vpn", 2, []string{"a1", "a2"}}}
	if !reflect.DeepEqual(r.TicketAnyway, want) {
		t.Errorf("ticket anyway = %+v, want %+v", r.TicketAnyway, want)
	}
	// Clicks: only the third search was followed by a view: 1 of 3.
	if r.Searches != 3 || r.ClickedSearches != 1 || r.ClickThroughRate != 0.3333 {
		t.Errorf("searches %d, clicked %d, rate %v", r.Searches, r.ClickedSearches, r.ClickThroughRate)
	}
	// a2 was viewed before the second and third tickets: 2 tickets after view.
	if got := a.Articles().Articles; got[0].ArticleID != "a2" || got[0].TicketsAfterView != 2 {
		t.Errorf("articles = %+v", got)
	}
}

// TestResolvedByAnswer: a deflected session shown an answer counts as
// resolved by it, unless it said the answer did not help or filed a
// ticket anyway; an answer is an exposure like suggestions.
func TestResolvedByAnswer(t *testing.T) {
	a := aggregate(t, Config{}, Query{}, nil)
	start := sunday.Add(12 * time.Hour)
	no, yes := false, true
	at := func(min int) time.Time { return start.Add(time.Duration(min) * time.Minute) }
	a.r.Add(
		// s1: answered, nothing else: resolved by the answer.
		models.Event{ID: "1", Type: models.EventAnswerShown, SessionID: "s1", Time: at(0), ArticleIDs: []string{"a"}},
		// s2: answered and said it helped.
		models.Event{ID: "2", Type: models.EventAnswerShown, SessionID: "s2", Time: at(0), ArticleIDs: []string{"a"}},
		models.Event{ID: "3", Type: models.EventAnswerFeedback, SessionID: "s2", Time: at(1), Helpful: &yes},
		// s3: answered, said it did not help: deflected, not by the answer.
		models.Event{ID: "4", Type: models.EventAnswerShown, SessionID: "s3", Time: at(0), ArticleIDs: []string{"a"}},
		models.Event{ID: "5", Type: models.EventAnswerFeedback, SessionID: "s3", Time: at(1), Helpful: &no},
		// s4: answered, then a ticket: not deflected.
		models.Event{ID: "6", Type: models.EventAnswerShown, SessionID: "s4", Time: at(0), ArticleIDs: []string{"a"}},
		models.Event{ID: "7", Type: models.EventTicketSubmitted, SessionID: "s4", Time: at(2)},
		// s5: suggestions only: deflected, not by an answer.
		models.Event{ID: "8", Type: models.EventSuggestionShown, SessionID: "s5", Time: at(0), ArticleIDs: []string{"a"}},
	)
	got := a.Deflection().Totals
	if got.Deflected != 4 || got.ResolvedByAnswer != 2 || got.SelfService != 5 {
		t.Errorf("deflected %d, resolved by an answer %d, self-service %d; want 4, 2, 5", got.Deflected, got.ResolvedByAnswer, got.SelfService)
	}
}

// TestUnansweredSearches: a search Sift recorded with its best article
// below models.ConfidentRelevance is unanswered though it had results; one
// at or above it is answered.
func TestUnansweredSearches(t *testing.T) {
	a := aggregate(t, Config{}, Query{}, nil)
	weak, strong := 0.1, models.ConfidentRelevance
	at := sunday.Add(12 * time.Hour)
	a.r.Add(
		models.Event{ID: "1", Type: models.EventSearch, SessionID: "s1", Time: at, Query: "apple watch", ResultCount: 7, BestRelevance: &weak},
		models.Event{ID: "2", Type: models.EventSearch, SessionID: "s2", Time: at, Query: "Apple  watch", ResultCount: 3, BestRelevance: &weak},
		models.Event{ID: "3", Type: models.EventSearch, SessionID: "s3", Time: at, Query: "reset password", ResultCount: 9, BestRelevance: &strong},
		models.Event{ID: "4", Type: models.EventSearch, SessionID: "s4", Time: at, Query: "homekit", ResultCount: 0},
	)
	r := a.Search(10)
	want := []GapCount{{"apple watch", 2}, {"homekit", 1}}
	if !reflect.DeepEqual(r.Unanswered, want) || !reflect.DeepEqual(r.ContentGaps, []GapCount{{"homekit", 1}}) {
		t.Errorf("unanswered %v, content gaps %v; want %v and [homekit]", r.Unanswered, r.ContentGaps, want)
	}
	// Two days later, one more weak search: the series has the three
	// days, the empty one between included.
	a.r.Add(models.Event{ID: "5", Type: models.EventSearch, SessionID: "s5", Time: at.AddDate(0, 0, 2), Query: "homekit hub", ResultCount: 2, BestRelevance: &weak})
	r = a.Search(10)
	wantSeries := []SearchBucket{{sunday, 4, 1, 3}, {monday, 0, 0, 0}, {tuesday, 1, 0, 1}}
	if r.UnansweredSearches != 4 || r.ZeroResultSearches != 1 || !reflect.DeepEqual(r.Series, wantSeries) {
		t.Errorf("%d unanswered, %d with no result, series %+v; want 4, 1 and %+v", r.UnansweredSearches, r.ZeroResultSearches, r.Series, wantSeries)
	}
}

// TestAvoidedByKnownIssue: a session shown a known issue's notice and no
// ticket after it is deflected and counted as avoided by the known issue,
// with its cost saved; one that files a ticket anyway is not.
func TestAvoidedByKnownIssue(t *testing.T) {
	a := aggregate(t, Config{}, Query{}, nil)
	at := sunday.Add(12 * time.Hour)
	a.r.Add(
		models.Event{ID: "1", Type: models.EventKnownIssueShown, SessionID: "s1", Time: at, IncidentID: "inc-1"},
		models.Event{ID: "2", Type: models.EventKnownIssueShown, SessionID: "s2", Time: at, IncidentID: "inc-1"},
		models.Event{ID: "3", Type: models.EventTicketSubmitted, SessionID: "s2", Time: at.Add(time.Minute)},
	)
	got := a.Deflection().Totals
	if got.AvoidedByKnownIssue != 1 || got.Deflected != 1 || got.KnownIssueSaved != 11.66 {
		t.Errorf("avoided %d, deflected %d, saved %.2f; want 1, 1, 11.66", got.AvoidedByKnownIssue, got.Deflected, got.KnownIssueSaved)
	}
}
