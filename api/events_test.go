package api_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/engine/analytics"
	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/bleve"
	"github.com/siftdesk/sift/indexer/bolt"
	"github.com/siftdesk/sift/indexer/eventlog"
	"github.com/siftdesk/sift/models"
)

// newEventsServer is newServer with an event log: the engine records
// events in an eventlog.Log in t.TempDir() and computes metrics with the
// default analytics.Config (30-minute window, 13.50 − 1.84 per deflection).
func newEventsServer(t *testing.T) *testServer {
	t.Helper()
	return newEventsServerWith(t, analytics.Config{})
}

// newEventsServerWith is newEventsServer computing metrics with cfg.
func newEventsServerWith(t *testing.T, cfg analytics.Config) *testServer {
	t.Helper()
	s, closeAll := openEventsServer(t, t.TempDir(), cfg)
	t.Cleanup(func() {
		if err := closeAll(); err != nil {
			t.Errorf("close backends: %v", err)
		}
	})
	return s
}

// openEventsServer opens the backends and event log in dir, creating them
// if needed, and returns the API over them, computing metrics with cfg,
// and a function that closes them.
func openEventsServer(t *testing.T, dir string, cfg analytics.Config) (*testServer, func() error) {
	t.Helper()
	ctx := t.Context()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, err := bolt.Open(filepath.Join(dir, "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := bleve.Open(filepath.Join(dir, "fulltext"))
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	events, err := eventlog.Open(filepath.Join(dir, "events"))
	if err != nil {
		text.Close()
		store.Close()
		t.Fatal(err)
	}
	closeAll := func() error { return errors.Join(events.Close(), text.Close(), store.Close()) }
	ix := indexer.New(store, text, 0, log)
	eng, err := engine.New(ctx, engine.Config{}, store, text, ix, log)
	if err != nil {
		closeAll()
		t.Fatal(err)
	}
	if err := eng.UseEvents(ctx, events, nil, cfg); err != nil {
		closeAll()
		t.Fatal(err)
	}
	h, key, err := newAPI(api.Config{}, eng, store, log)
	if err != nil {
		closeAll()
		t.Fatal(err)
	}
	return &testServer{t: t, handler: h, store: store, key: key}, closeAll
}

// eventsResult is engine.EventsResult as a client sees it.
type eventsResult struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	Rejected   []struct {
		Index   int    `json:"index"`
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"rejected"`
}

func (s *testServer) postEvents(events ...any) response {
	s.t.Helper()
	return s.do(http.MethodPost, "/v1/events", map[string]any{"events": events})
}

func view(id, session, article, at string) map[string]any {
	return map[string]any{"id": id, "type": "article_view", "session_id": session, "time": at, "article_id": article}
}

func TestEventsBatch(t *testing.T) {
	s := newEventsServer(t)
	good := []any{
		map[string]any{"id": "b-1", "type": "search", "session_id": "x", "portal": "itsm", "time": "2026-11-01T09:00:00Z", "query": "vpn", "result_count": 2},
		view("b-2", "x", "kb-vpn", "2026-11-01T09:01:00Z"),
		map[string]any{"id": "b-3", "type": "article_feedback", "session_id": "x", "portal": "itsm", "time": "2026-11-01T09:02:00Z", "article_id": "kb-vpn", "helpful": true},
	}
	bad := []struct {
		event any
		field string
	}{
		{map[string]any{"id": "b-4", "type": "teleport", "session_id": "x", "time": "2026-11-01T09:03:00Z"}, "type"},
		{map[string]any{"id": "b-5", "type": "search", "session_id": "x", "time": "2026-11-01T09:03:00Z"}, "query"},
		{map[string]any{"id": "b-6", "type": "article_view", "session_id": "", "time": "2026-11-01T09:03:00Z", "article_id": "a"}, "session_id"},
		{map[string]any{"id": "b-7", "type": "article_view", "session_id": "x", "article_id": "a"}, "time"},
		{map[string]any{"id": "b-8", "type": "article_feedback", "session_id": "x", "time": "2026-11-01T09:03:00Z", "article_id": "a"}, "helpful"},
		{map[string]any{"id": "b-9", "type": "article_view", "session_id": "x", "time": "2026-11-01T09:03:00Z"}, "article_id"},
		{map[string]any{"id": "b-10", "type": "ticket_form_started", "session_id": "x", "portal": "moon", "time": "2026-11-01T09:03:00Z"}, "portal"},
	}
	// Interleave: good at 0, 2, 4; bad at 1, 3, 5, 6, 7, 8, 9.
	batch := []any{good[0], bad[0].event, good[1], bad[1].event, good[2]}
	wantIdx := map[int]string{1: bad[0].field, 3: bad[1].field}
	for i, b := range bad[2:] {
		batch = append(batch, b.event)
		wantIdx[5+i] = b.field
	}

	var res eventsResult
	s.postEvents(batch...).mustStatus(t, http.StatusOK).decode(t, &res)
	if res.Accepted != 3 || res.Duplicates != 0 {
		t.Errorf("accepted %d, duplicates %d; want 3, 0", res.Accepted, res.Duplicates)
	}
	got := map[int]string{}
	for _, r := range res.Rejected {
		got[r.Index] = r.Field
		if r.Message == "" {
			t.Errorf("rejected %d: no message", r.Index)
		}
	}
	if !reflect.DeepEqual(got, wantIdx) {
		t.Errorf("rejected index→field %v, want %v", got, wantIdx)
	}

	// The good ones were stored: the article report counts the view and
	// the helpful vote, and the bad view (b-6, of article "a") is absent.
	var arts struct {
		Articles []struct {
			ArticleID  string `json:"article_id"`
			Views      int    `json:"views"`
			HelpfulYes int    `json:"helpful_yes"`
		} `json:"articles"`
	}
	s.do(http.MethodGet, "/v1/metrics/articles?from=2026-11-01&to=2026-11-02", nil).mustStatus(t, http.StatusOK).decode(t, &arts)
	if len(arts.Articles) != 1 || arts.Articles[0].ArticleID != "kb-vpn" || arts.Articles[0].Views != 1 || arts.Articles[0].HelpfulYes != 1 {
		t.Errorf("articles after the batch: %+v", arts.Articles)
	}

	// A retry of the same batch stores nothing new: the three good events
	// are duplicates and the bad ones are rejected again.
	res = eventsResult{}
	s.postEvents(batch...).mustStatus(t, http.StatusOK).decode(t, &res)
	if res.Accepted != 0 || res.Duplicates != 3 || len(res.Rejected) != len(bad) {
		t.Errorf("retry: accepted %d, duplicates %d, rejected %d; want 0, 3, %d", res.Accepted, res.Duplicates, len(res.Rejected), len(bad))
	}
	// A partial retry with one new event: 1 accepted, 2 duplicates.
	res = eventsResult{}
	s.postEvents(good[0], good[1], view("b-11", "x", "kb-vpn", "2026-11-01T09:05:00Z")).mustStatus(t, http.StatusOK).decode(t, &res)
	if res.Accepted != 1 || res.Duplicates != 2 || len(res.Rejected) != 0 {
		t.Errorf("partial retry: %+v; want 1 accepted, 2 duplicates", res)
	}
	s.do(http.MethodGet, "/v1/metrics/articles?from=2026-11-01&to=2026-11-02", nil).mustStatus(t, http.StatusOK).decode(t, &arts)
	if len(arts.Articles) != 1 || arts.Articles[0].Views != 2 {
		t.Errorf("views after retries: %+v, want 2 (b-2 and b-11, once each)", arts.Articles)
	}
}

func TestEventsBatchLimitsAndErrors(t *testing.T) {
	s := newEventsServer(t)
	batch := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = view(fmt.Sprintf("lim-%d", i), "lim", "kb-1", "2026-11-01T09:00:00Z")
		}
		return out
	}

	// Exactly MaxEventBatch is fine; one more is 413 and stores nothing.
	var res eventsResult
	s.postEvents(batch(engine.MaxEventBatch)...).mustStatus(t, http.StatusOK).decode(t, &res)
	if engine.MaxEventBatch != 1000 || res.Accepted != 1000 {
		t.Errorf("max batch: accepted %d (MaxEventBatch %d), want 1000", res.Accepted, engine.MaxEventBatch)
	}
	over := batch(engine.MaxEventBatch + 1)
	over[len(over)-1] = view("lim-new", "lim", "kb-1", "2026-11-01T09:00:00Z")
	checkProblem(t, s.postEvents(over...), http.StatusRequestEntityTooLarge, "too_large", "events", "1001", "1000")
	res = eventsResult{}
	s.postEvents(view("lim-new", "lim", "kb-1", "2026-11-01T09:00:00Z")).mustStatus(t, http.StatusOK).decode(t, &res)
	if res.Accepted != 1 {
		t.Errorf("the event of the refused batch was stored: %+v", res)
	}

	// Nothing valid: 400, a problem that still lists the reasons.
	r := s.postEvents(map[string]any{"id": "nv-1", "type": "nope", "session_id": "x", "time": "2026-11-01T09:00:00Z"},
		map[string]any{"id": "nv-2", "type": "search", "session_id": "x", "time": "2026-11-01T09:00:00Z"})
	checkProblem(t, r, http.StatusBadRequest, "invalid", "events")
	var p struct {
		Rejected []struct {
			Index int    `json:"index"`
			Field string `json:"field"`
		} `json:"rejected"`
	}
	r.decode(t, &p)
	if len(p.Rejected) != 2 || p.Rejected[0].Index != 0 || p.Rejected[0].Field != "type" || p.Rejected[1].Index != 1 || p.Rejected[1].Field != "query" {
		t.Errorf("rejected %+v", p.Rejected)
	}

	checkProblem(t, s.postEvents(), http.StatusBadRequest, "invalid", "events")
	checkProblem(t, s.do(http.MethodPost, "/v1/events", `{"events":[{"id":"u","type":"search","session_id":"x","time":"2026-11-01T09:00:00Z","query":"q","colour":"red"}]}`),
		http.StatusBadRequest, "invalid", "colour")
	checkProblem(t, s.do(http.MethodGet, "/v1/events", nil), http.StatusMethodNotAllowed, "invalid", "")

	// A server without an event log refuses events and metrics.
	plain := newServer(t, api.Config{})
	checkProblem(t, plain.postEvents(view("e-1", "x", "kb-1", "2026-11-01T09:00:00Z")), http.StatusBadRequest, "invalid", "", "event log")
	for _, p := range []string{"deflection", "search", "articles"} {
		checkProblem(t, plain.do(http.MethodGet, "/v1/metrics/"+p, nil), http.StatusBadRequest, "invalid", "", "event log")
	}
}

// replayFixture posts engine/analytics/testdata/events.jsonl, 58 events in
// 14 sessions on Sunday 2026-11-01, Monday 11-02 and (s14 only) Tuesday
// 11-03, in batches of 20 lines sent as they are written (s9-1 has no
// portal, which means customer).
func replayFixture(t *testing.T, s *testServer) {
	t.Helper()
	f, err := os.Open("../engine/analytics/testdata/events.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []json.RawMessage
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, json.RawMessage(append([]byte(nil), sc.Bytes()...)))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 58 {
		t.Fatalf("fixture has %d events, want 58", len(lines))
	}
	total := 0
	for i := 0; i < len(lines); i += 20 {
		chunk := make([]any, 0, 20)
		for _, l := range lines[i:min(i+20, len(lines))] {
			chunk = append(chunk, l)
		}
		var res eventsResult
		s.postEvents(chunk...).mustStatus(t, http.StatusOK).decode(t, &res)
		if len(res.Rejected) != 0 || res.Duplicates != 0 {
			t.Fatalf("batch at %d: %+v", i, res)
		}
		total += res.Accepted
	}
	if total != 58 {
		t.Fatalf("accepted %d events, want 58", total)
	}
}

// figures is analytics.Metrics as a client sees it.
type figures struct {
	Sessions         int     `json:"sessions"`
	ReachedForm      int     `json:"reached_form"`
	SelfService      int     `json:"self_service_sessions"`
	Deflected        int     `json:"deflected"`
	DeflectedAtForm  int     `json:"deflected_at_form"`
	ArticleViews     int     `json:"article_views"`
	TicketsSubmitted int     `json:"tickets_submitted"`
	DeflectionRate   float64 `json:"deflection_rate"`
	SelfServiceScore float64 `json:"self_service_score"`
	CostSaved        float64 `json:"cost_saved"`
}

// The fixture's sessions, as documented in engine/analytics's tests
// ("form" = reached the ticket form, "exp" = last exposure, "defl" =
// exposed and no ticket at or before the last exposure + 30 minutes):
//
//	s1  customer Sun  form  exp 09:04:30  no ticket                     defl   views 1 tickets 0
//	s2  customer Sun  form  exp 10:03     ticket 10:06 <= 10:33         not    views 1 tickets 1
//	s3  itsm     Sun  form  exp 11:01     ticket 11:41 >  11:31         defl   views 1 tickets 1
//	s4  itsm     Sun  form  exp 13:00:20  ticket 13:30:20 == exp+30m    not    views 0 tickets 1
//	s5  customer Sun  -     exp 15:01     no ticket                     defl   views 2 tickets 0
//	s6  itsm     Sun  form  exp Mon 00:05 ticket Mon 00:10              not    views 1 tickets 1
//	s7  customer Mon  form  no exposure                                 not    views 0 tickets 0
//	s8  customer Mon  form  exp 08:30     no ticket                     defl   views 0 tickets 0
//	s9  customer Mon  form  no exposure   ticket                        not    views 0 tickets 1
//	s10 itsm     Mon  form  exp 10:05:10  ticket 10:07                  not    views 1 tickets 1
//	s11 customer Mon  form  exp 11:05:05  no ticket                     defl   views 1 tickets 0
//	s12 itsm     Mon  -     no exposure                                 not    views 0 tickets 0
//	s13 itsm     Mon  form  exp 15:10     ticket 15:01, before the exp  not    views 1 tickets 1
//
// s14 (Tuesday) is outside every range below, which end at Tuesday 00:00
// (to=2026-11-03 is exclusive). Each deflection saves 13.50 − 1.84 = 11.66.
var (
	// s1..s13: 13 sessions; form all but s5, s12 = 11; exposed all but
	// s7, s9, s12 = 10; deflected s1 s3 s5 s8 s11 = 5, at the form s1 s3
	// s8 s11 = 4; views 1+1+1+0+2+1+0+0+0+1+1+0+1 = 9; tickets s2 s3 s4 s6
	// s9 s10 s13 = 7. Rate 4/11 = 0.3636; score 9/7 = 1.2857; cost 5 ×
	// 11.66 = 58.30.
	fixtureTotals = figures{13, 11, 10, 5, 4, 9, 7, 0.3636, 1.2857, 58.30}
	// Sunday s1..s6 (s6's Monday ticket stays with its first event): form
	// s1 s2 s3 s4 s6 = 5; exposed 6; deflected s1 s3 s5 = 3, at the form
	// 2; views 1+1+1+0+2+1 = 6; tickets 4. 2/5 = 0.4; 6/4 = 1.5; 3 × 11.66
	// = 34.98.
	fixtureSunday = figures{6, 5, 6, 3, 2, 6, 4, 0.4, 1.5, 34.98}
	// Monday s7..s13: form all but s12 = 6; exposed s8 s10 s11 s13 = 4;
	// deflected s8 s11 = 2, both at the form; views 3; tickets s9 s10 s13
	// = 3. 2/6 = 0.3333; 3/3 = 1; 2 × 11.66 = 23.32.
	fixtureMonday = figures{7, 6, 4, 2, 2, 3, 3, 0.3333, 1, 23.32}
)

func TestMetricsFromReplayedEvents(t *testing.T) {
	s := newEventsServer(t)
	replayFixture(t, s)
	const rng = "from=2026-11-01&to=2026-11-03"

	t.Run("deflection", func(t *testing.T) {
		var r struct {
			From          string  `json:"from"`
			To            string  `json:"to"`
			Interval      string  `json:"interval"`
			WindowSeconds float64 `json:"window_seconds"`
			Totals        figures `json:"totals"`
			Series        []struct {
				Start string `json:"start"`
				figures
			} `json:"series"`
			Breakdown []struct {
				Key string `json:"key"`
				figures
			} `json:"breakdown"`
		}
		s.do(http.MethodGet, "/v1/metrics/deflection?"+rng+"&interval=day", nil).mustStatus(t, http.StatusOK).decode(t, &r)
		if r.Totals != fixtureTotals {
			t.Errorf("totals\n got %+v\nwant %+v", r.Totals, fixtureTotals)
		}
		if len(r.Series) != 2 || r.Series[0].Start != "2026-11-01T00:00:00Z" || r.Series[0].figures != fixtureSunday ||
			r.Series[1].Start != "2026-11-02T00:00:00Z" || r.Series[1].figures != fixtureMonday {
			t.Errorf("series\n got %+v\nwant Sunday %+v, Monday %+v", r.Series, fixtureSunday, fixtureMonday)
		}
		if r.From != "2026-11-01T00:00:00Z" || r.To != "2026-11-03T00:00:00Z" || r.Interval != "day" || r.WindowSeconds != 1800 || r.Breakdown != nil {
			t.Errorf("header: from %s to %s interval %s window %v breakdown %v", r.From, r.To, r.Interval, r.WindowSeconds, r.Breakdown)
		}

		// RFC 3339 bounds work too, and select sessions by their first
		// event: to=Monday 00:00 keeps s1..s6 with all their events, s6's
		// Monday ticket included, so the totals are Sunday's bucket.
		s.do(http.MethodGet, "/v1/metrics/deflection?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z&by=portal", nil).mustStatus(t, http.StatusOK).decode(t, &r)
		if r.Totals != fixtureSunday {
			t.Errorf("Sunday only\n got %+v\nwant %+v", r.Totals, fixtureSunday)
		}
		// by=portal on Sunday: customer s1 s2 s5 (form s1 s2, deflected s1
		// s5, at the form s1, views 4, tickets 1: 1/2, 4/1, 23.32); itsm s3
		// s4 s6 (form 3, deflected s3, views 2, tickets 3: 1/3, 2/3,
		// 11.66). The rows sum to the totals.
		wantRows := []struct {
			key string
			f   figures
		}{
			{"customer", figures{3, 2, 3, 2, 1, 4, 1, 0.5, 4, 23.32}},
			{"itsm", figures{3, 3, 3, 1, 1, 2, 3, 0.3333, 0.6667, 11.66}},
		}
		if len(r.Breakdown) != 2 {
			t.Fatalf("breakdown %+v", r.Breakdown)
		}
		for i, w := range wantRows {
			if r.Breakdown[i].Key != w.key || r.Breakdown[i].figures != w.f {
				t.Errorf("row %d\n got %+v\nwant %s %+v", i, r.Breakdown[i], w.key, w.f)
			}
		}

		// portal=customer over both days: s1 s2 s5 s7 s8 s9 s11 = 7; form
		// all but s5 = 6; exposed s1 s2 s5 s8 s11 = 5; deflected s1 s5 s8
		// s11 = 4, at the form 3; views 1+1+2+1 = 5; tickets s2 s9 = 2.
		// 3/6 = 0.5; 5/2 = 2.5; 4 × 11.66 = 46.64.
		r.Breakdown = nil
		s.do(http.MethodGet, "/v1/metrics/deflection?"+rng+"&portal=customer&interval=week", nil).mustStatus(t, http.StatusOK).decode(t, &r)
		if want := (figures{7, 6, 5, 4, 3, 5, 2, 0.5, 2.5, 46.64}); r.Totals != want {
			t.Errorf("customer\n got %+v\nwant %+v", r.Totals, want)
		}
		// Sunday 11-01 is in the ISO week of Monday 10-26; Monday 11-02
		// starts the next.
		if len(r.Series) != 2 || r.Series[0].Start != "2026-10-26T00:00:00Z" || r.Series[1].Start != "2026-11-02T00:00:00Z" {
			t.Errorf("weeks %+v", r.Series)
		}
	})

	t.Run("search", func(t *testing.T) {
		// Searches in range: s1 "reset password", s2 "invoice copy" twice
		// (the second " Invoice  Copy" with no result_count, so 0 results),
		// s3 "vpn not connecting", s5 "wifi password", s6 "printer offline",
		// s10 "vpn certificate" and "vpn cert expired" (0 results), s11
		// "Reset Password", s12 "docking station" (0 results) = 10.
		// Clicked (a view before the session's next search): s1; s2's second
		// only; s3; s5; s6; s10's first only; s11 = 7 of 10 = 0.7.
		// No results: invoice copy ×2, vpn cert expired, docking station =
		// 4 of 10 = 0.4.
		// top=3, by searches then query: invoice copy 2 (1 click, 0.5),
		// reset password 2 (2 clicks, 1), then the first of the 1s by
		// query, docking station (0 clicks).
		// Content gaps: invoice copy 2, then docking station and vpn cert
		// expired 1 each.
		// Tickets anyway (a ticket after the query in the session): invoice
		// copy (s2, a-bill shown and viewed), printer offline (s6, a-print),
		// vpn cert expired (s10, a-vpn a-wifi shown after it), then vpn
		// certificate and vpn not connecting cut by top=3.
		var r struct {
			Searches           int     `json:"searches"`
			ClickedSearches    int     `json:"clicked_searches"`
			ClickThroughRate   float64 `json:"click_through_rate"`
			ZeroResultSearches int     `json:"zero_result_searches"`
			ZeroResultRate     float64 `json:"zero_result_rate"`
			TopQueries         []struct {
				Query            string  `json:"query"`
				Searches         int     `json:"searches"`
				Clicks           int     `json:"clicks"`
				ClickThroughRate float64 `json:"click_through_rate"`
			} `json:"top_queries"`
			ContentGaps []struct {
				Query    string `json:"query"`
				Searches int    `json:"searches"`
			} `json:"content_gaps"`
			TicketAnyway []struct {
				Query      string   `json:"query"`
				Tickets    int      `json:"tickets"`
				ArticleIDs []string `json:"article_ids"`
			} `json:"ticket_anyway"`
		}
		s.do(http.MethodGet, "/v1/metrics/search?"+rng+"&top=3", nil).mustStatus(t, http.StatusOK).decode(t, &r)
		if r.Searches != 10 || r.ClickedSearches != 7 || r.ClickThroughRate != 0.7 || r.ZeroResultSearches != 4 || r.ZeroResultRate != 0.4 {
			t.Errorf("search totals %+v", r)
		}
		top := fmt.Sprint(r.TopQueries)
		if want := "[{invoice copy 2 1 0.5} {reset password 2 2 1} {docking station 1 0 0}]"; top != want {
			t.Errorf("top queries %s, want %s", top, want)
		}
		if got, want := fmt.Sprint(r.ContentGaps), "[{invoice copy 2} {docking station 1} {vpn cert expired 1}]"; got != want {
			t.Errorf("content gaps %s, want %s", got, want)
		}
		if got, want := fmt.Sprint(r.TicketAnyway), "[{invoice copy 1 [a-bill]} {printer offline 1 [a-print]} {vpn cert expired 1 [a-vpn a-wifi]}]"; got != want {
			t.Errorf("ticket anyway %s, want %s", got, want)
		}

		// The default top is 20, more than the 8 distinct queries.
		s.do(http.MethodGet, "/v1/metrics/search?"+rng, nil).mustStatus(t, http.StatusOK).decode(t, &r)
		if len(r.TopQueries) != 8 || len(r.TicketAnyway) != 5 {
			t.Errorf("default top: %d queries, %d ticket-anyway; want 8, 5", len(r.TopQueries), len(r.TicketAnyway))
		}
		// Tuesday alone: s14's "reset password", clicked by its view.
		s.do(http.MethodGet, "/v1/metrics/search?from=2026-11-03&to=2026-11-04", nil).mustStatus(t, http.StatusOK).decode(t, &r)
		if r.Searches != 1 || r.ClickThroughRate != 1 || fmt.Sprint(r.TopQueries) != "[{reset password 1 1 1}]" {
			t.Errorf("Tuesday: %+v", r)
		}
	})

	t.Run("articles", func(t *testing.T) {
		// Views: a-pwd s1 s5 s11 = 3 (s14's is out of range); a-bill s2 = 1;
		// a-vpn s3 s10 s13 = 3; a-wifi s5 = 1; a-print s6 = 1.
		// Shown: a-pwd s1-2 s1-6 s11-5 = 3; a-bill s1-2 s2-4 s8-1 = 3; a-vpn
		// s1-6 s10-2 s10-7 = 3; a-wifi s4-2 s5-2 s10-7 = 3; a-print s4-2
		// s6-4 = 2.
		// Helpful: a-pwd yes yes → 2/2 = 1; a-bill no → 0/1 = 0; a-vpn no no
		// yes → 1/3 = 0.3333; a-wifi yes → 1; a-print none → 0.
		// Deflections (deflected sessions exposed to it): s1 {a-pwd a-bill
		// a-vpn}, s3 {a-vpn}, s5 {a-wifi a-pwd}, s8 {a-bill}, s11 {a-pwd}:
		// a-pwd 3, a-bill 2, a-vpn 2, a-wifi 1, a-print 0.
		// Tickets after viewing: s2 a-bill, s3 a-vpn, s6 a-print, s10 a-vpn
		// (s13 viewed a-vpn only after its ticket): a-vpn 2, a-bill 1,
		// a-print 1.
		// Worst first: a-vpn (2 tickets), a-bill and a-print (1 ticket, 1
		// view, by id), a-pwd (0, 3 views), a-wifi (0, 1 view).
		var r struct {
			Articles []struct {
				ArticleID        string  `json:"article_id"`
				Views            int     `json:"views"`
				Shown            int     `json:"shown"`
				HelpfulYes       int     `json:"helpful_yes"`
				HelpfulNo        int     `json:"helpful_no"`
				HelpfulRatio     float64 `json:"helpful_ratio"`
				Deflections      int     `json:"deflections"`
				TicketsAfterView int     `json:"tickets_after_view"`
			} `json:"articles"`
		}
		s.do(http.MethodGet, "/v1/metrics/articles?"+rng, nil).mustStatus(t, http.StatusOK).decode(t, &r)
		got := fmt.Sprint(r.Articles)
		want := "[{a-vpn 3 3 1 2 0.3333 2 2} {a-bill 1 3 0 1 0 2 1} {a-print 1 2 0 0 0 0 1} {a-pwd 3 3 2 0 1 3 0} {a-wifi 1 3 1 0 1 1 0}]"
		if got != want {
			t.Errorf("articles\n got %s\nwant %s", got, want)
		}
		// portal=itsm: sessions s3 s4 s6 s10 s12 s13. a-vpn: views s3 s10
		// s13 = 3, shown s10-2 s10-7 = 2, feedback no no yes, deflections
		// s3 = 1, tickets after view s3 s10 = 2. a-print: view s6, shown
		// s4-2 s6-4, ticket s6. a-wifi: shown s4-2 s10-7, no view.
		s.do(http.MethodGet, "/v1/metrics/articles?"+rng+"&portal=itsm", nil).mustStatus(t, http.StatusOK).decode(t, &r)
		got = fmt.Sprint(r.Articles)
		want = "[{a-vpn 3 2 1 2 0.3333 1 2} {a-print 1 2 0 0 0 0 1} {a-wifi 0 2 0 0 0 0 0}]"
		if got != want {
			t.Errorf("itsm articles\n got %s\nwant %s", got, want)
		}
	})

	t.Run("schemas", func(t *testing.T) {
		doc := loadOpenAPI(t, s)
		for _, tc := range []struct{ target, schema string }{
			{"/v1/metrics/deflection?" + rng + "&by=article", "DeflectionMetrics"},
			{"/v1/metrics/deflection?" + rng + "&by=category&portal=itsm", "DeflectionMetrics"},
			{"/v1/metrics/deflection?from=2020-01-01&to=2020-01-02", "DeflectionMetrics"},
			{"/v1/metrics/search?" + rng, "SearchMetrics"},
			{"/v1/metrics/articles?" + rng, "ArticleMetrics"},
			{"/v1/metrics/search?top=0x", "Problem"},
		} {
			var v any
			s.do(http.MethodGet, tc.target, nil).decode(t, &v)
			checkSchema(t, doc, tc.target, deref(t, doc, map[string]any{"$ref": "#/components/schemas/" + tc.schema}), v)
		}
		var v any
		s.postEvents(view("sch-1", "x", "a", "2026-11-01T09:00:00Z"), map[string]any{"id": "sch-2"}).mustStatus(t, http.StatusOK).decode(t, &v)
		checkSchema(t, doc, "events", deref(t, doc, map[string]any{"$ref": "#/components/schemas/EventsResult"}), v)
		s.postEvents(map[string]any{"id": "sch-3"}).decode(t, &v)
		checkSchema(t, doc, "events problem", deref(t, doc, map[string]any{"$ref": "#/components/schemas/Problem"}), v)
		// An event with every member set matches the Event schema.
		ev := map[string]any{"id": "sch-4", "type": "search", "session_id": "x", "portal": "itsm", "time": "2026-11-01T09:00:00Z",
			"query": "q", "result_count": 1, "article_id": "a", "article_ids": []any{"a"}, "helpful": true, "ticket_id": "t", "category": "c"}
		checkSchema(t, doc, "event", deref(t, doc, map[string]any{"$ref": "#/components/schemas/Event"}), ev)
	})
}

func TestMetricsBadParameters(t *testing.T) {
	s := newEventsServer(t)
	tests := []struct {
		target, field string
	}{
		{"/v1/metrics/deflection?from=yesterday", "from"},
		{"/v1/metrics/deflection?from=2026-13-01", "from"},
		{"/v1/metrics/articles?to=2026/11/01", "to"},
		{"/v1/metrics/search?from=2026-11-02&to=2026-11-01", "to"},
		{"/v1/metrics/deflection?from=2026-11-01&to=2026-11-01", "to"},
		{"/v1/metrics/deflection?interval=month", "interval"},
		{"/v1/metrics/deflection?interval=DAY", "interval"},
		{"/v1/metrics/deflection?by=weather", "by"},
		{"/v1/metrics/deflection?portal=moon", "portal"},
		{"/v1/metrics/search?top=101", "top"},
		{"/v1/metrics/search?top=-1", "top"},
		{"/v1/metrics/search?top=ten", "top"},
		{"/v1/metrics/articles?portal=moon", "portal"},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			checkProblem(t, s.do(http.MethodGet, tc.target, nil), http.StatusBadRequest, "invalid", tc.field)
		})
	}
	// The bounds themselves are fine.
	for _, target := range []string{"/v1/metrics/search?top=1", "/v1/metrics/search?top=100", "/v1/metrics/deflection?interval=week&by=article", "/v1/metrics/deflection"} {
		s.do(http.MethodGet, target, nil).mustStatus(t, http.StatusOK)
	}
	checkProblem(t, s.do(http.MethodPost, "/v1/metrics/search", "{}"), http.StatusMethodNotAllowed, "invalid", "")
}

// TestArticleViewsRaiseSuggestions checks popularity feedback: two
// articles whose titles match a prefix equally are offered in some order;
// after enough article_view events for the one offered second, it is
// offered first.
func TestArticleViewsRaiseSuggestions(t *testing.T) {
	s := newEventsServer(t)
	for _, id := range []string{"pop-alpha", "pop-beta"} {
		s.do(http.MethodPut, "/v1/articles/"+id, map[string]any{
			"id": id, "title": "Quokka configuration guide", "body": "How to configure the quokka.", "views": 10,
		}).mustStatus(t, http.StatusCreated)
	}
	order := func() []string {
		t.Helper()
		var r struct {
			Suggestions []struct {
				Kind string `json:"kind"`
				ID   string `json:"id"`
			} `json:"suggestions"`
		}
		s.do(http.MethodGet, "/v1/suggest?q=quok", nil).mustStatus(t, http.StatusOK).decode(t, &r)
		var ids []string
		for _, sg := range r.Suggestions {
			if sg.Kind == "article" {
				ids = append(ids, sg.ID)
			}
		}
		return ids
	}
	before := order()
	if len(before) != 2 {
		t.Fatalf("suggestions %v, want both articles", before)
	}
	second := before[1]

	// 50 views of the second (five times its stored views), in two
	// batches with distinct ids.
	for b := range 2 {
		var batch []any
		for i := range 25 {
			batch = append(batch, view(fmt.Sprintf("pv-%d-%d", b, i), fmt.Sprintf("pv-s%d", i), second, "2026-11-01T09:00:00Z"))
		}
		var res eventsResult
		s.postEvents(batch...).mustStatus(t, http.StatusOK).decode(t, &res)
		if res.Accepted != 25 {
			t.Fatalf("batch %d: %+v", b, res)
		}
	}
	after := order()
	if len(after) != 2 || after[0] != second {
		t.Errorf("after 50 views of %s: suggestions %v, want it first (before: %v)", second, after, before)
	}
	if !strings.HasPrefix(second, "pop-") {
		t.Errorf("unexpected id %q", second)
	}
}

// TestOpenAPIEventBounds checks the limits the document states for events
// and metrics against the constants the server enforces, and that every
// event and metrics endpoint says it belongs behind the gateway.
func TestOpenAPIEventBounds(t *testing.T) {
	s := loadedServer(t)
	doc := loadOpenAPI(t, s)
	num := func(ptr string) int {
		t.Helper()
		v, ok := pointer(doc, ptr)
		f, isNum := v.(float64)
		if !ok || !isNum {
			t.Errorf("%s = %v, want a number", ptr, v)
		}
		return int(f)
	}
	for _, tc := range []struct {
		ptr  string
		want int
	}{
		{"#/components/schemas/EventsRequest/properties/events/maxItems", engine.MaxEventBatch},
		{"#/components/schemas/Event/properties/article_ids/maxItems", models.MaxEventArticles},
		{"#/components/schemas/Event/properties/session_id/maxLength", models.MaxLabelLength},
		{"#/components/schemas/Event/properties/category/maxLength", models.MaxLabelLength},
		{"#/components/schemas/Event/properties/query/maxLength", models.MaxSearchQueryLength},
	} {
		if got := num(tc.ptr); got != tc.want {
			t.Errorf("%s = %d, want %d", tc.ptr, got, tc.want)
		}
	}
	// top: 1 to 100, default 20, as searchMetrics enforces.
	op, _ := pointer(doc, "#/paths/~1v1~1metrics~1search/get")
	var top map[string]any
	for _, p := range op.(map[string]any)["parameters"].([]any) {
		if p := deref(t, doc, p); p["name"] == "top" {
			top = deref(t, doc, p["schema"])
		}
	}
	if top == nil || top["minimum"] != 1.0 || top["maximum"] != 100.0 || top["default"] != 20.0 {
		t.Errorf("top schema %v, want minimum 1, maximum 100, default 20", top)
	}
	var types []string
	for _, et := range models.EventTypes {
		types = append(types, string(et))
	}
	if v, _ := pointer(doc, "#/components/schemas/EventType/enum"); !reflect.DeepEqual(asStrings(v), types) {
		t.Errorf("EventType enum %v, want %v", v, types)
	}
	for ptr, want := range map[string]string{
		"#/info/description":                                "portal keys: events of their own portal only",
		"#/paths/~1v1~1events/post/description":             "portal key",
		"#/paths/~1v1~1metrics~1deflection/get/description": "analyst and admin keys",
		"#/paths/~1v1~1metrics~1search/get/description":     "analyst and admin keys",
		"#/paths/~1v1~1metrics~1articles/get/description":   "analyst and admin keys",
	} {
		v, _ := pointer(doc, ptr)
		if d, _ := v.(string); !strings.Contains(d, want) {
			t.Errorf("%s does not say who may call it (%q)", ptr, want)
		}
	}
}

// TestArticleViewsSurviveRestart checks that UseEvents replays the views
// in the log into popularity when a server starts over an existing log.
func TestArticleViewsSurviveRestart(t *testing.T) {

	dir := t.TempDir()
	s, closeAll := openEventsServer(t, dir, analytics.Config{})
	for _, id := range []string{"pop-alpha", "pop-beta"} {
		s.do(http.MethodPut, "/v1/articles/"+id, map[string]any{
			"id": id, "title": "Quokka configuration guide", "body": "How to configure the quokka.", "views": 10,
		}).mustStatus(t, http.StatusCreated)
	}
	// 50 views of pop-beta, which is offered second on equal scores (ties
	// go by id).
	var batch []any
	for i := range 50 {
		batch = append(batch, view(fmt.Sprintf("rv-%d", i), fmt.Sprintf("rv-s%d", i), "pop-beta", "2026-11-01T09:00:00Z"))
	}
	s.postEvents(batch...).mustStatus(t, http.StatusOK)
	if err := closeAll(); err != nil {
		t.Fatal(err)
	}

	s, closeAll = openEventsServer(t, dir, analytics.Config{})
	defer closeAll()
	var r struct {
		Suggestions []struct {
			ID string `json:"id"`
		} `json:"suggestions"`
	}
	s.do(http.MethodGet, "/v1/suggest?q=quok", nil).mustStatus(t, http.StatusOK).decode(t, &r)
	if len(r.Suggestions) != 2 || r.Suggestions[0].ID != "pop-beta" {
		t.Errorf("after a restart: suggestions %+v, want pop-beta first", r.Suggestions)
	}
}

// TestNewViewsCountDespiteDuplicates checks that the new article views of
// a batch that also holds duplicates (a partial retry) still raise the
// article in type-ahead.
func TestNewViewsCountDespiteDuplicates(t *testing.T) {
	s := newEventsServer(t)
	for _, id := range []string{"pop-alpha", "pop-beta"} {
		s.do(http.MethodPut, "/v1/articles/"+id, map[string]any{
			"id": id, "title": "Quokka configuration guide", "body": "How to configure the quokka.", "views": 10,
		}).mustStatus(t, http.StatusCreated)
	}
	first := view("dup-1", "d", "pop-beta", "2026-11-01T09:00:00Z")
	s.postEvents(first).mustStatus(t, http.StatusOK)
	// A retry of dup-1 with 50 new views of pop-beta.
	batch := []any{first}
	for i := range 50 {
		batch = append(batch, view(fmt.Sprintf("dv-%d", i), "d", "pop-beta", "2026-11-01T09:01:00Z"))
	}
	var res eventsResult
	s.postEvents(batch...).mustStatus(t, http.StatusOK).decode(t, &res)
	if res.Accepted != 50 || res.Duplicates != 1 {
		t.Fatalf("retry: %+v", res)
	}
	// Tip the balance towards pop-alpha by a little: 2 views.
	s.postEvents(view("al-1", "a", "pop-alpha", "2026-11-01T09:00:00Z"), view("al-2", "a", "pop-alpha", "2026-11-01T09:00:00Z")).mustStatus(t, http.StatusOK)
	var r struct {
		Suggestions []struct {
			ID string `json:"id"`
		} `json:"suggestions"`
	}
	s.do(http.MethodGet, "/v1/suggest?q=quok", nil).mustStatus(t, http.StatusOK).decode(t, &r)
	if len(r.Suggestions) != 2 || r.Suggestions[0].ID != "pop-beta" {
		t.Errorf("suggestions %+v, want pop-beta (51 views) before pop-alpha (2)", r.Suggestions)
	}
}

// TestNoMatchCountsAsZeroResult searches, through HTTP with a session,
// for something the articles do not answer though they share a word with
// it, and for something they answer: the first says it matched nothing
// and shows nothing, and the search metrics, from these live searches
// alone, count it as a zero-result search and a content gap.
func TestNoMatchCountsAsZeroResult(t *testing.T) {
	s := newEventsServer(t)
	s.load()
	var miss, hit struct {
		Matched bool  `json:"matched"`
		Total   int   `json:"total"`
		Hits    []any `json:"hits"`
	}
	offTopic := "weather forecast for the weekend in the mountains and an email"
	s.do(http.MethodGet, "/v1/search?session_id=live-1&q="+url.QueryEscape(offTopic), nil).mustStatus(t, http.StatusOK).decode(t, &miss)
	if miss.Matched || miss.Total != 0 || len(miss.Hits) != 0 {
		t.Errorf("off-topic search: matched %v, total %d, %d hits; want no match", miss.Matched, miss.Total, len(miss.Hits))
	}
	s.do(http.MethodGet, "/v1/search?session_id=live-2&q="+url.QueryEscape("reset password"), nil).mustStatus(t, http.StatusOK).decode(t, &hit)
	if !hit.Matched || len(hit.Hits) == 0 {
		t.Fatalf("reset password: matched %v, %d hits; want a match", hit.Matched, len(hit.Hits))
	}
	var m struct {
		Searches           int `json:"searches"`
		ZeroResultSearches int `json:"zero_result_searches"`
		ContentGaps        []struct {
			Query string `json:"query"`
		} `json:"content_gaps"`
	}
	deadline := time.Now().Add(5 * time.Second) // the engine writes its own events in batches
	for m.Searches < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		s.do(http.MethodGet, "/v1/metrics/search", nil).mustStatus(t, http.StatusOK).decode(t, &m)
	}
	if m.Searches != 2 || m.ZeroResultSearches != 1 || len(m.ContentGaps) != 1 || m.ContentGaps[0].Query != offTopic {
		t.Errorf("metrics after the live searches: %+v; want 2 searches, 1 zero-result, the off-topic one as a content gap", m)
	}
}
