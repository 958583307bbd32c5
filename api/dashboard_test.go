package api_test

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/engine/analytics"
	"github.com/siftdesk/sift/models"
)

// TestDashboardPage checks that /dashboard is one self-contained HTML page:
// no external URL, nothing loaded from elsewhere, and a policy that says so.
func TestDashboardPage(t *testing.T) {
	s := newServer(t, api.Config{})
	r := s.do(http.MethodGet, "/dashboard", nil).mustStatus(t, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q, want text/html", ct)
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "connect-src 'self'") {
		t.Errorf("Content-Security-Policy %q, want default-src 'none' and connect-src 'self'", csp)
	}
	page := string(r.Body)
	for _, want := range []string{
		"<!doctype html>", "<title>", `data-testid="deflection-chart"`, `data-testid="cost-chart"`,
		`data-testid="content-gaps"`, `data-testid="worst-articles"`, `data-testid="write-next"`, `data-testid="top-queries"`,
		`data-testid="ticket-anyway"`, `data-testid="by-category"`, `data-testid="unanswered-chart"`,
		`id="from"`, `id="to"`, `id="portal"`, `id="min-views"`, "Last day (inclusive)",
		"v1/metrics/deflection", "v1/metrics/search", "v1/metrics/articles", "v1/metrics/gaps",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page has no %s", want)
		}
	}
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`(?i)https?:`),                            // any absolute web URL
		regexp.MustCompile(`(?i)\b(src|href|action)\s*=`),            // anything fetched or linked by markup
		regexp.MustCompile(`(?i)@import|\burl\(|<link|<iframe|<img`), // or by styles
		regexp.MustCompile(`["'(]//[a-z0-9]`),                        // protocol-relative URLs
	} {
		if m := bad.FindString(page); m != "" {
			t.Errorf("page refers outside itself: %q matches %s", m, bad)
		}
	}
}

// dashboardView is what the page shows, read off the DOM.
type dashboardView struct {
	Loads      string       `json:"loads"`
	URL        string       `json:"url"`
	Status     string       `json:"status"`
	APITo      string       `json:"apiTo"` // the exclusive to the page asked the API for
	Rate       shownFigure  `json:"rate"`
	Cost       shownFigure  `json:"cost"`
	Currency   string       `json:"currency"`
	Points     []shownPoint `json:"points"`
	Bars       []shownPoint `json:"bars"`
	Unanswered []shownPoint `json:"unanswered"`
	// Tables are, by table id, its headings and then the texts of its
	// rows' cells; CSV is, by table id, what its CSV link downloads.
	Tables map[string][][]string `json:"tables"`
	CSV    map[string]string     `json:"csv"`
}

type shownFigure struct {
	Text  string  `json:"text"`
	Value float64 `json:"value"`
}

type shownPoint struct {
	Key   string  `json:"key"`
	Value float64 `json:"value"`
}

const readDashboard = `(() => {
  const fig = id => { const e = document.getElementById(id); return {text: e.textContent, value: Number(e.dataset.value)}; };
  const pts = sel => [...document.querySelectorAll(sel)].map(e => ({key: e.dataset.start, value: Number(e.dataset.value)}));
  const tables = {}, csv = {}, prefix = 'data:text/csv;charset=utf-8,';
  for (const a of document.querySelectorAll('a.csv[data-table]')) {
    const id = a.dataset.table, t = document.getElementById(id);
    tables[id] = [[...t.querySelectorAll('thead th')].map(c => c.textContent),
      ...[...t.querySelectorAll('tbody tr')].filter(r => !r.querySelector('td.none')).map(r => [...r.cells].map(c => c.textContent))];
    const href = a.getAttribute('href') || '';
    csv[id] = href.startsWith(prefix) ? decodeURIComponent(href.slice(prefix.length)) : 'not a CSV data URL: ' + href;
  }
  return {
    loads: document.body.dataset.loads,
    url: location.search,
    status: document.getElementById('status').textContent,
    apiTo: document.body.dataset.apiTo,
    rate: fig('deflection-rate'),
    cost: fig('cost-saved'),
    currency: document.getElementById('cost-saved').dataset.currency,
    points: pts('[data-testid="deflection-chart"] circle[data-value]'),
    bars: pts('[data-testid="cost-chart"] rect[data-value]'),
    unanswered: pts('[data-testid="unanswered-chart"] rect[data-value]'),
    tables, csv,
  };
})()`

// apiView is what the metrics API answers for the same filters.
type apiView struct {
	Deflection struct {
		Currency string  `json:"currency"`
		Totals   figures `json:"totals"`
		Series   []struct {
			Start string `json:"start"`
			figures
		} `json:"series"`
		Breakdown []struct {
			Key string `json:"key"`
			figures
		} `json:"breakdown"`
	}
	Search   analytics.SearchReport
	Articles analytics.ArticleReport
	Gaps     struct {
		Topics []struct {
			Label    string   `json:"label"`
			Searches int      `json:"searches"`
			Tickets  int      `json:"tickets"`
			Growth   *float64 `json:"growth"`
			Cost     float64  `json:"cost"`
			Nearest  *struct {
				ID        string  `json:"id"`
				Title     string  `json:"title"`
				Relevance float64 `json:"relevance"`
			} `json:"nearest_article"`
			Verdict string   `json:"verdict"`
			Samples []string `json:"samples"`
		} `json:"topics"`
	}
}

// metricsFor asks the API what the page should show for the filters; to is
// exclusive in the API and inclusive on the page.
func metricsFor(t *testing.T, s *testServer, from, toExclusive, portal, interval string) apiView {
	t.Helper()
	q := "from=" + from + "&to=" + toExclusive
	if portal != "all" {
		q += "&portal=" + portal
	}
	var v apiView
	s.do(http.MethodGet, "/v1/metrics/deflection?"+q+"&interval="+interval+"&by=category", nil).mustStatus(t, http.StatusOK).decode(t, &v.Deflection)
	s.do(http.MethodGet, "/v1/metrics/search?"+q+"&interval="+interval+"&top=10", nil).mustStatus(t, http.StatusOK).decode(t, &v.Search)
	s.do(http.MethodGet, "/v1/metrics/articles?"+q, nil).mustStatus(t, http.StatusOK).decode(t, &v.Articles)
	s.do(http.MethodGet, "/v1/metrics/gaps?"+q, nil).mustStatus(t, http.StatusOK).decode(t, &v.Gaps)
	return v
}

// The page's formats: fixed, locale-independent.
func pctText(x float64) string { return fmt.Sprintf("%.1f%%", x*100) }

func intText(n int) string { return groupDigits(strconv.Itoa(n)) }

func moneyText(currency string, x float64) string {
	whole, frac, _ := strings.Cut(fmt.Sprintf("%.2f", x), ".")
	return currency + " " + groupDigits(whole) + "." + frac
}

// groupDigits puts a comma between groups of three digits of a whole
// number written in decimal.
func groupDigits(s string) string {
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// wantTables is what the page's tables should show for the API's answer,
// headings first, with the articles table keeping those viewed at least
// minViews times, by the share of views followed by a ticket.
func wantTables(v apiView, minViews int) map[string][][]string {
	cur := v.Deflection.Currency
	figureCols := []string{"Sessions", "Reached form", "Deflected at form", "Deflection rate", "Deflected", "Cost saved"}
	figureCells := func(f figures) []string {
		return []string{intText(f.Sessions), intText(f.ReachedForm), intText(f.DeflectedAtForm), pctText(f.DeflectionRate), intText(f.Deflected), moneyText(cur, f.CostSaved)}
	}
	tables := map[string][][]string{
		"series":   {append([]string{"Period from"}, figureCols...)},
		"category": {append([]string{"Category"}, figureCols...)},
		"next":     {{"Topic", "Searches", "Tickets", "Growth", "Cost of tickets", "Nearest article", "Verdict", "Sample queries"}},
		"worst":    {{"Article", "Tickets per view", "Tickets after view", "Views", "Helpful", "Deflections"}},
		"top":      {{"Query", "Searches", "Clicked", "Click-through"}},
		"anyway":   {{"Query", "Tickets", "Articles shown or read"}},
		"gaps":     {{"Query", "Searches with no results"}},
	}
	for _, b := range v.Deflection.Series {
		tables["series"] = append(tables["series"], append([]string{b.Start[:10]}, figureCells(b.figures)...))
	}
	for _, r := range v.Deflection.Breakdown {
		tables["category"] = append(tables["category"], append([]string{r.Key}, figureCells(r.figures)...))
	}
	for _, g := range v.Gaps.Topics {
		growth, near := "new", "–"
		if g.Growth != nil {
			growth = pctText(*g.Growth)
			if *g.Growth >= 0 {
				growth = "+" + growth
			}
		}
		if g.Nearest != nil {
			near = cmp.Or(g.Nearest.Title, g.Nearest.ID) + fmt.Sprintf(" (%.2f)", g.Nearest.Relevance)
		}
		tables["next"] = append(tables["next"], []string{g.Label, intText(g.Searches), intText(g.Tickets), growth,
			moneyText(cur, g.Cost), near, g.Verdict, strings.Join(g.Samples, "; ")})
	}
	var worst []analytics.ArticleStats
	for _, a := range v.Articles.Articles {
		if a.Views >= minViews && a.TicketsAfterView > 0 {
			worst = append(worst, a)
		}
	}
	slices.SortStableFunc(worst, func(x, y analytics.ArticleStats) int {
		return cmp.Or(cmp.Compare(y.TicketsAfterViewRate, x.TicketsAfterViewRate), cmp.Compare(y.TicketsAfterView, x.TicketsAfterView),
			cmp.Compare(y.Views, x.Views), cmp.Compare(x.ArticleID, y.ArticleID))
	})
	for _, a := range worst[:min(len(worst), 10)] {
		helpful := "–"
		if n := a.HelpfulYes + a.HelpfulNo; n > 0 {
			helpful = pctText(a.HelpfulRatio) + " of " + strconv.Itoa(n)
		}
		tables["worst"] = append(tables["worst"], []string{cmp.Or(a.Title, a.ArticleID), pctText(a.TicketsAfterViewRate),
			intText(a.TicketsAfterView), intText(a.Views), helpful, intText(a.Deflections)})
	}
	for _, q := range v.Search.TopQueries {
		tables["top"] = append(tables["top"], []string{q.Query, intText(q.Searches), intText(q.Clicks), pctText(q.ClickThroughRate)})
	}
	for _, q := range v.Search.TicketAnyway {
		ids := strings.Join(q.ArticleIDs, ", ")
		tables["anyway"] = append(tables["anyway"], []string{q.Query, intText(q.Tickets), cmp.Or(ids, "–")})
	}
	for _, g := range v.Search.ContentGaps {
		tables["gaps"] = append(tables["gaps"], []string{g.Query, intText(g.Searches)})
	}
	return tables
}

// checkShown compares the page with the API's answer: headline figures
// with their currency, chart points, every table, and every table's CSV.
func checkShown(t *testing.T, name string, got dashboardView, want apiView, minViews int) {
	t.Helper()
	tot := want.Deflection.Totals
	if got.Rate.Value != tot.DeflectionRate || got.Rate.Text != pctText(tot.DeflectionRate) {
		t.Errorf("%s: deflection rate shown %+v, API says %v", name, got.Rate, tot.DeflectionRate)
	}
	if got.Cost.Value != tot.CostSaved || got.Cost.Text != moneyText(want.Deflection.Currency, tot.CostSaved) || got.Currency != want.Deflection.Currency {
		t.Errorf("%s: cost saved shown %+v in %q, API says %v in %q", name, got.Cost, got.Currency, tot.CostSaved, want.Deflection.Currency)
	}
	var rates, costs, unanswered []shownPoint
	for _, b := range want.Deflection.Series {
		rates = append(rates, shownPoint{b.Start, b.DeflectionRate})
		costs = append(costs, shownPoint{b.Start, b.CostSaved})
	}
	for _, b := range want.Search.Series {
		unanswered = append(unanswered, shownPoint{b.Start.Format(time.RFC3339), float64(b.UnansweredSearches)})
	}
	if len(rates) == 0 || len(unanswered) == 0 {
		t.Fatalf("%s: the API has no series; the fixture should give one", name)
	}
	if !slices.Equal(got.Points, rates) {
		t.Errorf("%s: deflection chart points\n got %+v\nwant %+v", name, got.Points, rates)
	}
	if !slices.Equal(got.Bars, costs) {
		t.Errorf("%s: cost chart bars\n got %+v\nwant %+v", name, got.Bars, costs)
	}
	if !slices.Equal(got.Unanswered, unanswered) {
		t.Errorf("%s: unanswered searches chart\n got %+v\nwant %+v", name, got.Unanswered, unanswered)
	}
	for id, rows := range wantTables(want, minViews) {
		if !reflect.DeepEqual(got.Tables[id], rows) {
			t.Errorf("%s: table %s\n got %q\nwant %q", name, id, got.Tables[id], rows)
		}
		text, ok := got.CSV[id]
		if !ok {
			t.Errorf("%s: table %s has no CSV link", name, id)
			continue
		}
		records, err := csv.NewReader(strings.NewReader(text)).ReadAll()
		if err != nil || !reflect.DeepEqual(records, got.Tables[id]) {
			t.Errorf("%s: CSV of table %s (%v)\n got %q\nwant %q", name, id, err, records, got.Tables[id])
		}
	}
}

// artefactDir is where screenshots go: $SIFT_ARTEFACTS, or the system's
// temporary directory, so that they outlive the test.
func artefactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SIFT_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "sift-artefacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDashboardInBrowser loads the dashboard in Debian's headless Chromium
// over the replayed fixture, with costs of 20 and 5 in euros, checks that
// the charts, figures and tables show what the metrics API returns and
// that each table's CSV download holds what the table shows; then changes
// the minimum of views, the portal, the interval and the dates (down to a
// single day), and saves screenshots.
func TestDashboardInBrowser(t *testing.T) {
	bctx := newBrowserTab(t, 2*time.Minute).ctx
	s := newEventsServerWith(t, analytics.Config{AgentCost: 20, SelfServiceCost: 5, Currency: "EUR"})
	replayFixture(t, s)
	srv := httptest.NewServer(s.handler)
	defer srv.Close()

	// waitLoaded waits for the page's nth completed load.
	waitLoaded := func(n int) chromedp.Action[chromedp.Void] {
		return chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`body[data-state="ready"][data-loads="%d"]`, n)))
	}
	read := func(name string) dashboardView {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Evaluate[dashboardView](readDashboard))
		if err != nil {
			t.Fatalf("%s: read the page: %v", name, err)
		}
		return v
	}
	choose := func(id, value string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.value = %q;
			e.dispatchEvent(new Event('change', {bubbles: true})); return {}; })()`, id, value))
	}
	screenshot := func(name string, full bool) {
		t.Helper()
		action := chromedp.CaptureScreenshot()
		if full {
			action = chromedp.FullScreenshot(100)
		}
		png, err := chromedp.Run(bctx, action)
		saveScreenshot(t, png, err, name)
	}
	column := func(rows [][]string) []string {
		var out []string
		for _, r := range rows[1:] {
			out = append(out, r[0])
		}
		return out
	}

	// The fixture is on 2026-11-01 and 11-02 (s14, on 11-03, is outside):
	// the page's last day is 11-02, so it asks the API for to=2026-11-03.
	const from, to, toExclusive = "2026-11-01", "2026-11-02", "2026-11-03"
	err := chromedp.Do(bctx,
		chromedp.EmulateViewport(1280, 800),
		// The page reads an analyst's key from ?key= and keeps it out of
		// the address it shows.
		chromedp.Navigate(srv.URL+"/dashboard?from="+from+"&to="+to+"&portal=all&interval=day&key="+s.newKey(models.RoleAnalyst, "")),
		waitLoaded(1),
	)
	if err != nil {
		t.Fatalf("load the dashboard: %v", err)
	}

	all := read("all portals")
	wantAll := metricsFor(t, s, from, toExclusive, "all", "day")
	checkShown(t, "all portals", all, wantAll, 20)
	// The API's figures are the hand-computed ones of the fixture, its 5
	// deflected sessions at 20 − 5 euros each.
	wantTotals := fixtureTotals
	wantTotals.CostSaved = 75
	if wantAll.Deflection.Totals != wantTotals || wantAll.Deflection.Currency != "EUR" {
		t.Errorf("API totals %+v in %q, want %+v in EUR", wantAll.Deflection.Totals, wantAll.Deflection.Currency, wantTotals)
	}
	if all.Rate.Text != "36.4%" || all.Cost.Text != "EUR 75.00" || len(all.Points) != 2 || all.APITo != toExclusive ||
		!strings.Contains(all.Status, "inclusive (2 days)") {
		t.Errorf("all portals: shown rate %q, cost %q, %d points, asked to=%s, status %q; want 36.4%%, EUR 75.00, 2, %s, 2 days",
			all.Rate.Text, all.Cost.Text, len(all.Points), all.APITo, all.Status, toExclusive)
	}
	if !slices.Contains(column(all.Tables["gaps"]), "invoice copy") {
		t.Errorf("content gaps %q do not list %q", all.Tables["gaps"], "invoice copy")
	}
	for _, id := range []string{"next", "top", "anyway", "category"} {
		if len(all.Tables[id]) < 2 {
			t.Errorf("table %s is empty; the fixture should fill it: %q", id, all.Tables[id])
		}
	}
	// Every fixture article has fewer than 20 views: none is listed.
	if len(all.Tables["worst"]) != 1 {
		t.Errorf("articles with fewer than 20 views are listed: %q", all.Tables["worst"])
	}
	// A cell holding a comma is quoted in the CSV.
	if !strings.Contains(all.CSV["anyway"], "\r\nvpn cert expired,1,\"a-vpn, a-wifi\"\r\n") {
		t.Errorf("ticket anyway CSV does not quote a cell with a comma:\n%s", all.CSV["anyway"])
	}
	screenshot("sift-dashboard.png", false)
	screenshot("sift-dashboard-full.png", true)

	// With a minimum of one view, the articles are sorted by the share of
	// their views followed by a ticket, not by the count: a-vpn has the
	// most tickets (2 of 3 views) but a-bill and a-print 1 of 1.
	if err := chromedp.Do(bctx, choose("min-views", "1"), waitLoaded(2)); err != nil {
		t.Fatalf("set the minimum of views: %v", err)
	}
	one := read("one view")
	checkShown(t, "one view", one, wantAll, 1)
	if got := column(one.Tables["worst"]); !slices.Equal(got, []string{"a-bill", "a-print", "a-vpn"}) || !strings.Contains(one.URL, "min_views=1") {
		t.Errorf("articles by rate %v (page URL %q), want a-bill, a-print, a-vpn and min_views=1 kept", got, one.URL)
	}

	// The portal filter refetches and redraws.
	if err := chromedp.Do(bctx, choose("portal", "itsm"), waitLoaded(3)); err != nil {
		t.Fatalf("choose the ITSM portal: %v", err)
	}
	itsm := read("itsm")
	checkShown(t, "itsm", itsm, metricsFor(t, s, from, toExclusive, "itsm", "day"), 1)
	if itsm.Rate == all.Rate || itsm.Cost == all.Cost {
		t.Errorf("the portal filter changed nothing: all %+v %+v, itsm %+v %+v", all.Rate, all.Cost, itsm.Rate, itsm.Cost)
	}
	if !strings.Contains(itsm.URL, "portal=itsm") {
		t.Errorf("page URL %q does not keep the filter", itsm.URL)
	}
	screenshot("sift-dashboard-itsm-full.png", true)

	// So does the interval.
	if err := chromedp.Do(bctx, choose("portal", "all"), waitLoaded(4), choose("interval", "week"), waitLoaded(5)); err != nil {
		t.Fatalf("choose weekly: %v", err)
	}
	checkShown(t, "weekly", read("weekly"), metricsFor(t, s, from, toExclusive, "all", "week"), 1)

	// One day, 2026-11-03, with s14 and a search whose query holds quotes
	// and a comma: the page asks for to=2026-11-04, where the API refuses
	// from = to and says which range is one day.
	s.postEvents(map[string]any{"id": "q-1", "type": "search", "session_id": "q", "time": "2026-11-03T12:00:00Z",
		"query": `Printer "HP", floor 2`, "result_count": 0}).mustStatus(t, http.StatusOK)
	checkProblem(t, s.do(http.MethodGet, "/v1/metrics/deflection?from=2026-11-03&to=2026-11-03", nil), http.StatusBadRequest, "invalid", "to", "to=2026-11-04")
	if err := chromedp.Do(bctx, choose("interval", "day"), waitLoaded(6), choose("to", "2026-11-03"), waitLoaded(7),
		choose("from", "2026-11-03"), waitLoaded(8)); err != nil {
		t.Fatalf("choose one day: %v", err)
	}
	day := read("one day")
	wantDay := metricsFor(t, s, "2026-11-03", "2026-11-04", "all", "day")
	checkShown(t, "one day", day, wantDay, 1)
	if day.APITo != "2026-11-04" || !strings.Contains(day.Status, "(1 day)") || wantDay.Deflection.Totals.Sessions != 2 {
		t.Errorf("one day: asked to=%s, status %q, %d sessions; want 2026-11-04, 1 day, 2 sessions", day.APITo, day.Status, wantDay.Deflection.Totals.Sessions)
	}
	if !strings.Contains(day.CSV["top"], "\r\n\"printer \"\"hp\"\", floor 2\",1,0,0.0%\r\n") {
		t.Errorf("top queries CSV does not escape quotes and commas:\n%s", day.CSV["top"])
	}

	// A range that ends before it starts is refused on the page, not sent.
	if err := chromedp.Do(bctx, choose("from", "2026-11-05"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-state="error"] #status[role="alert"]`))); err != nil {
		t.Fatalf("inverted range: %v", err)
	}
	if v := read("inverted range"); !strings.Contains(v.Status, "From date") || v.Loads != "8" {
		t.Errorf("inverted range: status %q after %s loads, want a message about the From date and no new load", v.Status, v.Loads)
	}
}
