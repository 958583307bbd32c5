package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/indexer"
	"github.com/siftdesk/sift/indexer/bleve"
	"github.com/siftdesk/sift/indexer/bolt"
	"github.com/siftdesk/sift/models"
)

// testServer is the API over a real engine, store and full-text index in a
// temporary directory. Its requests carry key, an admin key unless as
// says otherwise.
type testServer struct {
	t       *testing.T
	handler http.Handler
	store   *bolt.Store // keeps the API keys and links
	key     string
	eng     *engine.Engine
}

// testLinkSecret signs the test servers' private links.
var testLinkSecret = bytes.Repeat([]byte("k"), api.MinLinkSecretBytes)

// newAPI returns the API over eng with the store keeping keys and links,
// and an admin key to call it with. Rate limits are off unless cfg sets
// them.
func newAPI(cfg api.Config, eng *engine.Engine, store *bolt.Store, log *slog.Logger) (http.Handler, string, error) {
	if cfg.RateLimit == 0 {
		cfg.RateLimit = -1
	}
	cfg.Keys, cfg.Links, cfg.LinkSecret = store, store, testLinkSecret
	secret, err := createKey(store, models.RoleAdmin, "")
	if err != nil {
		return nil, "", err
	}
	return api.New(cfg, eng, prometheus.NewRegistry(), log), secret, nil
}

// createKey stores a new key and returns its secret.
func createKey(store *bolt.Store, role models.Role, portal models.Portal) (string, error) {
	k, secret, err := api.NewKey(models.APIKey{Role: role, Portal: portal, Name: "test"}, time.Now())
	if err == nil {
		err = store.CreateKey(context.Background(), k)
	}
	return secret, err
}

// newKey returns the secret of a new key of the server.
func (s *testServer) newKey(role models.Role, portal models.Portal) string {
	s.t.Helper()
	secret, err := createKey(s.store, role, portal)
	if err != nil {
		s.t.Fatal(err)
	}
	return secret
}

// as returns the server called with another key ("" for none).
func (s *testServer) as(key string) *testServer {
	c := *s
	c.key = key
	return &c
}

// openServer opens fresh backends in dir and returns the API over them, an
// admin key, the store and a function that closes the backends.
func openServer(ctx context.Context, dir string, cfg api.Config, logOut io.Writer) (*testServer, func() error, error) {
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, err := bolt.Open(filepath.Join(dir, "store.db"))
	if err != nil {
		return nil, nil, err
	}
	text, err := bleve.Open(filepath.Join(dir, "fulltext"))
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	closeAll := func() error { return errors.Join(text.Close(), store.Close()) }
	ix := indexer.New(store, text, 0, log)
	eng, err := engine.New(ctx, engine.Config{}, store, text, ix, log)
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	h, key, err := newAPI(cfg, eng, store, log)
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	return &testServer{handler: h, store: store, key: key, eng: eng}, closeAll, nil
}

// newServer returns the API over fresh, empty backends in t.TempDir().
// Tests do not run in parallel: api.New sets gin's global mode.
func newServer(t *testing.T, cfg api.Config) *testServer {
	t.Helper()
	s, closeAll, err := openServer(t.Context(), t.TempDir(), cfg, t.Output())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := closeAll(); err != nil {
			t.Errorf("close backends: %v", err)
		}
	})
	s.t = t
	return s
}

// shared is one server with the fixture loaded, for the tests that leave
// it as they found it (reads, and writes the server must refuse). Loading
// the fixture syncs to disk on every write, which is slow on a busy
// machine, so it is done once. TestMain closes it.
var shared struct {
	once   sync.Once
	server testServer
	loaded bool
	dir    string
	close  func() error
}

// loadedServer returns the shared server with the fixture loaded.
func loadedServer(t *testing.T) *testServer {
	t.Helper()
	shared.once.Do(func() {
		dir, err := os.MkdirTemp("", "sift-api-test-")
		if err != nil {
			t.Fatal(err)
		}
		shared.dir = dir
		s, closeAll, err := openServer(context.Background(), dir, api.Config{}, os.Stderr)
		if err != nil {
			t.Fatal(err)
		}
		shared.server, shared.close = *s, closeAll
		s.t = t
		s.load()
		shared.loaded = true
	})
	if !shared.loaded {
		t.Fatal("the shared fixture server failed to load; see the first test that used it")
	}
	s := shared.server
	s.t = t
	return &s
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if shared.close != nil {
		if err := shared.close(); err != nil {
			fmt.Fprintln(os.Stderr, "close shared server:", err)
			code = 1
		}
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// gin returns the router behind the handler.
func (s *testServer) gin() *gin.Engine {
	s.t.Helper()
	r, ok := s.handler.(*gin.Engine)
	if !ok {
		s.t.Fatalf("api.New returned %T, want *gin.Engine", s.handler)
	}
	return r
}

// response is what a request got back.
type response struct {
	Code   int
	Header http.Header
	Body   []byte
}

// do sends a request. body is nil (no body), a string or []byte (sent as
// is) or anything else (sent as its JSON encoding).
func (s *testServer) do(method, target string, body any) response {
	s.t.Helper()
	return s.doRequest(newRequest(s.t, method, target, body))
}

func (s *testServer) doRequest(req *http.Request) response {
	s.t.Helper()
	if s.key != "" && req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+s.key)
	}
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	return response{Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

func newRequest(t *testing.T, method, target string, body any) *http.Request {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, target, r)
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// mustStatus fails the test unless the response has the status.
func (r response) mustStatus(t *testing.T, want int) response {
	t.Helper()
	if r.Code != want {
		t.Fatalf("status %d, want %d; body: %s", r.Code, want, r.Body)
	}
	return r
}

// decode unmarshals the body into v, failing the test on error.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// problem is api.Problem as a client sees it; Field is a pointer so that a
// missing member can be told from an empty one.
type problem struct {
	Type   string  `json:"type"`
	Title  string  `json:"title"`
	Status int     `json:"status"`
	Detail string  `json:"detail"`
	Code   string  `json:"code"`
	Field  *string `json:"field"`
}

// checkProblem checks that r is a problem+json body with the status, code
// and field (empty: no field member), and a detail containing every one of
// details.
func checkProblem(t *testing.T, r response, status int, code, field string, details ...string) {
	t.Helper()
	if r.Code != status {
		t.Errorf("status %d, want %d; body: %s", r.Code, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	var p problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("body is not a problem: %v: %s", err, r.Body)
	}
	if p.Type != "about:blank" {
		t.Errorf("type %q, want about:blank", p.Type)
	}
	if p.Status != status {
		t.Errorf("problem status %d, want %d", p.Status, status)
	}
	if want := http.StatusText(status); p.Title != want {
		t.Errorf("title %q, want %q", p.Title, want)
	}
	if p.Code != code {
		t.Errorf("code %q, want %q", p.Code, code)
	}
	switch {
	case field == "" && p.Field != nil:
		t.Errorf("field %q, want none", *p.Field)
	case field != "" && p.Field == nil:
		t.Errorf("no field, want %q", field)
	case field != "" && *p.Field != field:
		t.Errorf("field %q, want %q", *p.Field, field)
	}
	if p.Detail == "" {
		t.Error("empty detail")
	}
	for _, d := range details {
		if !strings.Contains(p.Detail, d) {
			t.Errorf("detail %q does not contain %q", p.Detail, d)
		}
	}
}

// Fixture ids are distinctive so that finding one in a response body is
// never a coincidence.
const (
	pubReset    = "pub-reset-password"
	pubPrinter  = "pub-printer-offline"
	pubInvoice  = "pub-invoice-download"
	intAdmin    = "int-9kq-admin-reset"
	intVPN      = "int-4zt-vpn-cert"
	tktCustomer = "tkt-55w-mail-missing"
	tktITSM     = "tkt-66v-vpn-expired"
)

// fixtureArticles are three public and two internal articles. The
// internal ones share words with the public ones (password, reset) and
// have words of their own (runbook, certificate, gateway), and a category
// and product no public article has.
var fixtureArticles = []map[string]any{
	{
		"id": pubReset, "title": "Reset your password",
		"body":     "Open **Settings** and choose *Reset password*. We send a reset link by email; it is valid for one hour.",
		"tags":     []string{"Account", "login", "account"},
		"category": "Account", "product": "Portal", "views": 900,
		"source_url": "https://help.example.com/a/1",
	},
	{
		"id": pubPrinter, "title": "Printer shows offline",
		"body":     "Check the cable, then restart the print spooler. If the printer still shows offline, reinstall the driver.",
		"category": "Hardware", "product": "Printers", "views": 300,
	},
	{
		"id": pubInvoice, "title": "Download an invoice",
		"body":     "Invoices are under Billing > Documents. Choose an invoice and press Download.",
		"category": "Billing", "product": "Portal", "views": 500,
	},
	{
		"id": intAdmin, "title": "Runbook: reset password of a locked admin account",
		"body":     "Unlock the admin account in the directory console, then reset the password and force a change at next login. Runbook owner: identity team.",
		"tags":     []string{"runbook", "password", "admin"},
		"category": "Tier-3 runbooks", "product": "Bastion Directory", "visibility": "internal", "views": 50,
	},
	{
		"id": intVPN, "title": "Rotate the VPN gateway certificate",
		"body":     "Runbook: generate a new certificate on the gateway HSM, upload it, and restart the VPN gateway during the maintenance window.",
		"tags":     []string{"runbook", "vpn", "certificate"},
		"category": "Tier-3 runbooks", "product": "Bastion Network", "visibility": "internal", "views": 20,
	},
}

// fixtureTickets are one ticket from each portal.
var fixtureTickets = []map[string]any{
	{
		"id": tktCustomer, "portal": "customer", "org": "Acme Ltd",
		"subject":  "Password reset mail never arrives",
		"body":     "I asked to reset my password three times but the reset email never arrives.",
		"priority": "medium",
	},
	{
		"id": tktITSM, "portal": "itsm", "requester": "j.doe",
		"subject":  "VPN gateway certificate expired",
		"body":     "Nobody can connect to the VPN: the gateway certificate expired this morning.",
		"priority": "critical", "department": "IT",
	},
}

// secrets are strings the customer portal must never see: internal
// article ids, titles, and the category and products only internal articles
// have, and every ticket id and subject.
var secrets = []string{
	intAdmin, intVPN, tktCustomer, tktITSM,
	"Runbook: reset password of a locked admin account", "Rotate the VPN gateway certificate",
	"Tier-3 runbooks", "Bastion Directory", "Bastion Network",
	"Password reset mail never arrives", "VPN gateway certificate expired",
}

// ticketSecrets are strings no portal's read endpoints may return.
var ticketSecrets = []string{tktCustomer, tktITSM, "Password reset mail never arrives", "VPN gateway certificate expired"}

// load writes the fixture through the API, checking each write creates;
// the customer ticket's organisation shares its tickets among its users.
func (s *testServer) load() {
	s.t.Helper()
	s.do(http.MethodPut, "/v1/orgs/Acme%20Ltd", map[string]any{"shares_tickets": true}).mustStatus(s.t, http.StatusCreated)
	for _, a := range fixtureArticles {
		s.do(http.MethodPut, "/v1/articles/"+a["id"].(string), a).mustStatus(s.t, http.StatusCreated)
	}
	for _, tk := range fixtureTickets {
		s.do(http.MethodPut, "/v1/tickets/"+tk["id"].(string), tk).mustStatus(s.t, http.StatusCreated)
	}
}
