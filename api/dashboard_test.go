package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/siftdesk/sift/api"
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
		`data-testid="content-gaps"`, `data-testid="worst-articles"`, `id="from"`, `id="to"`, `id="portal"`,
		"v1/metrics/deflection", "v1/metrics/search", "v1/metrics/articles",
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
	Loads  string       `json:"loads"`
	URL    string       `json:"url"`
	Status string       `json:"status"`
	Rate   shownFigure  `json:"rate"`
	Cost   shownFigure  `json:"cost"`
	Points []shownPoint `json:"points"`
	Bars   []shownPoint `json:"bars"`
	Gaps   []shownPoint `json:"gaps"`
	Worst  []string     `json:"worst"`
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
  return {
    loads: document.body.dataset.loads,
    url: location.search,
    status: document.getElementById('status').textContent,
    rate: fig('deflection-rate'),
    cost: fig('cost-saved'),
    points: pts('[data-testid="deflection-chart"] circle[data-value]'),
    bars: pts('[data-testid="cost-chart"] rect[data-value]'),
    gaps: [...document.querySelectorAll('[data-testid="content-gap"]')].map(e => ({key: e.dataset.query, value: Number(e.dataset.value)})),
    worst: [...document.querySelectorAll('[data-testid="worst-article"]')].map(e => e.dataset.article),
  };
})()`

// apiView is what the metrics API answers for the same filters.
type apiView struct {
	Deflection struct {
		Totals figures `json:"totals"`
		Series []struct {
			Start string `json:"start"`
			figures
		} `json:"series"`
	}
	Search struct {
		ContentGaps []struct {
			Query    string `json:"query"`
			Searches int    `json:"searches"`
		} `json:"content_gaps"`
	}
	Articles struct {
		Articles []struct {
			ArticleID        string `json:"article_id"`
			TicketsAfterView int    `json:"tickets_after_view"`
		} `json:"articles"`
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
	s.do(http.MethodGet, "/v1/metrics/deflection?"+q+"&interval="+interval, nil).mustStatus(t, http.StatusOK).decode(t, &v.Deflection)
	s.do(http.MethodGet, "/v1/metrics/search?"+q+"&top=10", nil).mustStatus(t, http.StatusOK).decode(t, &v.Search)
	s.do(http.MethodGet, "/v1/metrics/articles?"+q, nil).mustStatus(t, http.StatusOK).decode(t, &v.Articles)
	return v
}

// checkShown compares the page with the API's answer.
func checkShown(t *testing.T, name string, got dashboardView, want apiView) {
	t.Helper()
	tot := want.Deflection.Totals
	if got.Rate.Value != tot.DeflectionRate || got.Rate.Text != fmt.Sprintf("%.1f%%", tot.DeflectionRate*100) {
		t.Errorf("%s: deflection rate shown %+v, API says %v", name, got.Rate, tot.DeflectionRate)
	}
	if got.Cost.Value != tot.CostSaved || got.Cost.Text != fmt.Sprintf("%.2f", tot.CostSaved) {
		t.Errorf("%s: cost saved shown %+v, API says %v", name, got.Cost, tot.CostSaved)
	}
	var rates, costs []shownPoint
	for _, b := range want.Deflection.Series {
		rates = append(rates, shownPoint{b.Start, b.DeflectionRate})
		costs = append(costs, shownPoint{b.Start, b.CostSaved})
	}
	if len(rates) == 0 {
		t.Fatalf("%s: the API has no series; the fixture should give one", name)
	}
	if !slices.Equal(got.Points, rates) {
		t.Errorf("%s: deflection chart points\n got %+v\nwant %+v", name, got.Points, rates)
	}
	if !slices.Equal(got.Bars, costs) {
		t.Errorf("%s: cost chart bars\n got %+v\nwant %+v", name, got.Bars, costs)
	}
	var gaps []shownPoint
	for _, g := range want.Search.ContentGaps {
		gaps = append(gaps, shownPoint{g.Query, float64(g.Searches)})
	}
	if !slices.Equal(got.Gaps, gaps) {
		t.Errorf("%s: content gaps\n got %+v\nwant %+v", name, got.Gaps, gaps)
	}
	var worst []string
	for _, a := range want.Articles.Articles {
		if a.TicketsAfterView > 0 && len(worst) < 10 {
			worst = append(worst, a.ArticleID)
		}
	}
	if !slices.Equal(got.Worst, worst) {
		t.Errorf("%s: worst articles %v, want %v", name, got.Worst, worst)
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
// over the replayed fixture, checks that the charts and lists show what the
// metrics API returns, changes the portal filter and the interval, and
// saves screenshots.
func TestDashboardInBrowser(t *testing.T) {
	bctx := newBrowserTab(t, 2*time.Minute).ctx
	s := newEventsServer(t)
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

	// The fixture is on 2026-11-01 and 11-02 (s14, on 11-03, is outside).
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
	checkShown(t, "all portals", all, wantAll)
	// And the API's figures are the hand-computed ones of the fixture.
	if wantAll.Deflection.Totals != fixtureTotals {
		t.Errorf("API totals %+v, want the fixture's %+v", wantAll.Deflection.Totals, fixtureTotals)
	}
	if all.Rate.Text != "36.4%" || all.Cost.Text != "58.30" || len(all.Points) != 2 {
		t.Errorf("all portals: shown rate %q, cost %q, %d points; want 36.4%%, 58.30, 2", all.Rate.Text, all.Cost.Text, len(all.Points))
	}
	if !slices.ContainsFunc(all.Gaps, func(p shownPoint) bool { return p.Key == "invoice copy" }) {
		t.Errorf("content gaps %+v do not list %q", all.Gaps, "invoice copy")
	}
	screenshot("sift-dashboard.png", false)

	// The portal filter refetches and redraws.
	if err := chromedp.Do(bctx, choose("portal", "itsm"), waitLoaded(2)); err != nil {
		t.Fatalf("choose the ITSM portal: %v", err)
	}
	itsm := read("itsm")
	wantITSM := metricsFor(t, s, from, toExclusive, "itsm", "day")
	checkShown(t, "itsm", itsm, wantITSM)
	if itsm.Rate == all.Rate || itsm.Cost == all.Cost {
		t.Errorf("the portal filter changed nothing: all %+v %+v, itsm %+v %+v", all.Rate, all.Cost, itsm.Rate, itsm.Cost)
	}
	if !strings.Contains(itsm.URL, "portal=itsm") {
		t.Errorf("page URL %q does not keep the filter", itsm.URL)
	}
	screenshot("sift-dashboard-itsm-full.png", true)

	// So does the interval.
	if err := chromedp.Do(bctx, choose("portal", "all"), waitLoaded(3), choose("interval", "week"), waitLoaded(4)); err != nil {
		t.Fatalf("choose weekly: %v", err)
	}
	checkShown(t, "weekly", read("weekly"), metricsFor(t, s, from, toExclusive, "all", "week"))

	// A range that ends before it starts is refused on the page, not sent.
	if err := chromedp.Do(bctx, choose("from", "2026-11-05"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-state="error"] #status[role="alert"]`))); err != nil {
		t.Fatalf("inverted range: %v", err)
	}
	if v := read("inverted range"); !strings.Contains(v.Status, "From date") || v.Loads != "4" {
		t.Errorf("inverted range: status %q after %s loads, want a message about the From date and no new load", v.Status, v.Loads)
	}
}
