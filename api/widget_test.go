package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/engine/analytics"
	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/bleve"
	"github.com/siftdesk/sift/indexer/bolt"
	"github.com/siftdesk/sift/indexer/eventlog"
	"github.com/siftdesk/sift/models"
)

// maxWidgetGzipBytes is the widget's budget: what a portal's visitors
// download, gzipped.
const maxWidgetGzipBytes = 20 << 10

// TestWidgetSize keeps widget.js under its budget, gzipped as a CDN would
// (default level) and as Sift serves it.
func TestWidgetSize(t *testing.T) {
	src, err := os.ReadFile("web/widget.js")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(src); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	s := newServer(t, api.Config{}).as("")
	req := newRequest(t, http.MethodGet, "/widget.js", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	served := s.doRequest(req).mustStatus(t, http.StatusOK)
	t.Logf("widget.js: %d bytes, %d gzipped (%d as served), budget %d", len(src), buf.Len(), len(served.Body), maxWidgetGzipBytes)
	if buf.Len() > maxWidgetGzipBytes || len(served.Body) > maxWidgetGzipBytes {
		t.Errorf("widget.js is %d bytes gzipped (%d as served), over the budget of %d", buf.Len(), len(served.Body), maxWidgetGzipBytes)
	}
}

// TestWidgetScript checks how /widget.js is served: without a key, as
// JavaScript, cached five minutes, gzipped only for clients that accept
// it, and revalidated with its ETag.
func TestWidgetScript(t *testing.T) {
	src, err := os.ReadFile("web/widget.js")
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(t, api.Config{}).as("")
	get := func(header http.Header) response {
		t.Helper()
		req := newRequest(t, http.MethodGet, "/widget.js", nil)
		maps.Copy(req.Header, header)
		return s.doRequest(req)
	}
	plain := get(nil).mustStatus(t, http.StatusOK)
	etag := plain.Header.Get("ETag")
	for name, want := range map[string]string{
		"Content-Type":     "text/javascript; charset=utf-8",
		"Cache-Control":    "public, max-age=300",
		"Vary":             "Accept-Encoding",
		"Content-Encoding": "",
	} {
		if got := plain.Header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if !bytes.Equal(plain.Body, src) {
		t.Errorf("the body (%d bytes) is not web/widget.js (%d bytes)", len(plain.Body), len(src))
	}
	if !regexp.MustCompile(`^"[0-9a-f]{24}"$`).MatchString(etag) {
		t.Errorf("ETag %q, want a quoted hash", etag)
	}

	for _, tc := range []struct {
		accept string
		gzip   bool
	}{
		{"gzip", true},
		{"GZIP", true},
		{"gzip, deflate, br, zstd", true},
		{"br;q=1.0, gzip;q=0.5", true},
		{"*", true},
		{"gzip;q=0", false},
		{"gzip;q=0, *", false},
		{"identity", false},
		{"br", false},
	} {
		t.Run(tc.accept, func(t *testing.T) {
			r := get(http.Header{"Accept-Encoding": {tc.accept}}).mustStatus(t, http.StatusOK)
			body := r.Body
			if got := r.Header.Get("Content-Encoding") == "gzip"; got != tc.gzip {
				t.Fatalf("gzipped %v, want %v (Content-Encoding %q)", got, tc.gzip, r.Header.Get("Content-Encoding"))
			}
			if tc.gzip {
				zr, err := gzip.NewReader(bytes.NewReader(r.Body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
				if r.Header.Get("ETag") == etag {
					t.Errorf("the gzipped body has the plain body's ETag %s", etag)
				}
			}
			if !bytes.Equal(body, src) {
				t.Errorf("the body, decoded, is not web/widget.js")
			}
		})
	}

	// A copy that is current is not sent again.
	gz := get(http.Header{"Accept-Encoding": {"gzip"}})
	for _, tc := range []struct {
		name, accept, ifNoneMatch string
		status                    int
	}{
		{"same", "", etag, http.StatusNotModified},
		{"weak", "", "W/" + etag, http.StatusNotModified},
		{"in a list", "", `"other", ` + etag, http.StatusNotModified},
		{"any", "", "*", http.StatusNotModified},
		{"gzipped", "gzip", gz.Header.Get("ETag"), http.StatusNotModified},
		{"other", "", `"other"`, http.StatusOK},
		{"the other encoding's", "gzip", etag, http.StatusOK},
	} {
		t.Run("If-None-Match "+tc.name, func(t *testing.T) {
			h := http.Header{"If-None-Match": {tc.ifNoneMatch}}
			if tc.accept != "" {
				h.Set("Accept-Encoding", tc.accept)
			}
			r := get(h)
			if r.Code != tc.status {
				t.Fatalf("status %d, want %d", r.Code, tc.status)
			}
			if tc.status == http.StatusNotModified && (len(r.Body) != 0 || r.Header.Get("ETag") == "") {
				t.Errorf("304 with %d bytes of body and ETag %q", len(r.Body), r.Header.Get("ETag"))
			}
		})
	}
}

// TestDemoPages checks the sample portal pages without a browser: absent
// unless Config.DemoToken is set, then one per portal, each with the
// credential DemoToken minted for it, escaped for the page's script.
func TestDemoPages(t *testing.T) {
	plain := newServer(t, api.Config{}).as("")
	for _, path := range []string{"/demo/customer", "/demo/itsm"} {
		checkProblem(t, plain.do(http.MethodGet, path, nil), http.StatusNotFound, "not_found", "")
	}

	// A token a page must not take for markup or code.
	const token = `sk_"q'</script><b>&amp;\`
	var asked []models.Portal
	fail := false
	s := newServer(t, api.Config{DemoToken: func(_ context.Context, p models.Portal) (string, error) {
		asked = append(asked, p)
		if fail {
			return "", errors.New("the token service is down")
		}
		return token + string(p), nil
	}}).as("")
	initCall := regexp.MustCompile(`Sift\.init\(\{token: ("(?:[^"\\]|\\.)*"), portal: ("[a-z]+")\}\)`)
	for _, tc := range []struct {
		portal models.Portal
		form   string
	}{
		{models.PortalCustomer, "Contact support"},
		{models.PortalITSM, "Report an incident"},
	} {
		t.Run(string(tc.portal), func(t *testing.T) {
			r := s.do(http.MethodGet, "/demo/"+string(tc.portal), nil).mustStatus(t, http.StatusOK)
			page := string(r.Body)
			if ct := r.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store: the page holds a credential", cc)
			}
			csp := r.Header.Get("Content-Security-Policy")
			nonce := regexp.MustCompile(`script-src 'self' 'nonce-([A-Za-z0-9_-]{22})'`).FindStringSubmatch(csp)
			if nonce == nil || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "connect-src 'self'") {
				t.Fatalf("Content-Security-Policy %q, want default-src 'none', connect-src 'self' and a script nonce", csp)
			}
			if !strings.Contains(page, `<script nonce="`+nonce[1]+`">`) {
				t.Errorf("the inline script does not carry the policy's nonce %s", nonce[1])
			}
			for _, want := range []string{`<script src="/widget.js" defer></script>`, "<div data-sift-search", `<form data-sift-deflect`,
				`name="subject"`, `name="body"`, tc.form, "Brightloom"} {
				if !strings.Contains(page, want) {
					t.Errorf("the page has no %s", want)
				}
			}
			m := initCall.FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("no Sift.init({token: ..., portal: ...}) in the page")
			}
			var gotToken, gotPortal string
			if err := json.Unmarshal([]byte(m[1]), &gotToken); err != nil || gotToken != token+string(tc.portal) {
				t.Errorf("token in the page %s decodes to %q (%v), want %q", m[1], gotToken, err, token+string(tc.portal))
			}
			if err := json.Unmarshal([]byte(m[2]), &gotPortal); err != nil || gotPortal != string(tc.portal) {
				t.Errorf("portal in the page %s, want %q", m[2], tc.portal)
			}
			if strings.Contains(page, "</script><b>") {
				t.Errorf("the token is in the page unescaped")
			}
		})
	}
	if !slices.Equal(asked, []models.Portal{models.PortalCustomer, models.PortalITSM}) {
		t.Errorf("DemoToken was asked for %v, want customer then itsm", asked)
	}
	// Another portal's page does not exist, and a token that cannot be
	// minted is the server's failure.
	checkProblem(t, s.do(http.MethodGet, "/demo/partners", nil), http.StatusNotFound, "not_found", "")
	fail = true
	checkProblem(t, s.do(http.MethodGet, "/demo/customer", nil), http.StatusInternalServerError, "internal", "")
}

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// browserTab is a tab of headless Chromium. Exceptions and console.error
// calls of its pages fail the test; console.warn calls are kept.
type browserTab struct {
	ctx      context.Context
	mu       sync.Mutex
	warnings []string
}

// newBrowserTab starts Debian's headless Chromium for the test, or skips
// the test when it is not installed. The browser stops when the test ends,
// or after timeout.
func newBrowserTab(t *testing.T, timeout time.Duration) *browserTab {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("SKIP browser test: %s not found; install Debian's chromium (apt-get install -y chromium), as .ci/run does", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	}
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	t.Cleanup(cancel)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	return openTab(t, allocCtx)
}

// newTab opens another tab of the same browser, with its own session
// storage.
func (b *browserTab) newTab(t *testing.T) *browserTab {
	t.Helper()
	return openTab(t, b.ctx)
}

// openTab opens a tab in the browser of parent and watches its pages'
// scripts.
func openTab(t *testing.T, parent context.Context) *browserTab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent)
	t.Cleanup(cancel)
	b := &browserTab{ctx: ctx}
	var errs []string
	err := chromedp.Listen(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			errs = append(errs, fmt.Sprintf("%s (line %d)", msg, d.LineNumber+1))
		case *runtime.EventConsoleAPICalled:
			switch ev.Type {
			case runtime.ConsoleAPICalledTypeError:
				errs = append(errs, "console.error "+consoleArgs(ev.Args))
			case runtime.ConsoleAPICalledTypeWarning:
				b.warnings = append(b.warnings, consoleArgs(ev.Args))
			}
		}
	})
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, e := range errs {
			t.Errorf("page script error: %s", e)
		}
	})
	return b
}

// consoleArgs formats the arguments of a console call.
func consoleArgs(args []*runtime.RemoteObject) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.Description
		if len(a.Value) > 0 {
			parts[i] = string(a.Value)
		}
	}
	return strings.Join(parts, " ")
}

// consoleWarnings returns the console.warn calls of the tab's pages so far.
func (b *browserTab) consoleWarnings() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.warnings)
}

// screenshot saves the tab's viewport in artefactDir, once animations of
// up to 200 ms are over.
func (b *browserTab) screenshot(t *testing.T, name string) {
	t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Sleep(200*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	saveScreenshot(t, png, err, name)
}

// saveScreenshot writes a screenshot taken (or the error taking it) to
// the artefacts directory, and logs where.
func saveScreenshot(t *testing.T, png []byte, err error, name string) {
	t.Helper()
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(artefactDir(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// widgetServer is the API over the demo corpus (its articles and popular
// queries) with an event log, serving the sample pages with a portal key
// of each portal as the demo end user's credential.
type widgetServer struct {
	*testServer
	events *eventlog.Log
	mu     sync.Mutex
	keys   map[models.Portal]string // the pages' keys, made when first asked for
}

// newWidgetServer opens the backends in t.TempDir() and loads the demo
// corpus.
func newWidgetServer(t *testing.T) *widgetServer { return newDemoServer(t, false) }

// newDemoServer is newWidgetServer, with the built-in embedder (articles
// embedded, hybrid retrieval) when vectors is set.
func newDemoServer(t *testing.T, vectors bool) *widgetServer {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
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
	var eng *engine.Engine
	t.Cleanup(func() {
		if eng != nil {
			eng.Close()
		}
		if err := errors.Join(events.Close(), text.Close(), store.Close()); err != nil {
			t.Errorf("close backends: %v", err)
		}
	})
	ix := indexer.New(store, text, 0, log)
	emb, vecs := embedWith(t, ix, vectors)
	demo := "../testdata/demo/"
	sum, err := ix.IndexSources(ctx, []string{demo + "articles.jsonl", demo + "kb", demo + "queries.jsonl"}, indexer.Options{})
	if err != nil || sum.Skipped > 0 || sum.Added < 125 {
		t.Fatalf("load the demo corpus: %+v, %v", sum, err)
	}
	if eng, err = engine.New(ctx, engine.Config{}, store, text, ix, log); err != nil {
		t.Fatal(err)
	}
	if vectors {
		eng.UseVectors(emb, vecs)
	}
	if err := eng.UseEvents(ctx, events, nil, analytics.Config{}); err != nil {
		t.Fatal(err)
	}
	w := &widgetServer{events: events, keys: map[models.Portal]string{}}
	h, key, err := newAPI(api.Config{DemoToken: w.demoToken}, eng, store, log)
	if err != nil {
		t.Fatal(err)
	}
	w.testServer = &testServer{t: t, handler: h, store: store, key: key, eng: eng}
	return w
}

// demoToken is the server's Config.DemoToken: the secret of a portal key
// of the portal.
func (w *widgetServer) demoToken(_ context.Context, portal models.Portal) (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.keys[portal] == "" {
		secret, err := createKey(w.store, models.RolePortal, portal)
		if err != nil {
			return "", err
		}
		w.keys[portal] = secret
	}
	return w.keys[portal], nil
}

// sessionEvents returns the session's events in the event log, waiting up
// to ten seconds for one that done accepts.
func (w *widgetServer) sessionEvents(t *testing.T, session string, done func(models.Event) bool) []models.Event {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var got []models.Event
		finished := false
		err := w.events.Replay(t.Context(), func(e models.Event) error {
			if e.SessionID == session {
				got = append(got, e)
				finished = finished || done(e)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if finished {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("session %s: the awaited event was not recorded in 10 s; recorded: %+v", session, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// xssTitle is the title of a public article that tries to run a script
// wherever a page parses it as HTML.
const xssTitle = `Pairing tips <img src=x onerror="window.__siftXSS=1"> for sensors`

// instrument is run in the page after Sift.init: it records, for each
// text typed in a search box, the time from its keydown to the render of
// its suggestions (and to the next animation frame), the articles opened,
// and any Content-Security-Policy violation.
const instrument = `(() => {
  const w = window.__sift = {latency: [], frame: [], opened: [], csp: [], last: null};
  let keyAt = 0;
  const typed = new Map();
  const inBox = e => e.target.matches && e.target.matches('[role=combobox]');
  document.addEventListener('keydown', e => { if (inBox(e)) keyAt = performance.now(); }, true);
  document.addEventListener('input', e => { if (inBox(e)) typed.set(e.target.value, keyAt); }, true);
  document.addEventListener('sift:suggestions', e => {
    w.last = e.detail.query;
    const t0 = typed.get(e.detail.query);
    if (t0 === undefined) return;
    typed.delete(e.detail.query);
    w.latency.push(performance.now() - t0);
    requestAnimationFrame(() => w.frame.push(performance.now() - t0));
  });
  document.addEventListener('sift:open', e => w.opened.push(e.detail));
  document.addEventListener('securitypolicyviolation', e => w.csp.push(e.violatedDirective + ' ' + e.blockedURI));
  return true;
})()`

// comboView is the search box's state, read off the DOM.
type comboView struct {
	Value            string         `json:"value"`
	Expanded         string         `json:"expanded"`
	Controls         string         `json:"controls"`
	Autocomplete     string         `json:"autocomplete"`
	ActiveDescendant string         `json:"activeDescendant"`
	ListRole         string         `json:"listRole"`
	ListID           string         `json:"listID"`
	ListHidden       bool           `json:"listHidden"`
	Options          []optionView   `json:"options"`
	Status           statusView     `json:"status"`
	Article          *articleView   `json:"article"`
	Images           int            `json:"images"`
	XSS              bool           `json:"xss"`
	CSP              []string       `json:"csp"`
	Opened           []openedDetail `json:"opened"`
}

// optionView is an option of the list.
type optionView struct {
	ID       string   `json:"id"`
	Role     string   `json:"role"`
	Article  string   `json:"article"`
	Text     string   `json:"text"`
	Marks    []string `json:"marks"`
	Selected string   `json:"selected"`
}

// statusView is the box's status region.
type statusView struct {
	Role    string `json:"role"`
	Live    string `json:"live"`
	Text    string `json:"text"`
	Visible bool   `json:"visible"`
}

// articleView is the article panel under the box.
type articleView struct {
	Title    string `json:"title"`
	Body     string `json:"body"`
	Feedback string `json:"feedback"`
	Visible  bool   `json:"visible"`
}

// openedDetail is the detail of a sift:open event.
type openedDetail struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Source string `json:"source"`
}

// readCombo reads a comboView off the page.
const readCombo = `(() => {
  const input = document.querySelector('[data-sift-search] [role=combobox]');
  const list = document.getElementById(input.getAttribute('aria-controls')) || document.createElement('ul');
  const status = input.parentNode.querySelector('[role=status]');
  const article = document.querySelector('[data-sift-search] .sift-article');
  const visible = e => !!e && e.offsetParent !== null;
  return {
    value: input.value,
    expanded: input.getAttribute('aria-expanded'),
    controls: input.getAttribute('aria-controls'),
    autocomplete: input.getAttribute('aria-autocomplete'),
    activeDescendant: input.getAttribute('aria-activedescendant') || '',
    listRole: list.getAttribute('role') || '',
    listID: list.id,
    listHidden: list.hidden,
    options: [...list.children].map(o => ({id: o.id, role: o.getAttribute('role'), article: o.dataset.id || '',
      text: o.textContent, marks: [...o.querySelectorAll('mark')].map(m => m.textContent), selected: o.getAttribute('aria-selected')})),
    status: {role: status.getAttribute('role'), live: status.getAttribute('aria-live'), text: status.textContent, visible: visible(status) && status.offsetWidth > 1},
    article: article && {title: article.querySelector('h2').textContent, body: article.querySelector('.sift-article-body').textContent,
      feedback: (article.querySelector('.sift-feedback') || {textContent: ''}).textContent, visible: visible(article)},
    images: document.querySelectorAll('.sift-root img').length,
    xss: window.__siftXSS !== undefined,
    csp: window.__sift.csp,
    opened: window.__sift.opened,
  };
})()`

// articleStats is a row of the article metrics, as a client sees it.
type articleStats struct {
	ArticleID        string `json:"article_id"`
	Views            int    `json:"views"`
	Shown            int    `json:"shown"`
	HelpfulYes       int    `json:"helpful_yes"`
	TicketsAfterView int    `json:"tickets_after_view"`
}

// percentile returns the p-th percentile (0-100) of xs, nearest rank.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// TestWidgetInBrowser drives the sample pages in headless Chromium, as a
// customer and as an employee would: type-ahead typed key by key, the
// keyboard, an article opened and found helpful, a search with no match,
// an article whose title is an XSS attempt, a ticket form that shows
// deflection and is sent, and one left; then it checks the events the
// widget reported and the metrics they make. It logs the latency from
// keystroke to rendered suggestions and the widget's main-thread work.
func TestWidgetInBrowser(t *testing.T) {
	tab := newBrowserTab(t, 3*time.Minute)
	ws := newWidgetServer(t)
	ws.do(http.MethodPut, "/v1/articles/kb-xss-probe", map[string]any{
		"title": xssTitle, "body": "Hold the pairing button.\n<script>window.__siftXSS=2</script>", "visibility": "public",
	}).mustStatus(t, http.StatusCreated)
	srv := httptest.NewServer(ws.handler)
	defer srv.Close()
	ctx := tab.ctx

	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(what, js string) {
		t.Helper()
		do(what, chromedp.Evaluate[chromedp.Void](js))
	}
	read := func(what string) comboView {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[comboView](readCombo))
		if err != nil {
			t.Fatalf("%s: read the search box: %v", what, err)
		}
		return v
	}
	const box = `[data-sift-search] [role=combobox]`
	// typeSlowly types text into the box a key at a time, 150 ms apart
	// (80 words a minute), and waits for the suggestions for all of it.
	typeSlowly := func(text string) comboView {
		t.Helper()
		do("focus the search box", chromedp.Focus(chromedp.CSS(box)))
		for _, r := range text {
			do("type "+string(r), chromedp.KeyEvent(string(r)), chromedp.Sleep(150*time.Millisecond))
		}
		do("wait for the suggestions for "+text, chromedp.Poll[chromedp.Void](fmt.Sprintf(`window.__sift.last === %q`, text)))
		return read(text)
	}
	key := func(what, k string) comboView {
		t.Helper()
		do(what, chromedp.KeyEvent(k))
		return read(what)
	}

	// The customer page, as served; then the widget started again with
	// performance marks, which also checks that destroy removes it whole.
	do("load the customer page", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(srv.URL+"/demo/customer"),
		chromedp.WaitVisible(chromedp.CSS(box)), chromedp.WaitReady(chromedp.CSS(`form[data-sift-deflect] .sift-deflect`)))
	secret, _ := ws.demoToken(t.Context(), models.PortalCustomer)
	counts, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](fmt.Sprintf(`(() => {
		Sift.destroy();
		const left = document.querySelectorAll('.sift-root').length;
		Sift.init({token: %q, portal: 'customer', timing: true});
		return [left, document.querySelectorAll('[role=combobox]').length, document.querySelectorAll('.sift-deflect').length];
	})()`, secret)))
	if err != nil || !slices.Equal(counts, []int{0, 1, 1}) {
		t.Fatalf("destroy and init again: %v (%v); want no widget element left, then one box and one deflection panel", counts, err)
	}
	eval("instrument the page", instrument)

	// Type-ahead, then Escape closes the list and a second Escape clears.
	v := typeSlowly("thermo firmware upd")
	if v.Expanded != "true" || v.ListHidden || len(v.Options) == 0 || v.Options[0].Article != "KB-1086" {
		t.Fatalf("after typing: expanded %q, hidden %v, options %+v; want KB-1086 first", v.Expanded, v.ListHidden, v.Options)
	}
	v = key("Escape", kb.Escape)
	if v.Expanded != "false" || !v.ListHidden || v.Value != "thermo firmware upd" {
		t.Errorf("after Escape: expanded %q, hidden %v, value %q; want the list closed and the text kept", v.Expanded, v.ListHidden, v.Value)
	}
	if v = key("Escape again", kb.Escape); v.Value != "" {
		t.Errorf("after a second Escape the box holds %q, want it empty", v.Value)
	}

	// A prefix of an article's title: suggestions with the words typed
	// marked, and the combobox's ARIA state.
	const prefix = "connecting brightloom cam"
	v = typeSlowly(prefix)
	tab.screenshot(t, "sift-widget-suggestions.png")
	if v.Expanded != "true" || v.ListHidden || v.Controls != v.ListID || v.ListRole != "listbox" || v.Autocomplete != "list" || v.ActiveDescendant != "" {
		t.Errorf("combobox: expanded %q, list hidden %v, controls %q (list %q, role %q), autocomplete %q, active %q",
			v.Expanded, v.ListHidden, v.Controls, v.ListID, v.ListRole, v.Autocomplete, v.ActiveDescendant)
	}
	if len(v.Options) < 2 || v.Options[0].Article != "KB-1019" {
		t.Fatalf("options %+v; want KB-1019 (Connecting Brightloom Cam to Wi-Fi) first, and others", v.Options)
	}
	if first := v.Options[0]; first.Text != "Connecting Brightloom Cam to Wi-Fi" || !slices.Equal(first.Marks, []string{"Connecting", "Brightloom", "Cam"}) {
		t.Errorf("first option %q marks %q; want Connecting, Brightloom and Cam marked", first.Text, first.Marks)
	}
	for _, o := range v.Options {
		if o.Role != "option" || o.Selected != "" || o.ID == "" {
			t.Errorf("option %+v: want role option, an id and no aria-selected", o)
		}
	}
	// Arrow keys move the active option, wrapping at both ends.
	n := len(v.Options)
	for _, step := range []struct {
		key  string
		name string
		want int
	}{
		{kb.ArrowDown, "ArrowDown", 0}, {kb.ArrowDown, "ArrowDown", 1}, {kb.ArrowUp, "ArrowUp", 0},
		{kb.ArrowUp, "ArrowUp", n - 1}, {kb.ArrowDown, "ArrowDown", 0},
	} {
		v = key(step.name, step.key)
		selected := slices.IndexFunc(v.Options, func(o optionView) bool { return o.Selected == "true" })
		if v.ActiveDescendant != v.Options[step.want].ID || selected != step.want ||
			slices.ContainsFunc(v.Options[selected+1:], func(o optionView) bool { return o.Selected != "" }) {
			t.Fatalf("%s: active %q, want option %d (%s) active and selected; options %+v", step.name, v.ActiveDescendant, step.want, v.Options[step.want].ID, v.Options)
		}
	}
	// Enter opens it: sift:open, then the article as text with "Did this
	// help?", and Yes thanks.
	do("open the article", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`[data-sift-search] .sift-article [data-helpful=yes]`)))
	v = read("article")
	if !slices.Equal(v.Opened, []openedDetail{{"KB-1019", "Connecting Brightloom Cam to Wi-Fi", "search"}}) {
		t.Errorf("sift:open events %+v, want one for KB-1019 from the search box", v.Opened)
	}
	if a := v.Article; a == nil || !a.Visible || a.Title != "Connecting Brightloom Cam to Wi-Fi" || !strings.Contains(a.Body, "2.4 GHz") ||
		strings.Contains(a.Body, "**") || !strings.Contains(a.Feedback, "Did this help?") {
		t.Fatalf("article panel %+v; want KB-1019's title and body as plain text and Did this help?", a)
	}
	if !v.ListHidden || v.Expanded != "false" {
		t.Errorf("the list is still open under the article")
	}
	tab.screenshot(t, "sift-widget-article.png")
	do("say it helped", chromedp.Click(chromedp.CSS(`[data-sift-search] .sift-article [data-helpful=yes]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-sift-search] .sift-feedback [role=status]`)))
	if v = read("helped"); !strings.HasPrefix(v.Article.Feedback, "Thanks") {
		t.Errorf("after Yes the prompt says %q", v.Article.Feedback)
	}

	// Nothing matches: a status, not an empty list.
	do("focus the box again", chromedp.Focus(chromedp.CSS(box)))
	key("Escape", kb.Escape)
	if v = key("Escape again", kb.Escape); v.Value != "" {
		t.Fatalf("the box holds %q after two Escapes", v.Value)
	}
	v = typeSlowly("qzxv wplk")
	if len(v.Options) != 0 || !v.ListHidden || v.Expanded != "false" || v.Status.Role != "status" || v.Status.Live != "polite" ||
		!v.Status.Visible || !strings.HasPrefix(v.Status.Text, "No matching articles") {
		t.Errorf("no match: options %+v, list hidden %v, expanded %q, status %+v; want a visible polite status saying No matching articles",
			v.Options, v.ListHidden, v.Expanded, v.Status)
	}
	tab.screenshot(t, "sift-widget-nomatch.png")
	if v = key("Escape", kb.Escape); v.Status.Visible {
		t.Errorf("Escape left the status shown: %+v", v.Status)
	}
	key("Escape again", kb.Escape)

	// A title that holds markup is text, in the list and in the panel.
	v = typeSlowly("pairing tips")
	i := slices.IndexFunc(v.Options, func(o optionView) bool { return o.Article == "kb-xss-probe" })
	if i < 0 || v.Options[i].Text != xssTitle {
		t.Fatalf("options %+v; want kb-xss-probe, its title as text", v.Options)
	}
	do("open the XSS probe", chromedp.Click(chromedp.CSS(`[data-id="kb-xss-probe"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-sift-search] .sift-article [data-helpful=yes]`)))
	v = read("XSS probe")
	if v.Article == nil || v.Article.Title != xssTitle || !strings.Contains(v.Article.Body, "<script>window.__siftXSS=2</script>") {
		t.Errorf("article panel %+v; want the title and body as text", v.Article)
	}
	if v.Images != 0 || v.XSS || len(v.CSP) != 0 {
		t.Errorf("markup in a title was parsed: %d img elements, script ran %v, CSP violations %v", v.Images, v.XSS, v.CSP)
	}

	// The ticket form: deflection as the subject and body are typed, then
	// the ticket is sent anyway.
	do("fill the ticket form",
		chromedp.SendKeys(chromedp.CSS(`#ticket [name=email]`), "sam@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#ticket [name=subject]`), "My Cam won't connect to the wifi"),
		chromedp.SendKeys(chromedp.CSS(`#ticket [name=body]`), "I changed my router and now the camera just says offline. I restarted it twice."),
		chromedp.WaitVisible(chromedp.CSS(`#ticket .sift-deflect .sift-link`)))
	deflected, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#ticket .sift-deflect .sift-link')].map(b => b.dataset.id)`))
	if err != nil || len(deflected) == 0 || len(deflected) > 3 {
		t.Fatalf("deflection lists %v (%v); want 1 to 3 articles", deflected, err)
	}
	if !slices.Contains(deflected, "KB-1019") {
		t.Errorf("deflection lists %v; want KB-1019 (Connecting Brightloom Cam to Wi-Fi) among them", deflected)
	}
	placed, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#ticket .sift-deflect').nextElementSibling.nextElementSibling === document.querySelector('#ticket [type=submit]')`))
	if err != nil || !placed {
		t.Errorf("the deflection panel is not just before the submit button (%v)", err)
	}
	do("show the deflection panel", chromedp.ScrollIntoView(chromedp.CSS(`#ticket [type=submit]`)))
	tab.screenshot(t, "sift-widget-deflect.png")
	do("send the ticket", chromedp.Click(chromedp.CSS(`#ticket [type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#done`)))
	session, err := chromedp.Run(ctx, chromedp.Evaluate[string](`sessionStorage.getItem('sift-session')`))
	if err != nil || session == "" {
		t.Fatalf("no session id in sessionStorage (%v)", err)
	}

	// What the widget measured, read before anything else runs.
	type timings struct {
		Latency []float64 `json:"latency"`
		Frame   []float64 `json:"frame"`
		Keydown []float64 `json:"keydown"`
		Input   []float64 `json:"input"`
		Render  []float64 `json:"render"`
		Form    []float64 `json:"form"`
	}
	tm, err := chromedp.Run(ctx, chromedp.Evaluate[timings](`(() => {
		const d = name => performance.getEntriesByName(name, 'measure').map(m => m.duration);
		return {latency: window.__sift.latency, frame: window.__sift.frame, keydown: d('sift:keydown'), input: d('sift:input'),
			render: d('sift:render'), form: d('sift:form-input').concat(d('sift:form-render'))};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if len(tm.Latency) < 30 || len(tm.Input) < 30 || len(tm.Render) < 30 {
		t.Errorf("%d latency samples, %d input and %d render measures; want at least 30 of each", len(tm.Latency), len(tm.Input), len(tm.Render))
	}
	t.Logf("keystroke to rendered suggestions, %d keystrokes: p50 %.1f ms, p95 %.1f ms (to the next frame: p50 %.1f ms, p95 %.1f ms)",
		len(tm.Latency), percentile(tm.Latency, 50), percentile(tm.Latency, 95), percentile(tm.Frame, 50), percentile(tm.Frame, 95))
	for _, m := range []struct {
		name string
		xs   []float64
	}{{"keydown handler", tm.Keydown}, {"input handler", tm.Input}, {"render of suggestions", tm.Render}, {"ticket form handlers", tm.Form}} {
		t.Logf("main thread, %s: %d calls, p50 %.3f ms, p95 %.3f ms, max %.3f ms", m.name, len(m.xs), percentile(m.xs, 50), percentile(m.xs, 95), slices.Max(append(m.xs, 0)))
	}

	// The events of the session, as the widget sent them.
	events := ws.sessionEvents(t, session, func(e models.Event) bool { return e.Type == models.EventTicketSubmitted })
	byType := map[models.EventType][]models.Event{}
	for _, e := range events {
		byType[e.Type] = append(byType[e.Type], e)
		if e.Portal != models.PortalCustomer || !strings.HasPrefix(e.ID, "w-") || time.Since(e.Time) > 5*time.Minute {
			t.Errorf("event %+v: want the customer portal, an id from the widget and a time of now", e)
		}
	}
	for typ, want := range map[models.EventType]int{
		models.EventArticleView: 2, models.EventArticleFeedback: 1, models.EventTicketFormStarted: 1,
		models.EventTicketSubmitted: 1, models.EventTicketAbandoned: 0, models.EventSearch: 0,
	} {
		if got := len(byType[typ]); got != want {
			t.Errorf("%d %s events, want %d: %+v", got, typ, want, byType[typ])
		}
	}
	if views := byType[models.EventArticleView]; len(views) == 2 && (views[0].ArticleID != "KB-1019" || views[1].ArticleID != "kb-xss-probe") {
		t.Errorf("article views %+v, want KB-1019 then kb-xss-probe", views)
	}
	if fb := byType[models.EventArticleFeedback]; len(fb) == 1 && (fb[0].ArticleID != "KB-1019" || fb[0].Helpful == nil || !*fb[0].Helpful) {
		t.Errorf("feedback %+v, want KB-1019 helpful", fb[0])
	}
	shown := slices.IndexFunc(byType[models.EventSuggestionShown], func(e models.Event) bool {
		return e.Query == prefix && len(e.ArticleIDs) > 0 && e.ArticleIDs[0] == "KB-1019"
	})
	if shown < 0 || len(byType[models.EventSuggestionShown]) < len(tm.Latency)/2 {
		t.Errorf("%d suggestion_shown events, none for %q listing KB-1019 first", len(byType[models.EventSuggestionShown]), prefix)
	}
	for _, e := range byType[models.EventSuggestionShown] {
		if e.Query == "qzxv wplk" || len(e.ArticleIDs) == 0 {
			t.Errorf("suggestion_shown %+v: reported with no article shown", e)
		}
	}
	if d := byType[models.EventDeflectionShown]; len(d) == 0 || !slices.Equal(d[len(d)-1].ArticleIDs, deflected) {
		t.Errorf("deflection_shown events %+v; want the last to list %v", d, deflected)
	}
	timesShown := 0 // how often KB-1019 was shown, by the events
	for _, e := range append(byType[models.EventSuggestionShown], byType[models.EventDeflectionShown]...) {
		if slices.Contains(e.ArticleIDs, "KB-1019") {
			timesShown++
		}
	}

	// The metrics they make, as an analyst reads them.
	analyst := ws.as(ws.newKey(models.RoleAnalyst, ""))
	var defl struct {
		Totals figures `json:"totals"`
	}
	analyst.do(http.MethodGet, "/v1/metrics/deflection?portal=customer", nil).mustStatus(t, http.StatusOK).decode(t, &defl)
	if want := (figures{Sessions: 1, ReachedForm: 1, SelfService: 1, ArticleViews: 2, TicketsSubmitted: 1, SelfServiceScore: 2}); defl.Totals != want {
		t.Errorf("deflection totals %+v, want %+v (one session, exposed, which sent a ticket)", defl.Totals, want)
	}
	var arts struct {
		Articles []articleStats `json:"articles"`
	}
	analyst.do(http.MethodGet, "/v1/metrics/articles?portal=customer", nil).mustStatus(t, http.StatusOK).decode(t, &arts)
	i = slices.IndexFunc(arts.Articles, func(a articleStats) bool { return a.ArticleID == "KB-1019" })
	if i < 0 {
		t.Fatalf("the article metrics have no KB-1019: %+v", arts.Articles)
	}
	if a := arts.Articles[i]; a.Views != 1 || a.HelpfulYes != 1 || a.TicketsAfterView != 1 || a.Shown != timesShown {
		t.Errorf("KB-1019 metrics %+v; want 1 view, 1 helpful, 1 ticket after the view, and shown %d times as the events say", a, timesShown)
	}

	// An employee in another tab (another session): the ITSM page, with a
	// token that has expired, which getToken replaces once; internal
	// articles; and a form left without sending.
	itab := tab.newTab(t)
	ctx = itab.ctx
	itsmSecret, _ := ws.demoToken(t.Context(), models.PortalITSM)
	do("load the ITSM page", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(srv.URL+"/demo/itsm"), chromedp.WaitVisible(chromedp.CSS(box)))
	eval("start with an expiring token", fmt.Sprintf(`(() => {
		window.__tokens = 0;
		Sift.destroy();
		Sift.init({portal: 'itsm', getToken: async () => ++window.__tokens === 1 ? 'sk_expired' : %q});
		return true;
	})()`, itsmSecret))
	eval("instrument the page", instrument)
	do("type in the ITSM box", chromedp.SendKeys(chromedp.CSS(box), "vpn error c"), chromedp.Poll[chromedp.Void](`window.__sift.last === 'vpn error c'`))
	v = read("ITSM suggestions")
	if len(v.Options) == 0 || v.Options[0].Article != "KB-1017" {
		t.Errorf("ITSM options %+v; want the internal KB-1017 (VPN error codes) first", v.Options)
	}
	if calls, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.__tokens`)); err != nil || calls != 2 {
		t.Errorf("getToken called %d times (%v), want 2: once at start, once after the 401", calls, err)
	}
	do("fill the incident form",
		chromedp.SendKeys(chromedp.CSS(`#ticket [name=subject]`), "VPN keeps dropping"),
		chromedp.SendKeys(chromedp.CSS(`#ticket [name=body]`), "The VPN disconnects every few minutes when I work from home."),
		chromedp.WaitVisible(chromedp.CSS(`#ticket .sift-deflect .sift-link`)))
	do("show the deflection panel", chromedp.ScrollIntoView(chromedp.CSS(`#ticket [type=submit]`)))
	itab.screenshot(t, "sift-widget-itsm.png")
	itsmSession, err := chromedp.Run(ctx, chromedp.Evaluate[string](`sessionStorage.getItem('sift-session')`))
	if err != nil || itsmSession == "" || itsmSession == session {
		t.Fatalf("ITSM session %q (%v); want one of its own", itsmSession, err)
	}
	do("leave the page", chromedp.Navigate("about:blank"))
	events = ws.sessionEvents(t, itsmSession, func(e models.Event) bool { return e.Type == models.EventTicketAbandoned })
	types := map[models.EventType]int{}
	for _, e := range events {
		types[e.Type]++
		if e.Portal != models.PortalITSM {
			t.Errorf("ITSM event %+v, want portal itsm", e)
		}
	}
	if types[models.EventTicketFormStarted] != 1 || types[models.EventDeflectionShown] == 0 || types[models.EventSuggestionShown] == 0 ||
		types[models.EventTicketAbandoned] != 1 || types[models.EventTicketSubmitted] != 0 {
		t.Errorf("ITSM session events by type %v; want the form started, deflection and suggestions shown, abandoned once, nothing sent", types)
	}

	for _, w := range append(tab.consoleWarnings(), itab.consoleWarnings()...) {
		t.Errorf("console.warn: %s", w)
	}
}

// portalPageTmpl is a portal's own page on its own origin, using the
// widget from Sift exactly as its header comment documents, with a
// browser token its backend minted. Fill in Sift's URL three times and the
// token.
const portalPageTmpl = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Elsewhere</title>
<script src="%s/widget.js" defer></script></head>
<body>
<div data-sift-search></div>
<form data-sift-deflect> <input name="subject"> <textarea name="body"></textarea> <button>Send</button></form>
<script>window.addEventListener('DOMContentLoaded', () => Sift.init({url: %q, token: %q, portal: 'customer'}))</script>
</body></html>`

// TestWidgetCrossOrigin puts the widget in a page of another origin, as a
// portal does, with a browser token of a portal key that allows that
// origin: type-ahead, articles, deflection and events (the last ones sent
// with keepalive as the page is left) all work across origins. From an
// origin the key does not allow, the browser keeps every answer from the
// page, and the widget says so once.
func TestWidgetCrossOrigin(t *testing.T) {
	tab := newBrowserTab(t, 2*time.Minute)
	ws := newWidgetServer(t)
	sift := httptest.NewServer(ws.handler)
	defer sift.Close()
	var page string
	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	}))
	defer portal.Close()
	other := httptest.NewServer(portal.Config.Handler)
	defer other.Close()

	k, secret, err := api.NewKey(models.APIKey{Role: models.RolePortal, Portal: models.PortalCustomer, Name: "portal", Origins: []string{portal.URL}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.store.CreateKey(t.Context(), k); err != nil {
		t.Fatal(err)
	}
	token, err := api.MintToken(k.ID, secret, api.TokenClaims{Subject: "cust-42", ExpiresAt: time.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	page = fmt.Sprintf(portalPageTmpl, sift.URL, sift.URL, token)
	ctx := tab.ctx
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	const box = `[data-sift-search] [role=combobox]`

	do("load the portal's page", chromedp.Navigate(portal.URL), chromedp.WaitVisible(chromedp.CSS(box)),
		chromedp.Evaluate[chromedp.Void](instrument),
		chromedp.SendKeys(chromedp.CSS(box), "connecting brightloom"),
		chromedp.Poll[chromedp.Void](`window.__sift.last === 'connecting brightloom'`),
		chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`.sift-article [data-helpful=no]`)),
		chromedp.Click(chromedp.CSS(`.sift-article [data-helpful=no]`)),
		chromedp.SendKeys(chromedp.CSS(`[name=subject]`), "Cam will not join my wifi"),
		chromedp.WaitVisible(chromedp.CSS(`.sift-deflect .sift-link`)))
	session, err := chromedp.Run(ctx, chromedp.Evaluate[string](`sessionStorage.getItem('sift-session')`))
	if err != nil || session == "" {
		t.Fatalf("no session id (%v)", err)
	}
	do("leave the page", chromedp.Navigate("about:blank"))
	types := map[models.EventType]int{}
	for _, e := range ws.sessionEvents(t, session, func(e models.Event) bool { return e.Type == models.EventTicketAbandoned }) {
		types[e.Type]++
		if e.Portal != models.PortalCustomer {
			t.Errorf("event %+v, want the customer portal", e)
		}
	}
	for _, typ := range []models.EventType{models.EventSuggestionShown, models.EventArticleView, models.EventArticleFeedback,
		models.EventTicketFormStarted, models.EventDeflectionShown, models.EventTicketAbandoned} {
		if types[typ] == 0 {
			t.Errorf("no %s event from the portal's page; got %v", typ, types)
		}
	}
	if w := tab.consoleWarnings(); len(w) != 0 {
		t.Errorf("console warnings on the allowed page: %q", w)
	}

	// The same page from an origin the key does not allow.
	do("load the page from elsewhere", chromedp.Navigate(other.URL), chromedp.WaitVisible(chromedp.CSS(box)),
		chromedp.Evaluate[chromedp.Void](instrument),
		chromedp.SendKeys(chromedp.CSS(box), "connecting brightloom"),
		chromedp.Sleep(time.Second))
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[role=option]').length + (window.__sift.last === null ? 0 : 100)`))
	if err != nil || shown != 0 {
		t.Errorf("a page of an origin the key does not allow got suggestions (%d, %v)", shown, err)
	}
	if w := tab.consoleWarnings(); len(w) != 1 || !strings.Contains(w[0], "Sift:") {
		t.Errorf("console warnings from elsewhere %q; want one from the widget", w)
	}
}

// TestWidgetStyles checks that the widget's stylesheet takes every colour
// and size a portal may change from a --sift- custom property that its
// header comment documents, and documents none it does not use.
func TestWidgetStyles(t *testing.T) {
	src, err := os.ReadFile("web/widget.js")
	if err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(string(src), "*/")
	_, css, _ := strings.Cut(string(src), "const CSS = `")
	css, _, _ = strings.Cut(css, "`;")
	names := func(re, s string) []string {
		var out []string
		for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	used := names(`var\((--sift-[a-z-]+),`, css)
	documented := names(`(--sift-[a-z-]+) \(`, header)
	if len(used) < 10 || !slices.Equal(used, documented) {
		t.Errorf("custom properties used %v, documented %v", used, documented)
	}
	// What is left once every var(--sift-x, fallback) is taken out holds
	// no colour.
	rest := regexp.MustCompile(`var\(--sift-[a-z-]+,(?:[^()]|\([^()]*\))*\)`).ReplaceAllString(css, "")
	if c := regexp.MustCompile(`#[0-9a-fA-F]{3,8}\b|rgba?\(|hsla?\(`).FindAllString(rest, -1); len(c) > 0 {
		t.Errorf("colours outside custom properties: %v", c)
	}
	if !strings.Contains(css, "prefers-reduced-motion:reduce") {
		t.Error("the stylesheet ignores prefers-reduced-motion")
	}
}

// TestWidgetShowsKnownIssuesAndAnswers: with an open incident about
// signing in, the search box shows its notice as the person types about
// it, and the ticket form shows it above the suggested articles, with the
// answer the articles give; the widget reports the notice and the answer
// as events.
func TestWidgetShowsKnownIssuesAndAnswers(t *testing.T) {
	tab := newBrowserTab(t, 2*time.Minute)
	ws := newWidgetServer(t)
	ws.do(http.MethodPut, "/v1/incidents/inc-signin", map[string]any{"title": "Sign-in failing with AUTH-503", "portal": "customer",
		"message": "We are fixing it; your devices keep working.", "keywords": []string{"sign in", "AUTH-503"}}).mustStatus(t, http.StatusCreated)
	srv := httptest.NewServer(ws.handler)
	defer srv.Close()
	ctx := tab.ctx
	const box = `[data-sift-search] [role=combobox]`
	err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(srv.URL+"/demo/customer"), chromedp.WaitVisible(chromedp.CSS(box)),
		chromedp.SendKeys(chromedp.CSS(box), "cannot sign in"),
		chromedp.WaitVisible(chromedp.CSS(`[data-sift-search] .sift-notice[data-incident=inc-signin]`)))
	if err != nil {
		t.Fatalf("type about signing in, wait for the notice: %v", err)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#ticket [name=subject]`), "How do I reset my password?"),
		chromedp.SendKeys(chromedp.CSS(`#ticket [name=body]`), "I forgot my password and cannot sign in to the app."),
		chromedp.WaitVisible(chromedp.CSS(`#ticket .sift-deflect .sift-notice[data-incident=inc-signin]`)),
		chromedp.WaitVisible(chromedp.CSS(`#ticket .sift-deflect .sift-answer`)))
	if err != nil {
		t.Fatalf("draft a ticket, wait for the notice and the answer: %v", err)
	}
	answer, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#ticket .sift-deflect .sift-answer').textContent`))
	if err != nil || !strings.Contains(answer, "Forgot password?") {
		t.Errorf("answer shown: %q (%v); want the steps of resetting a password", answer, err)
	}
	tab.screenshot(t, "sift-widget-known-issue.png")
	session, err := chromedp.Run(ctx, chromedp.Evaluate[string](`sessionStorage.getItem('sift-session')`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	events := ws.sessionEvents(t, session, func(e models.Event) bool { return e.Type == models.EventAnswerShown })
	var notices, answers int
	for _, e := range events {
		switch e.Type {
		case models.EventKnownIssueShown:
			notices++
			if e.IncidentID != "inc-signin" {
				t.Errorf("known_issue_shown for %q", e.IncidentID)
			}
		case models.EventAnswerShown:
			answers++
		}
	}
	if notices != 1 || answers == 0 {
		t.Errorf("events: %d known_issue_shown (want 1: reported once), %d answer_shown (want some)", notices, answers)
	}
}
