package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/models"
)

// demoSources lists the corpus files sift demo indexes, in order.
func demoSources(corpus string) ([]string, error) {
	entries, err := os.ReadDir(corpus)
	if err != nil {
		return nil, fmt.Errorf("--corpus: %w (run from the repository root, or point --corpus at testdata/demo)", err)
	}
	var out []string
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || ext == ".jsonl" || ext == ".csv" {
			out = append(out, filepath.Join(corpus, e.Name()))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--corpus: no .jsonl, .csv or Markdown folders in %s", corpus)
	}
	return out, nil
}

// demoKey is a key sift demo makes, and how its banner names it.
type demoKey struct {
	label  string
	id     string
	secret string
}

// demoTokens is the demo's portal backend: it mints a browser token for
// a demo end user of each portal, an hour long, for the sample pages
// /demo/customer and /demo/itsm.
func demoTokens(customer, itsm demoKey) func(context.Context, models.Portal) (string, error) {
	return func(_ context.Context, portal models.Portal) (string, error) {
		key, claims := customer, api.TokenClaims{Subject: "jo.demo@hearthmail.example"}
		if portal == models.PortalITSM {
			key, claims = itsm, api.TokenClaims{Subject: "kim.demo@brightloom.example"}
		}
		claims.ExpiresAt = time.Now().Add(time.Hour).Unix()
		return api.MintToken(key.id, key.secret, claims)
	}
}

// demoKeys creates one key per role in the demo's backend: the customer
// portal, the ITSM portal, an agent of both portals, an analyst and an
// admin, in that order.
func demoKeys(ctx context.Context, f *serveFlags) ([]demoKey, error) {
	d, _, err := f.openDataDir(ctx, f.data, &f.db, 0, false, io.Discard)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	store := d.store
	specs := []struct {
		label  string
		role   models.Role
		portal models.Portal
	}{
		{"portal-customer", models.RolePortal, models.PortalCustomer},
		{"portal-itsm", models.RolePortal, models.PortalITSM},
		{"agent", models.RoleAgent, ""},
		{"analyst", models.RoleAnalyst, ""},
		{"admin", models.RoleAdmin, ""},
	}
	out := make([]demoKey, len(specs))
	for i, s := range specs {
		k, secret, err := createKey(ctx, store, models.APIKey{Role: s.role, Portal: s.portal, Name: "sift demo " + s.label})
		if err != nil {
			return nil, err
		}
		out[i] = demoKey{s.label, k.ID, secret}
	}
	return out, nil
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newServeFlags("demo", stderr, "Index the demo corpus into a fresh data directory and serve it: the same steps\n"+
		"as 'sift index' then 'sift serve'. Without --data, a temporary directory is used and\n"+
		"removed on exit.")
	var corpus string
	f.StringVar(&corpus, "corpus", filepath.Join("testdata", "demo"), "folder of demo sources")
	var seedEvents bool
	f.BoolVar(&seedEvents, "seed-events", true, "when the event log is empty, seed it with a made-up history of the last 8 weeks for the dashboard")
	f.data = ""
	f.Lookup("data").DefValue = "a new temporary directory"
	if err := f.parse(args); err != nil {
		return err
	}
	// serve checks these again; checked here too, a mistake is told
	// before the corpus is indexed.
	if _, err := f.costs.config(); err != nil {
		return err
	}
	sources, err := demoSources(corpus)
	if err != nil {
		return err
	}
	if f.data == "" {
		dir, err := os.MkdirTemp("", "sift-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		f.data = dir
	}
	idx := newIndexFlags(stderr)
	idx.data, idx.logLevel, idx.logFormat, idx.db = f.data, f.logLevel, f.logFormat, f.db
	// Index text only, so the demo is up in seconds; serve then embeds the
	// documents in the background, as it does for any index lacking vectors.
	idx.embedder.kind = "none"
	if err := indexFiles(ctx, idx, sources, stdout, stderr); err != nil {
		return err
	}
	keys, err := demoKeys(ctx, f)
	if err != nil {
		return err
	}
	f.trainOnStart = true
	f.demoToken = demoTokens(keys[0], keys[1])
	if seedEvents {
		f.onEvents = func(ctx context.Context, eng *engine.Engine, stored int, log *slog.Logger) error {
			return seedDemoEvents(ctx, eng, sources, stored, log)
		}
	}
	return serve(ctx, f, stderr, func(addr string) {
		base := "http://" + strings.Replace(addr, "[::]", "localhost", 1)
		fmt.Fprintf(stdout, "\nSift demo is up on %s (data in %s).\nAPI keys, one per role (sift keys list --data %s):\n", base, f.data, f.data)
		for _, k := range keys {
			fmt.Fprintf(stdout, "  %-16s %s\n", k.label, k.secret)
		}
		cust, itsm, agent, analyst := keys[0].secret, keys[1].secret, keys[2].secret, keys[3].secret
		fmt.Fprintf(stdout, "For the README's examples, paste into your shell:\n  CUST=%s; ITSM=%s; AGENT=%s; ANALYST=%s; ADMIN=%s\n",
			cust, itsm, agent, analyst, keys[4].secret)
		fmt.Fprintf(stdout, "Full-text search and type-ahead answer now; embeddings (hybrid search, similar tickets) and the\n"+
			"triage classifiers are built in the background: %s/readyz answers 200 once everything is ready.\n", base)
		fmt.Fprintln(stdout, "Try:")
		fmt.Fprintf(stdout, "  curl -H 'Authorization: Bearer %s' '%s/v1/suggest?q=pasword+res'\n", cust, base)
		fmt.Fprintf(stdout, "  curl -H 'Authorization: Bearer %s' '%s/v1/search?q=refund+for+a+damaged+parcel'\n", cust, base)
		fmt.Fprintf(stdout, "  curl -H 'Authorization: Bearer %s' '%s/v1/suggest?q=vpn'\n", itsm, base)
		fmt.Fprintf(stdout, "  curl -H 'Authorization: Bearer %s' -X POST %s/v1/deflect -d '{\"subject\":\"cannot log in\",\"body\":\"my 2fa code is rejected\"}'\n", cust, base)
		fmt.Fprintf(stdout, "  curl -H 'Authorization: Bearer %s' -X POST %s/v1/triage -d '{\"portal\":\"itsm\",\"subject\":\"VPN keeps dropping\",\"body\":\"third time today, I cannot work\"}'\n", agent, base)
		fmt.Fprintf(stdout, "  %s/dashboard?key=%s shows deflection analytics over the seeded event history.\n", base, analyst)
		fmt.Fprintf(stdout, "  %s/demo/customer and %s/demo/itsm are sample portal pages using %s/widget.js with browser tokens.\n", base, base, base)
		fmt.Fprintf(stdout, "  %s/openapi.json describes every endpoint; %s/metrics has Prometheus metrics.\nPress Ctrl+C to stop.\n", base, base)
	})
}
