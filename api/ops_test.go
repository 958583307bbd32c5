package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/bleve"
	"github.com/siftdesk/sift/indexer/bolt"
	"github.com/siftdesk/sift/models"
)

func TestHealth(t *testing.T) {
	s := newServer(t, api.Config{})
	type health struct {
		Status string `json:"status"`
		Engine struct {
			Articles int  `json:"articles"`
			Queries  *int `json:"query_completions"`
		} `json:"engine"`
	}
	check := func(wantArticles int) {
		t.Helper()
		var h health
		r := s.do(http.MethodGet, "/healthz", nil).mustStatus(t, http.StatusOK)
		r.decode(t, &h)
		if h.Status != "ok" || h.Engine.Articles != wantArticles || h.Engine.Queries == nil || *h.Engine.Queries != 0 {
			t.Errorf("health %s, want status ok, %d articles, 0 query completions", r.Body, wantArticles)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
	}
	check(0)
	s.load()
	check(len(fixtureArticles)) // both visibilities; tickets are not counted
	s.do(http.MethodDelete, "/v1/articles/"+intVPN, nil).mustStatus(t, http.StatusNoContent)
	check(len(fixtureArticles) - 1)
}

func TestMetrics(t *testing.T) {
	s := newServer(t, api.Config{})
	s.load()
	s.do(http.MethodGet, "/v1/search?q=printer", nil).mustStatus(t, http.StatusOK)
	s.do(http.MethodGet, "/v1/search?q=printer", nil).mustStatus(t, http.StatusOK)
	s.do(http.MethodGet, "/v1/search?q=printer&limit=0x", nil).mustStatus(t, http.StatusBadRequest)
	s.do(http.MethodGet, "/v1/articles/"+intAdmin, nil).mustStatus(t, http.StatusNotFound)
	s.do(http.MethodGet, "/v1/nowhere/"+tktITSM, nil).mustStatus(t, http.StatusNotFound)
	s.do(http.MethodPost, "/v1/search", nil).mustStatus(t, http.StatusMethodNotAllowed)

	r := s.do(http.MethodGet, "/metrics", nil).mustStatus(t, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want Prometheus text", ct)
	}
	body := string(r.Body)
	for _, want := range []string{
		"# TYPE sift_http_requests_total counter",
		`sift_http_requests_total{code="200",method="GET",route="/v1/search"} 2`,
		`sift_http_requests_total{code="400",method="GET",route="/v1/search"} 1`,
		`sift_http_requests_total{code="404",method="GET",route="/v1/articles/:id"} 1`,
		`sift_http_requests_total{code="201",method="PUT",route="/v1/articles/:id"} 5`,
		`sift_http_requests_total{code="201",method="PUT",route="/v1/tickets/:id"} 2`,
		`sift_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`sift_http_requests_total{code="405",method="POST",route="unmatched"} 1`,
		"# TYPE sift_http_request_duration_seconds histogram",
		`sift_http_request_duration_seconds_count{route="/v1/search"} 3`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// Ids never become label values.
	checkNoLeak(t, "", r.Body, append(secrets, pubReset, pubPrinter, pubInvoice))
}

// TestPanicIsAProblemAndCounted checks that a panicking handler answers
// 500 as problem+json without its message, and is counted in the metrics
// like any other request.
func TestPanicIsAProblemAndCounted(t *testing.T) {
	s := newServer(t, api.Config{})
	s.gin().GET("/v1/test-panic", func(*gin.Context) { panic("secret detail of the crash") })

	r := s.do(http.MethodGet, "/v1/test-panic", nil)
	checkProblem(t, r, http.StatusInternalServerError, models.CodeInternal, "", "server log")
	if strings.Contains(string(r.Body), "secret detail") {
		t.Errorf("500 body leaks the panic: %s", r.Body)
	}
	// The server keeps serving.
	s.do(http.MethodGet, "/healthz", nil).mustStatus(t, http.StatusOK)

	m := string(s.do(http.MethodGet, "/metrics", nil).mustStatus(t, http.StatusOK).Body)
	if want := `sift_http_requests_total{code="500",method="GET",route="/v1/test-panic"} 1`; !strings.Contains(m, want) {
		t.Errorf("metrics lack %q", want)
	}
}

func TestHealthReportsChecks(t *testing.T) {
	down := false
	s := newServer(t, api.Config{Checks: map[string]func(context.Context) error{
		"database": func(context.Context) error {
			if down {
				return models.ErrUnavailable
			}
			return nil
		},
	}})
	var h struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	s.do(http.MethodGet, "/healthz", nil).mustStatus(t, http.StatusOK).decode(t, &h)
	if h.Status != "ok" || h.Checks["database"] != "ok" {
		t.Errorf("healthy: %+v", h)
	}
	down = true
	s.do(http.MethodGet, "/healthz", nil).mustStatus(t, http.StatusOK).decode(t, &h)
	if h.Status != "degraded" || h.Checks["database"] != "unavailable" {
		t.Errorf("database down: %+v, want degraded and unavailable", h)
	}
}

// TestReadiness checks /healthz and /readyz while a component is being
// prepared and once it is ready: /healthz answers 200 throughout, saying
// starting and which component; /readyz answers 503 naming it, then 200.
func TestReadiness(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	store, err := bolt.Open(filepath.Join(dir, "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	text, err := bleve.Open(filepath.Join(dir, "fulltext"))
	if err != nil {
		t.Fatal(err)
	}
	defer text.Close()
	eng, err := engine.New(t.Context(), engine.Config{}, store, text, indexer.New(store, text, 0, log), log)
	if err != nil {
		t.Fatal(err)
	}
	h, key, err := newAPI(api.Config{}, eng, store, log)
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t, handler: h, store: store, key: key}
	var health struct {
		Status string            `json:"status"`
		Ready  map[string]string `json:"ready"`
	}
	eng.SetReadiness(engine.ComponentClassifiers, engine.Preparing)
	s.do(http.MethodGet, "/healthz", nil).mustStatus(t, http.StatusOK).decode(t, &health)
	if health.Status != "starting" || health.Ready[engine.ComponentClassifiers] != engine.Preparing || health.Ready[engine.ComponentFullText] != engine.Ready {
		t.Errorf("healthz while training: %+v", health)
	}
	var p struct{ Code, Detail string }
	s.do(http.MethodGet, "/readyz", nil).mustStatus(t, http.StatusServiceUnavailable).decode(t, &p)
	if p.Code != models.CodeUnavailable || !strings.Contains(p.Detail, "classifiers preparing") {
		t.Errorf("readyz while training: %+v", p)
	}
	eng.SetReadiness(engine.ComponentClassifiers, engine.Ready)
	s.do(http.MethodGet, "/readyz", nil).mustStatus(t, http.StatusOK).decode(t, &health)
	if health.Status != "ok" {
		t.Errorf("readyz once ready: %+v", health)
	}
}
